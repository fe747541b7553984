"""What a person does by hand between PagerDuty and Jira: create the Jira issue of an incident
("More → Create Jira Issue"), trigger the incident of an issue (the issue sidebar), link an
incident to an issue that exists, and unlink.

Like the HackerOne actions in `escalate.py` these run outside the queue and answer at once,
after the pair's queued events have run; create intents and idempotency markers still make a
race with an automatic create end with one issue or incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from jirasync.core.events import IncidentEvent, IssueEvent, IssueEventKind
from jirasync.core.planner import pagerduty as pd_planner
from jirasync.engine.activity import ActivityRecorder
from jirasync.sync.escalate import forget, wait_quiet
from jirasync.sync.executor import Executor, Impossible, Target
from jirasync.sync.handlers import calls_into
from jirasync.sync.links import SourceRef, StoredLink
from jirasync.sync.rulebook import PagerDutyRule
from jirasync.sync.runtime import SyncRuntime, source_key


@dataclass(frozen=True)
class Done:
    """The pair after the action; `created` False when it was linked already."""

    incident_id: str
    issue_key: str
    created: bool
    reasons: list[str] = field(default_factory=list)
    activity: ActivityRecorder = field(default_factory=ActivityRecorder)


async def create_issue_for_incident(
    runtime: SyncRuntime, pagerduty_id: int, incident_id: str, rule_id: int | None = None
) -> Done:
    pagerduty = await runtime.pool.pagerduty(pagerduty_id)
    source = SourceRef(pagerduty.id, "incident", incident_id)
    await wait_quiet(runtime, source_key(source))
    link = await runtime.links.by_source(source)
    if link is not None:
        return Done(incident_id, link.issue_key, False, [f"already linked to {link.issue_key}"])
    activity = ActivityRecorder()
    with calls_into(activity):
        incident = await pagerduty.client.incident(incident_id)
        service_id = str((incident.get("service") or {}).get("id") or "")
        rule = await _rule(runtime, rule_id, pagerduty_id=pagerduty.id, service_id=service_id)
        jira = await runtime.pool.jira(rule.jira_connection_id)
        event = IncidentEvent(
            event_id=f"manual-{incident_id}",
            kind="incident.trigger_manually",
            incident_id=incident_id,
            incident=incident,
            actor=None,
            occurred_at=datetime.now(UTC).isoformat(),
            service_id=service_id or None,
        )
        ctx = await runtime.handlers.pagerduty_context(jira, pagerduty, event, [rule])
        plan = pd_planner.plan_manual_issue(event, rule.rule, ctx)
        target = Target(jira, source, None, pagerduty=pagerduty, transition_fields=_fields(rule))
        await Executor(runtime.links, activity).run(plan, target)
    made = _made(target.link, f"incident {incident_id}")
    return Done(incident_id, made.issue_key, True, list(plan.reasons), activity)


async def trigger_incident_for_issue(
    runtime: SyncRuntime,
    jira_id: int,
    issue_key: str,
    rule_id: int | None = None,
    service_id: str | None = None,
) -> Done:
    jira = await runtime.pool.jira(jira_id)
    issue = await jira.client.get_issue(issue_key)
    issue_id = str(issue["id"])
    await wait_quiet(runtime, await runtime.jira_key(jira.id, issue_id))
    fields = issue.get("fields") or {}
    rule = await _rule(
        runtime,
        rule_id,
        jira_id=jira.id,
        project=(fields.get("project") or {}).get("key"),
        issue_type=(fields.get("issuetype") or {}).get("id"),
    )
    for link in await runtime.links.by_issue(jira.id, issue_id):
        if (
            link.source.type == "incident"
            and link.source.connection_id == rule.pagerduty_connection_id
        ):
            return Done(
                link.source.id, link.issue_key, False, [f"already linked to {link.source.id}"]
            )
    pagerduty = await runtime.pool.pagerduty(rule.pagerduty_connection_id)
    event = IssueEvent(
        kind=IssueEventKind.CREATED,
        issue_id=issue_id,
        issue_key=str(issue["key"]),
        issue=issue,
        actor=None,
        timestamp_ms=None,
    )
    plan = pd_planner.plan_manual_incident(event, rule.rule, service_id, str(jira.id))
    activity = ActivityRecorder()
    source = SourceRef(jira.id, "issue", issue_id)
    target = Target(jira, source, None, pagerduty=pagerduty, transition_fields=_fields(rule))
    with calls_into(activity):
        await Executor(runtime.links, activity).run(plan, target)
    made = _made(target.link, f"issue {issue_key}")
    return Done(made.source.id, made.issue_key, True, list(plan.reasons), activity)


async def link_incident(
    runtime: SyncRuntime, pagerduty_id: int, incident_id: str, jira_id: int, issue_key: str
) -> Done:
    """Link an incident to an issue that exists; the issue gets the incident's remote link."""
    pagerduty = await runtime.pool.pagerduty(pagerduty_id)
    source = SourceRef(pagerduty.id, "incident", incident_id)
    existing = await runtime.links.by_source(source)
    if existing is not None:
        if existing.issue_key == issue_key:
            return Done(incident_id, issue_key, False, ["already linked"])
        raise Impossible(
            f"incident {incident_id} is linked to {existing.issue_key}: unlink it first"
        )
    jira = await runtime.pool.jira(jira_id)
    activity = ActivityRecorder()
    with calls_into(activity):
        incident = await pagerduty.client.incident(incident_id)
        issue = await jira.client.get_issue(issue_key, fields=["status", "priority"])
        for link in await runtime.links.by_issue(jira.id, str(issue["id"])):
            if link.source.type == "incident" and link.source.connection_id == pagerduty.id:
                raise Impossible(f"{issue_key} is linked to incident {link.source.id} already")
        url = str(incident.get("html_url") or "")
        number = incident.get("incident_number") or incident.get("number")
        title = f"PagerDuty #{number}: {incident.get('title')}"
        await jira.client.put_remote_link(str(issue["key"]), url, url, title)
    synced = {"pd.status": incident.get("status")}
    link = await runtime.links.create(source, jira.id, str(issue["id"]), str(issue["key"]), synced)
    activity.action(f"linked incident {incident_id} to {link.issue_key}")
    return Done(incident_id, link.issue_key, True, [], activity)


