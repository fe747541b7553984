"""The pure planner for PagerDuty ⇄ Jira: event + rules + link state + metadata → Plan.

No I/O: whatever needs a remote answer (a JQL match that the payload cannot decide, the
user a PagerDuty assignee maps to) is looked up by the worker first and passed in `Context`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jirasync.core import templates
from jirasync.core.actions import (
    Action,
    AddComment,
    AddNote,
    AddResponders,
    CreateIncident,
    CreateIssue,
    EditIssue,
    EditNote,
    Plan,
    TransitionIssue,
    UpdateIncident,
)
from jirasync.core.events import IncidentEvent, IssueEvent, IssueEventKind
from jirasync.core.links import LinkState
from jirasync.core.rules.pagerduty import (
    ActionSet,
    AutocreateIncident,
    AutocreateIssue,
    Condition,
    Rule,
)
from jirasync.core.workflow import JiraStatus

# Webhook v3 event types → the event names of PagerDuty's rule schema.
RULE_EVENT = {
    "incident.triggered": "incident.trigger",
    "incident.acknowledged": "incident.acknowledge",
    "incident.unacknowledged": "incident.unacknowledge",
    "incident.resolved": "incident.resolve",
    "incident.escalated": "incident.escalate",
    "incident.reassigned": "incident.assign",
    "incident.delegated": "incident.delegate",
    "incident.trigger_manually": "incident.trigger_manually",
}
MARKER_PREFIX = "pagerduty-"


@dataclass(frozen=True)
class Context:
    """What the planner may know besides the event and the link."""

    jira_statuses: Mapping[str, JiraStatus] = field(default_factory=dict)
    jira_priorities: Mapping[str, str] = field(default_factory=dict)  # name → id
    pagerduty_priorities: Mapping[str, str] = field(default_factory=dict)  # id → name
    own_jira_users: frozenset[str] = frozenset()
    own_pagerduty_users: frozenset[str] = frozenset()
    issue_matches: Callable[[str], bool] = lambda jql: False
    assignee_email: str | None = None  # Jira user of the incident's assignee (user mapping)


def marker_for(incident_id: str) -> str:
    return f"{MARKER_PREFIX}{incident_id}".lower()


def incident_key_for(issue_id: str, jira_connection: str) -> str:
    return f"jira-{jira_connection}-{issue_id}"


# -- PagerDuty → Jira ----------------------------------------------------------------------------
def plan_incident_event(
    event: IncidentEvent, rules: Sequence[Rule], link: LinkState | None, ctx: Context
) -> Plan:
    if event.actor is not None and event.actor.id in ctx.own_pagerduty_users:
        return Plan().note("the change was made by jirasync itself (echo)")
    # Note and responder events name only the incident: a linked one keeps its rules.
    unscoped = event.service_id is None and link is not None
    in_scope = [r for r in rules if r.enabled and (unscoped or r.covers_service(event.service_id))]
    if not in_scope:
        return Plan().note(f"no enabled rule covers service {event.service_id}")
    if link is None or link.issue_key is None:
        return _plan_issue_creation(event, in_scope, ctx)
    return _plan_linked_incident(event, in_scope, link, ctx)


def _plan_issue_creation(event: IncidentEvent, rules: Sequence[Rule], ctx: Context) -> Plan:
    rule_event = RULE_EVENT.get(event.kind)
    if rule_event is None:
        return Plan().note(f"{event.kind} on an unlinked incident creates nothing")
    for rule in rules:
        if not rule.config.autocreate_issues:
            continue
        for index, item in enumerate(rule.config.autocreate_issues_config):
            if _condition_holds(item.condition, rule_event, event.incident, ctx):
                action = _create_issue(event, rule, item, ctx)
                reason = (
                    f"rule {rule.name!r} autocreate_issues_config[{index}] matched {rule_event}"
                )
                return Plan().add(action, reason=reason)
    return Plan().note(f"no rule creates an issue on {rule_event} for this incident")


def _create_issue(event: IncidentEvent, rule: Rule, item: Any, ctx: Context) -> CreateIssue:
    incident = event.incident
    project = item.target_project or rule.config.projects[0]
    issue_type = item.target_issue_type or rule.config.issue_types[0]
    number = incident.get("number") or incident.get("incident_number")
    title = str(incident.get("title") or incident.get("summary") or event.incident_id)
    fields: dict[str, Any] = {
        "project": {"key": project.key},
        "issuetype": {"id": issue_type.id},
        "summary": title[:254],
        "labels": [marker_for(event.incident_id)],
    }
    fields.update(_field_actions(item, incident, ctx))
    fields.update(rule.config.jirasync.create_fields)
    priority = _jira_priority_for(rule, incident, ctx)
    if priority and "priority" not in fields:
        fields["priority"] = priority
    return CreateIssue(
        project_key=project.key,
        issue_type_id=issue_type.id,
        fields=fields,
        marker=marker_for(event.incident_id),
        remote_link_url=str(incident.get("html_url") or ""),
        remote_link_title=f"PagerDuty #{number}: {title}" if number else f"PagerDuty: {title}",
        source_id=event.incident_id,
        rule=rule.name,
    )


def _field_actions(item: ActionSet, incident: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for action in item.enabled():
        param = item.param(action.key)
        if action.key == "jira_append_description" and isinstance(param, list):
            fields["description"] = "\n".join(templates.render_items(param, incident))
        elif action.key == "jira_field_set_priority" and isinstance(param, dict):
            fields["priority"] = (
                {"id": str(param["id"])} if "id" in param else {"name": param["name"]}
            )
        elif action.key == "jira_field_set_labels" and isinstance(param, list):
            labels = templates.render_items(param, incident)
            fields["labels"] = [label.replace(" ", "_") for label in labels]
        elif action.key == "jira_field_set_assignee" and ctx.assignee_email:
            fields["assignee"] = {"name": ctx.assignee_email}
    return fields


def _plan_linked_incident(
    event: IncidentEvent, rules: Sequence[Rule], link: LinkState, ctx: Context
) -> Plan:
    assert link.issue_key is not None
    plan = Plan()
    if event.kind == "incident.annotated":
        return _plan_note(event, rules, link)
    if event.kind == "incident.priority_updated":
        return _plan_priority_to_jira(event, rules, link, ctx)
    rule_event = RULE_EVENT.get(event.kind)
    for rule in rules:
        if not rule.config.react_on_incident_event:
            continue
        for index, item in enumerate(rule.config.react_on_incident_event_config):
            if rule_event and _condition_holds(item.condition, rule_event, event.incident, ctx):
                actions = _issue_updates(item, link, event.incident, ctx)
                where = f"rule {rule.name!r} react_on_incident_event_config[{index}]"
                if actions:
                    plan = plan.add(*actions, reason=f"{where} matched {rule_event}")
                else:
                    plan = plan.note(f"{where} matched {rule_event}; the issue is already so")
    if plan.empty and not plan.reasons:
        plan = plan.note(f"no rule reacts to {event.kind} on a linked incident")
    return plan


def _issue_updates(
    item: ActionSet, link: LinkState, incident: Mapping[str, Any], ctx: Context
) -> list[TransitionIssue | EditIssue]:
    assert link.issue_key is not None
    updates: list[TransitionIssue | EditIssue] = []
    status = item.param("jira_change_status")
    if any(a.key == "jira_change_status" for a in item.enabled()) and isinstance(status, dict):
        status_id = str(status.get("id"))
        if not link.already("jira.status", status_id):
            known = ctx.jira_statuses.get(status_id)
            name = known.name if known else status.get("label")
            updates.append(TransitionIssue(link.issue_key, status_id, name))
    fields = _field_actions(item, incident, ctx)
    fields.pop("description", None)  # appending again on every event would repeat it
    if fields:
        updates.append(EditIssue(link.issue_key, fields=fields))
    return updates


def _plan_note(event: IncidentEvent, rules: Sequence[Rule], link: LinkState) -> Plan:
    assert link.issue_key is not None
    note = event.note
    if note is None or not note.content.strip():
        return Plan().note("the note is empty")
    if not any(r.config.sync_comments for r in rules):
        return Plan().note("no rule syncs comments for this service")
    if note.id is not None and note.id in link.mirrored:
        return Plan().note(f"note {note.id} is already on the issue")
    who = event.actor.name if event.actor and event.actor.name else "PagerDuty"
    body = f"PagerDuty [{who}]: {note.content}"
    return Plan().add(
        AddComment(link.issue_key, body, note.id), reason="sync_comments: note → comment"
    )


def _plan_priority_to_jira(
    event: IncidentEvent, rules: Sequence[Rule], link: LinkState, ctx: Context
) -> Plan:
    assert link.issue_key is not None
    pd_priority = _priority_name(event.incident, ctx)
    if link.already("pd.priority", pd_priority):
        return Plan().note(f"priority {pd_priority} is what jirasync last synced (echo)")
    for rule in rules:
        if not rule.config.jirasync.sync_priority:
            continue
        jira_priority = _jira_priority_for(rule, event.incident, ctx)
        if jira_priority is None:
            continue
        edit = EditIssue(link.issue_key, fields={"priority": jira_priority})
        return Plan().add(
            edit,
            reason=f"rule {rule.name!r}: PagerDuty {pd_priority} → Jira {jira_priority['name']}",
        )
    return Plan().note(f"no priority mapping for PagerDuty priority {pd_priority}")


def _jira_priority_for(
    rule: Rule, incident: Mapping[str, Any], ctx: Context
) -> dict[str, str] | None:
    name = _priority_name(incident, ctx)
    mapped = rule.config.jirasync.priority_to_jira.get(name or "")
    return {"name": mapped} if mapped else None


def _priority_name(incident: Mapping[str, Any], ctx: Context) -> str | None:
    priority = incident.get("priority")
    if not isinstance(priority, Mapping):
        return None
    pid = str(priority.get("id") or "")
    return ctx.pagerduty_priorities.get(pid) or priority.get("summary") or priority.get("name")


def _condition_holds(
    condition: Condition, rule_event: str, incident: Mapping[str, Any], ctx: Context
) -> bool:
    if rule_event not in condition.pd_events:
        return False
    if condition.pd_urgency and incident.get("urgency") not in (None, condition.pd_urgency):
        return False
    if condition.pd_priorities:
        priority = incident.get("priority")
        pid = priority.get("id") if isinstance(priority, Mapping) else None
        if pid not in {p.id for p in condition.pd_priorities}:
            return False
    return True


def plan_manual_issue(event: IncidentEvent, rule: Rule, ctx: Context) -> Plan:
    """A person's "Create Jira Issue" on an incident ("More → Create Jira Issue", which works
    with auto-create off): the rule's first issue-creating section gives project, type and
    field actions, whatever its event conditions say."""
    items = rule.config.autocreate_issues_config
    item = items[0] if items else AutocreateIssue()
    action = _create_issue(event, rule, item, ctx)
    return Plan().add(action, reason=f"asked by hand with rule {rule.name!r}")


# -- Jira → PagerDuty ----------------------------------------------------------------------------
def plan_issue_event(
    event: IssueEvent,
    rules: Sequence[Rule],
    link: LinkState | None,
    ctx: Context,
    jira_connection: str,
) -> Plan:
    if event.actor is not None and event.actor.id in ctx.own_jira_users:
        return Plan().note("the change was made by jirasync itself (echo)")
    project, issue_type = _scope_of(event)
    in_scope = _rules_in_scope(rules, project, issue_type, link)
    if not in_scope and link is None:
        return Plan().note(f"no enabled rule covers project {project} / issue type {issue_type}")
    if event.kind in (IssueEventKind.COMMENT_CREATED, IssueEventKind.COMMENT_UPDATED):
        return _once_each(_plan_comment(event, in_scope, link))
    if event.kind is IssueEventKind.DELETED:
        return Plan().note("issue deleted: the incident stays as it is")
    if event.kind is IssueEventKind.COMMENT_DELETED:
        return Plan().note("comment deleted: PagerDuty notes stay (PagerDuty keeps a record)")
    if link is None:
        return _plan_incident_creation(event, in_scope, ctx, jira_connection)
    return _once_each(_plan_linked_issue(event, in_scope, link, ctx))


def _rules_in_scope(
    rules: Sequence[Rule], project: str | None, issue_type: str | None, link: LinkState | None
) -> list[Rule]:
    """The enabled rules of the issue's project and type. A linked issue's comment bodies lack
    the project, so the link's last known one stands in; a pair linked by hand outside every
    rule's projects stays with all the rules of its connections."""
    enabled = [r for r in rules if r.enabled]
    if link is not None:
        project = project or link.last_synced.get("jira.project")
        issue_type = issue_type or link.last_synced.get("jira.issuetype")
    covering = [r for r in enabled if r.covers_issue(project, issue_type)]
    return covering if covering or link is None else enabled


