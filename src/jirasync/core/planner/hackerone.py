"""The pure planner for HackerOne ⇄ Jira: report activity or issue change + escalation + link →
Plan. HackerOne events become Jira comments (per toggle); Jira changes become internal
comments on the report; the chosen closed status resolves the report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from jirasync.core.actions import (
    AddComment,
    AddReportComment,
    ChangeReportState,
    CopyAttachment,
    CreateIssue,
    Plan,
)
from jirasync.core.events import IssueEvent, IssueEventKind, ReportEvent
from jirasync.core.links import LinkState
from jirasync.core.report_variables import render, report_variables
from jirasync.core.rules.hackerone import Escalation, HackerOneToJira

MARKER_PREFIX = "hackerone-"
STATE_ACTIVITIES = {
    "activity-bug-new": "new",
    "activity-bug-triaged": "triaged",
    "activity-bug-needs-more-info": "needs-more-info",
    "activity-bug-resolved": "resolved",
    "activity-bug-informative": "informative",
    "activity-bug-not-applicable": "not-applicable",
    "activity-bug-spam": "spam",
    "activity-bug-duplicate": "duplicate",
    "activity-bug-reopened": "reopened",
    "activity-bug-retesting": "retesting",
    "activity-bug-inactive": "closed as inactive",
}
REWARD_ACTIVITIES = frozenset(
    {"activity-bounty-awarded", "activity-bounty-suggested", "activity-swag-awarded"}
)
ASSIGNEE_ACTIVITIES = frozenset(
    {
        "activity-user-assigned-to-bug",
        "activity-group-assigned-to-bug",
        "activity-nobody-assigned-to-bug",
    }
)
DISCLOSURE_ACTIVITIES = frozenset(
    {
        "activity-agreed-on-going-public",
        "activity-report-became-public",
        "activity-manually-disclosed",
        "activity-cancelled-disclosure-request",
    }
)


@dataclass(frozen=True)
class Context:
    web_base: str = "https://hackerone.com"
    own_hackerone_users: frozenset[str] = frozenset()
    own_jira_users: frozenset[str] = frozenset()
    jira_status_categories: Mapping[str, str] = field(default_factory=dict)  # status id → key
    original_link: LinkState | None = None  # the link of a duplicate's original report
    variables: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None


def marker_for(report_id: str) -> str:
    return f"{MARKER_PREFIX}{report_id}"


# -- escalation ------------------------------------------------------------------------------------
def plan_escalation(report: Mapping[str, Any], escalation: Escalation, ctx: Context) -> Plan:
    """Create the issue of a report (manual escalation, or an automatic one that matched)."""
    variables = (ctx.variables or _default_variables(ctx))(report)
    fields = {key: _render_value(value, variables) for key, value in escalation.fields.items()}
    fields["project"] = {"key": escalation.project_key}
    fields["issuetype"] = {"id": escalation.issue_type_id}
    labels = list(fields.get("labels") or [])
    fields["labels"] = [*labels, marker_for(str(report["id"]))]
    rating = str(variables.get("severity_rating") or "none")
    if rating in escalation.severity_to_priority and "priority" not in fields:
        fields["priority"] = {"name": escalation.severity_to_priority[rating]}
    action = CreateIssue(
        project_key=escalation.project_key,
        issue_type_id=escalation.issue_type_id,
        fields=fields,
        marker=marker_for(str(report["id"])),
        remote_link_url=str(variables["report_link"]),
        remote_link_title=f"HackerOne #{report['id']}: {variables['title']}",
        source_id=str(report["id"]),
        rule=escalation.name,
        set_report_reference=True,
    )
    return Plan().add(action, reason=f"escalation {escalation.name!r}")


def _escalated_by(plan: Plan, event: ReportEvent) -> Plan:
    actions = tuple(
        replace(a, escalated_by=_activity_id(event)) if isinstance(a, CreateIssue) else a
        for a in plan.actions
    )
    return Plan(actions, plan.reasons)


def _default_variables(ctx: Context) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    return lambda report: report_variables(report, ctx.web_base)


def _render_value(value: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        return render(value, variables)
    if isinstance(value, list):
        return [render(v, variables) if isinstance(v, str) else v for v in value]
    return value


# -- HackerOne → Jira ----------------------------------------------------------------------------
def plan_report_event(
    event: ReportEvent, escalation: Escalation | None, link: LinkState | None, ctx: Context
) -> Plan:
    if event.actor is not None and event.actor.name in ctx.own_hackerone_users:
        return Plan().note("the activity was made by jirasync itself (echo)")
    if escalation is None or not escalation.enabled:
        return Plan().note(f"no enabled escalation for program {event.program_handle}")
    if link is None or link.issue_key is None:
        return _plan_unlinked(event, escalation, ctx)
    if link.last_synced.get("hackerone.reference") == "":
        return _plan_resumed_escalation(event, escalation, link, ctx)
    return _plan_linked_report(event, escalation, link)


def _plan_resumed_escalation(
    event: ReportEvent, escalation: Escalation, link: LinkState, ctx: Context
) -> Plan:
    """The issue exists but the report does not know it yet (an attempt died in between):
    finish the escalation first; the event that escalated is not news on the issue."""
    plan = _escalated_by(plan_escalation(event.report, escalation, ctx), event).note(
        f"{link.issue_key} exists: set the report's reference to it"
    )
    escalating = event.activity_type in STATE_ACTIVITIES
    if escalating and not _plan_unlinked(event, escalation, ctx).empty:
        return plan  # the state change that escalated the report
    rest = _plan_linked_report(event, escalation, link)
    return Plan((*plan.actions, *rest.actions), (*plan.reasons, *rest.reasons))


def _plan_unlinked(event: ReportEvent, escalation: Escalation, ctx: Context) -> Plan:
    if event.activity_type == "activity-bug-duplicate":
        return _plan_duplicate(event, escalation, ctx)
    state = str((event.report.get("attributes") or {}).get("state") or "")
    if auto_escalates(event.report, escalation):
        plan = _escalated_by(plan_escalation(event.report, escalation, ctx), event)
        return plan.note(f"report is {state}: automatic escalation")
    return Plan().note("report not escalated (escalate it manually, or widen the automatic filter)")


def auto_escalates(report: Mapping[str, Any], escalation: Escalation) -> bool:
    """The escalation's automatic filter (state, severity, weakness, asset) wants the report."""
    state = str((report.get("attributes") or {}).get("state") or "")
    relationships = report.get("relationships") or {}
    return escalation.wants_auto(
        state,
        _rel_attr(relationships, "severity", "rating"),
        _rel_attr(relationships, "weakness", "name"),
        _rel_attr(relationships, "structured_scope", "asset_identifier"),
    )


