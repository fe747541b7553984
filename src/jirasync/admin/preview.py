"""Rule preview: what a PagerDuty rule (stored, or not yet saved) would do for a real incident
or issue, fetched from its remote. The pure planner says what and why; nothing is written."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Literal

from jirasync.core.actions import Plan
from jirasync.core.events import IncidentEvent, IssueEvent, IssueEventKind
from jirasync.core.planner import pagerduty as pd_planner
from jirasync.sync.links import SourceRef
from jirasync.sync.rulebook import PagerDutyRule
from jirasync.sync.runtime import SyncRuntime

# The incident events a preview can play (webhook v3 event types).
IncidentEventType = Literal[
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.resolved",
    "incident.escalated",
    "incident.reassigned",
    "incident.delegated",
    "incident.priority_updated",
    "incident.trigger_manually",
]
IssueEventName = Literal["issue_created", "issue_updated"]


async def preview_incident(
    runtime: SyncRuntime, rule: PagerDutyRule, incident_id: str, event: IncidentEventType
) -> Plan:
    """The plan for `event` (a webhook v3 event type) on this incident, as linked today."""
    jira = await runtime.pool.jira(rule.jira_connection_id)
    pagerduty = await runtime.pool.pagerduty(rule.pagerduty_connection_id)
    incident = await pagerduty.client.incident(incident_id)
    incident_event = IncidentEvent(
        event_id="preview",
        kind=event,
        incident_id=incident_id,
        incident=incident,
        actor=None,
        occurred_at=datetime.now(UTC).isoformat(),
        service_id=(incident.get("service") or {}).get("id"),
    )
    link = await runtime.links.by_source(SourceRef(pagerduty.id, "incident", incident_id))
    ctx = await runtime.handlers.pagerduty_context(jira, pagerduty, incident_event, [rule])
    state = link.state() if link else None
    return pd_planner.plan_incident_event(incident_event, [rule.rule], state, ctx)


async def preview_issue(
    runtime: SyncRuntime, rule: PagerDutyRule, issue_key: str, event: IssueEventName
) -> Plan:
    """The plan for this issue's creation or update, as linked today."""
    jira = await runtime.pool.jira(rule.jira_connection_id)
    pagerduty = await runtime.pool.pagerduty(rule.pagerduty_connection_id)
    issue = await jira.client.get_issue(issue_key)
    issue_event = IssueEvent(
        kind=IssueEventKind(event),
        issue_id=str(issue["id"]),
        issue_key=str(issue["key"]),
        issue=issue,
        actor=None,
        timestamp_ms=None,
    )
    links = await runtime.links.by_issue(jira.id, issue_event.issue_id)
    linked = next(
        (
            x
            for x in links
            if x.source.type == "incident" and x.source.connection_id == pagerduty.id
        ),
        None,
    )
    ctx = await runtime.handlers.pagerduty_context(jira, pagerduty, None, [rule])
    matcher = await runtime.handlers.jql_results(jira, issue_event, [rule], linked)
    ctx = dataclasses.replace(ctx, issue_matches=matcher)
    state = linked.state() if linked else None
    return pd_planner.plan_issue_event(issue_event, [rule.rule], state, ctx, str(jira.id))