def _once_each(plan: Plan) -> Plan:
    """Two rules asking for the same change (both resolve the incident) make one call."""
    actions: list[Action] = []
    for action in plan.actions:
        if action not in actions:
            actions.append(action)
    return Plan(tuple(actions), plan.reasons)


def _scope_of(event: IssueEvent) -> tuple[str | None, str | None]:
    fields = (event.issue or {}).get("fields") or {}
    project = fields.get("project") or {}
    issue_type = fields.get("issuetype") or {}
    return project.get("key"), issue_type.get("id")


def _plan_incident_creation(
    event: IssueEvent, rules: Sequence[Rule], ctx: Context, jira_connection: str
) -> Plan:
    created = event.kind is IssueEventKind.CREATED
    for rule in rules:
        if not rule.config.autocreate_incidents:
            continue
        for index, item in enumerate(rule.config.autocreate_incidents_config):
            if not (item.on_create if created else item.on_update):
                continue
            if not ctx.issue_matches(item.jql):
                continue
            service = item.target_service or rule.config.services[0]
            action = _create_incident(event, rule, item, service.id, jira_connection)
            reason = f"rule {rule.name!r} autocreate_incidents_config[{index}] matched {item.jql!r}"
            return Plan().add(action, reason=reason)
    when = "on create" if created else "on update"
    return Plan().note(f"no rule's JQL matches this issue {when}")