def _plan_duplicate(event: ReportEvent, escalation: Escalation, ctx: Context) -> Plan:
    original = ctx.original_link
    if (
        not escalation.comment_duplicates_on_original
        or original is None
        or original.issue_key is None
    ):
        return Plan().note("duplicate of a report with no Jira issue")
    body = (
        f"[HackerOne] Report #{event.report_id} was closed as a duplicate of this issue's report."
        + (f"\n{event.message}" if event.message else "")
    )
    comment = AddComment(original.issue_key, body, _activity_id(event))
    return Plan().add(comment, reason="duplicate: comment on the original's issue")


def _plan_linked_report(event: ReportEvent, escalation: Escalation, link: LinkState) -> Plan:
    assert link.issue_key is not None
    activity_id = _activity_id(event)
    toggles = escalation.hackerone_to_jira
    body, enabled = _comment_for(event, toggles)
    plan = Plan()
    if activity_id is not None and activity_id in link.mirrored:
        # Already posted (a retry after a later step failed): only its attachments may be left.
        plan = plan.note(f"activity {activity_id} is already on the issue")
    elif body is None:
        plan = plan.note(f"{event.activity_type} is not posted to Jira")
    elif not enabled:
        plan = plan.note(f"{event.activity_type}: that kind of event is switched off")
    else:
        comment = AddComment(link.issue_key, body, activity_id)
        plan = plan.add(comment, reason=f"HackerOne {event.activity_type} → Jira comment")
    if toggles.attachments:
        for attachment in _attachments(event):
            if attachment.source_id not in link.mirrored:
                copy = CopyAttachment(
                    link.issue_key, attachment.url, attachment.filename, attachment.source_id
                )
                plan = plan.add(copy, reason=f"attachment {attachment.filename}")
    return plan


def _comment_for(event: ReportEvent, toggles: HackerOneToJira) -> tuple[str | None, bool]:
    who = event.actor.display_name or event.actor.name if event.actor else "HackerOne"
    kind = event.activity_type
    message = f"\n{event.message}" if event.message else ""
    if kind == "activity-comment":
        if event.internal:
            return f"[HackerOne] [{who}] (internal): {event.message}", toggles.internal_comments
        return f"[HackerOne] [{who}]: {event.message}", toggles.comments
    if kind in STATE_ACTIVITIES:
        return (
            f"[HackerOne] {who} changed the report state to {STATE_ACTIVITIES[kind]}.{message}",
            toggles.state_changes,
        )
    if kind in REWARD_ACTIVITIES:
        return f"[HackerOne] {who}: {_reward_text(event)}.{message}", toggles.rewards
    if kind in ASSIGNEE_ACTIVITIES:
        return f"[HackerOne] {who}: {_assignee_text(event)}.{message}", toggles.assignee
    if kind in DISCLOSURE_ACTIVITIES:
        text = kind.removeprefix("activity-").replace("-", " ")
        return f"[HackerOne] {who}: {text}.{message}", toggles.disclosure
    return None, False


def _reward_text(event: ReportEvent) -> str:
    attributes = event.activity.get("attributes") or {}
    if event.activity_type == "activity-swag-awarded":
        return "swag awarded"
    verb = "suggested" if event.activity_type == "activity-bounty-suggested" else "awarded"
    bounty = attributes.get("bounty_amount") or "0"
    bonus = attributes.get("bonus_amount")
    extra = f" + bonus {bonus}" if bonus and str(bonus) not in ("0", "0.0") else ""
    return f"bounty {bounty}{extra} {verb}"