async def unlink(runtime: SyncRuntime, link: StoredLink) -> None:
    """Forget the pair (both objects stay): later changes of either no longer sync."""
    await forget(runtime, link.id, link.source)


async def _rule(
    runtime: SyncRuntime,
    rule_id: int | None,
    *,
    pagerduty_id: int | None = None,
    service_id: str | None = None,
    jira_id: int | None = None,
    project: str | None = None,
    issue_type: str | None = None,
) -> PagerDutyRule:
    rules = await runtime.rules.pagerduty(
        pagerduty_connection_id=pagerduty_id, jira_connection_id=jira_id
    )
    if rule_id is not None:
        chosen = [r for r in rules if r.id == rule_id]
        if not chosen:
            raise Impossible(f"rule {rule_id} does not join these connections (or is invalid)")
        return chosen[0]
    enabled = [r for r in rules if r.rule.enabled]
    if service_id is not None:
        enabled = [r for r in enabled if r.rule.covers_service(service_id)]
        what = f"service {service_id}"
    else:
        enabled = [r for r in enabled if r.rule.covers_issue(project, issue_type)]
        what = f"project {project} / issue type {issue_type}"
    if not enabled:
        raise Impossible(f"no enabled rule covers {what}; name one with rule_id")
    return enabled[0]


def _fields(rule: PagerDutyRule) -> dict[str, object]:
    return dict(rule.rule.config.jirasync.transition_fields)


def _made(link: StoredLink | None, what: str) -> StoredLink:
    if link is None:
        raise Impossible(f"{what}: the action made no link")
    return link