# What PagerDuty's "create incidents from issues" entries may do to the issue once its
# incident exists (its fields are known only then: labels may name the incident's service).
FOLLOW_UPS = ("jira_field_set_priority", "jira_field_set_labels")


def follow_up_edit(action: CreateIncident, incident: Mapping[str, Any]) -> EditIssue | None:
    """The issue's edit a created incident's follow-up actions ask for: the priority set, the
    labels added (the issue's own labels stay)."""
    fields: dict[str, Any] = {}
    update: dict[str, Any] = {}
    for key, param in action.follow_up:
        if key == "jira_field_set_priority" and isinstance(param, dict):
            fields["priority"] = (
                {"id": str(param["id"])} if "id" in param else {"name": param.get("name")}
            )
        elif key == "jira_field_set_labels" and isinstance(param, list):
            labels = [label.replace(" ", "_") for label in templates.render_items(param, incident)]
            update["labels"] = [{"add": label} for label in labels]
    if not fields and not update:
        return None
    return EditIssue(action.issue_key, fields=fields, update=update)


def _create_incident(
    event: IssueEvent, rule: Rule, item: Any, service_id: str, jira_connection: str
) -> CreateIncident:
    fields = (event.issue or {}).get("fields") or {}
    key = event.issue_key or event.issue_id
    summary = str(fields.get("summary") or key)
    follow_up: list[Any] = []
    priority_id = None
    for action in item.enabled():
        param = item.param(action.key)
        if action.key == "pd_set_priority" and isinstance(param, dict):
            priority_id = str(param.get("id"))
        elif action.key in FOLLOW_UPS and param is not None:
            follow_up.append((action.key, param))
    return CreateIncident(
        service_id=service_id,
        title=f"[{key}] {summary}"[:1024],
        incident_key=incident_key_for(event.issue_id, jira_connection),
        details=str(fields.get("description") or ""),
        issue_id=event.issue_id,
        issue_key=key,
        rule=rule.name,
        priority_id=priority_id,
        follow_up=tuple(follow_up),
    )