def _assignee_text(event: ReportEvent) -> str:
    relationships = event.activity.get("relationships") or {}
    if event.activity_type == "activity-nobody-assigned-to-bug":
        return "report unassigned"
    for key in ("assigned_user", "group"):
        data = (relationships.get(key) or {}).get("data") or {}
        attributes = data.get("attributes") or {}
        name = attributes.get("username") or attributes.get("name")
        if name:
            return f"assigned to {name}"
    return "assignee changed"


@dataclass(frozen=True)
class _Attachment:
    source_id: str
    url: str
    filename: str


def _attachments(event: ReportEvent) -> list[_Attachment]:
    items = ((event.activity.get("relationships") or {}).get("attachments") or {}).get("data") or []
    found = []
    for item in items if isinstance(items, list) else []:
        attributes = item.get("attributes") or {}
        url = attributes.get("expiring_url")
        if url and item.get("id") is not None:
            name = str(attributes.get("file_name") or f"attachment-{item['id']}")
            found.append(_Attachment(f"h1-attachment-{item['id']}", str(url), name))
    return found


# -- Jira → HackerOne ----------------------------------------------------------------------------
def plan_issue_event(
    event: IssueEvent, escalation: Escalation | None, link: LinkState | None, ctx: Context
) -> Plan:
    if event.actor is not None and event.actor.id in ctx.own_jira_users:
        return Plan().note("the change was made by jirasync itself (echo)")
    if link is None:
        return Plan().note("the issue is not linked to a report")
    if escalation is None or not escalation.enabled:
        return Plan().note("the report's escalation is disabled")
    if event.kind is IssueEventKind.COMMENT_CREATED:
        return _plan_jira_comment(event, escalation, link)
    if event.kind is not IssueEventKind.UPDATED:
        return Plan().note(f"{event.kind.value} is not posted to HackerOne")
    plan = _plan_field_comments(event, escalation, link)
    return _plan_close(plan, event, escalation, link, ctx)


def _plan_jira_comment(event: IssueEvent, escalation: Escalation, link: LinkState) -> Plan:
    comment = event.comment
    if comment is None or not escalation.jira_to_hackerone.comments:
        return Plan().note("Jira comments are not posted to HackerOne")
    if comment.id in link.mirrored:
        return Plan().note(f"comment {comment.id} is already on the report")
    who = comment.author.display_name if comment.author and comment.author.display_name else "Jira"
    message = f"[Jira {link.issue_key}] [{who}]: {comment.body}"
    return Plan().add(
        AddReportComment(link.source_id, message, True, comment.id),
        reason="Jira comment → internal comment",
    )


_FIELD_TOGGLES = {
    "status": "status",
    "resolution": "resolution",
    "priority": "priority",
    "assignee": "assignee",
}


def _plan_field_comments(event: IssueEvent, escalation: Escalation, link: LinkState) -> Plan:
    toggles = escalation.jira_to_hackerone
    who = event.actor.display_name or event.actor.name if event.actor else "someone"
    lines = []
    for field_name, toggle in _FIELD_TOGGLES.items():
        change = event.change_of(field_name)
        if change is None or not getattr(toggles, toggle):
            continue
        before = change.from_text or "none"
        after = change.to_text or "none"
        lines.append(f"{field_name} changed from {before} to {after}")
    if not lines:
        return Plan().note("no change the escalation posts to HackerOne")
    message = f"[Jira {link.issue_key}] {who}: " + "; ".join(lines) + "."
    return Plan().add(
        AddReportComment(link.source_id, message), reason="Jira change → internal comment"
    )


def _plan_close(
    plan: Plan, event: IssueEvent, escalation: Escalation, link: LinkState, ctx: Context
) -> Plan:
    closed = escalation.closed
    status = event.change_of("status")
    if closed is None or status is None or status.to_id is None:
        return plan
    category = ctx.jira_status_categories.get(status.to_id)
    hit = status.to_id in closed.status_ids or (
        closed.status_category is not None and category == closed.status_category
    )
    if not hit or link.already("hackerone.state", "resolved"):
        return plan
    message = render(closed.message, {"issue_key": link.issue_key or ""})
    change = ChangeReportState(link.source_id, "resolved", message)
    return plan.add(change, reason=f"issue reached closed status {status.to_text or status.to_id}")


def _rel_attr(relationships: Mapping[str, Any], name: str, attribute: str) -> str | None:
    data = (relationships.get(name) or {}).get("data")
    value = (data.get("attributes") or {}).get(attribute) if isinstance(data, Mapping) else None
    return str(value) if value is not None else None


def _activity_id(event: ReportEvent) -> str | None:
    activity_id = event.activity.get("id")
    return f"h1-activity-{activity_id}" if activity_id is not None else None