def _plan_linked_issue(
    event: IssueEvent, rules: Sequence[Rule], link: LinkState, ctx: Context
) -> Plan:
    plan = Plan()
    status = event.change_of("status")
    if status is not None and status.to_id is not None:
        plan = _plan_status_to_pagerduty(status.to_id, rules, link, ctx)
    priority = event.change_of("priority")
    if priority is not None and priority.to_text:
        plan = _plan_priority_to_pagerduty(plan, priority.to_text, rules, link, ctx)
    if plan.empty and not plan.reasons:
        plan = plan.note("no status or priority change to sync")
    return plan


def _plan_status_to_pagerduty(
    status_id: str, rules: Sequence[Rule], link: LinkState, ctx: Context
) -> Plan:
    if link.already("jira.status", status_id):
        return Plan().note(f"status {status_id} is what jirasync set (echo)")
    category = ctx.jira_statuses[status_id].category if status_id in ctx.jira_statuses else None
    plan = Plan()
    for rule in rules:
        if not rule.config.react_on_issue_status_change:
            continue
        for index, item in enumerate(rule.config.react_on_issue_status_change_config):
            by_id = any(s.id == status_id for s in item.jira_statuses)
            by_category = category is not None and category in item.jira_status_categories
            if not (by_id or by_category):
                continue
            actions = _incident_updates(item, link)
            where = f"rule {rule.name!r} react_on_issue_status_change_config[{index}]"
            plan = plan.add(*actions, reason=f"{where} matched status {status_id}")
    return plan if plan.reasons else plan.note(f"no rule reacts to status {status_id}")


def _incident_updates(item: ActionSet, link: LinkState) -> list[UpdateIncident | AddResponders]:
    updates: list[UpdateIncident | AddResponders] = []
    for action in item.enabled():
        param = item.param(action.key)
        if action.key == "pd_acknowledge" and not link.already("pd.status", "acknowledged"):
            updates.append(UpdateIncident(link.source_id, status="acknowledged"))
        elif action.key == "pd_resolve" and not link.already("pd.status", "resolved"):
            updates.append(UpdateIncident(link.source_id, status="resolved"))
        elif action.key == "pd_set_priority" and isinstance(param, dict):
            updates.append(UpdateIncident(link.source_id, priority_id=str(param.get("id"))))
        elif action.key == "pd_add_responders" and isinstance(param, list):
            ids = tuple(str(u["id"]) for u in param if isinstance(u, dict) and "id" in u)
            message = f"Requested from Jira issue {link.issue_key}"
            updates.append(AddResponders(link.source_id, ids, message))
    return updates


def _plan_priority_to_pagerduty(
    plan: Plan, jira_priority: str, rules: Sequence[Rule], link: LinkState, ctx: Context
) -> Plan:
    if link.already("jira.priority", jira_priority):
        return plan.note(f"priority {jira_priority} is what jirasync set (echo)")
    by_name = {name: pid for pid, name in ctx.pagerduty_priorities.items()}
    for rule in rules:
        if not rule.config.jirasync.sync_priority:
            continue
        pd_name = rule.config.jirasync.priority_to_pagerduty.get(jira_priority)
        if pd_name and pd_name in by_name:
            update = UpdateIncident(link.source_id, priority_id=by_name[pd_name])
            return plan.add(
                update, reason=f"rule {rule.name!r}: Jira {jira_priority} → PagerDuty {pd_name}"
            )
    return plan.note(f"no priority mapping for Jira priority {jira_priority}")


def _plan_comment(event: IssueEvent, rules: Sequence[Rule], link: LinkState | None) -> Plan:
    if link is None:
        return Plan().note("comment on an issue with no incident")
    comment = event.comment
    if comment is None:
        return Plan().note("the webhook carries no comment text")
    if not any(r.config.sync_comments for r in rules):
        return Plan().note("no rule syncs comments for this issue")
    who = comment.author.display_name if comment.author and comment.author.display_name else "Jira"
    content = f"[Jira] [{who}]: {comment.body}"
    if event.kind is IssueEventKind.COMMENT_UPDATED:
        twin = link.note_twins.get(comment.id)
        if twin is None:
            return Plan().note(f"comment {comment.id} has no note of jirasync's to edit")
        edit = EditNote(link.source_id, twin, content)
        if link.already(edit.synced_key, edit.digest):
            return Plan().note(f"note {twin} already says what comment {comment.id} says")
        return Plan().add(edit, reason=f"sync_comments: comment {comment.id} edited → note {twin}")
    if comment.id in link.mirrored:
        return Plan().note(f"comment {comment.id} is already on the incident")
    note = AddNote(link.source_id, content, comment.id)
    return Plan().add(note, reason="sync_comments: comment → note")


def plan_manual_incident(
    event: IssueEvent, rule: Rule, service_id: str | None, jira_connection: str
) -> Plan:
    """A person's "trigger incident" on an issue (the issue sidebar), whatever the rule's JQL:
    on `service_id`, else the rule's first incident-creating section's service, else its first
    service."""
    items = rule.config.autocreate_incidents_config
    item = items[0] if items else AutocreateIncident(jql="")
    target = service_id or (item.target_service.id if item.target_service else None)
    service = target or rule.config.services[0].id
    action = _create_incident(event, rule, item, service, jira_connection)
    return Plan().add(action, reason=f"asked by hand with rule {rule.name!r}")
