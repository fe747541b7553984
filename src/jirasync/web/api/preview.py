"""Rule preview: a dry run of a rule (stored, or not yet saved) against a real incident, issue
or report, fetched from its remote. The pure planners say what would be done and why; nothing
is written anywhere."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field, model_validator

from jirasync.admin.rules import preview_escalation, scope
from jirasync.core.actions import Plan
from jirasync.core.events import IncidentEvent, IssueEvent, IssueEventKind
from jirasync.core.planner import pagerduty as pd_planner
from jirasync.core.rules.hackerone import Escalation
from jirasync.core.rules.pagerduty import Rule
from jirasync.sync.links import SourceRef
from jirasync.sync.rulebook import PagerDutyRule
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.api.deps import DB, Caller, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError
from jirasync.web.api.escalations import escalation_row
from jirasync.web.api.escalations import out as escalation_out

router = APIRouter(prefix="/preview", tags=["preview"], responses=ERROR_RESPONSES)

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


class PagerDutyPreviewIn(BaseModel):
    rule: Rule | None = Field(None, description="A rule not yet saved …")
    rule_id: RowId | None = Field(None, description="… or a stored one.")
    pagerduty_connection_id: RowId | None = None
    jira_connection_id: RowId | None = None
    incident_id: str | None = Field(None, min_length=1, max_length=100)
    event: IncidentEventType = Field("incident.triggered", description="With incident_id.")
    issue_key: str | None = Field(None, min_length=1, max_length=100)
    issue_event: Literal["issue_created", "issue_updated"] = Field(
        "issue_created", description="With issue_key."
    )

    @model_validator(mode="after")
    def _one_each(self) -> PagerDutyPreviewIn:
        if (self.rule is None) == (self.rule_id is None):
            raise ValueError("give either rule or rule_id")
        if (self.incident_id is None) == (self.issue_key is None):
            raise ValueError("give either incident_id or issue_key")
        return self


class HackerOnePreviewIn(BaseModel):
    escalation: Escalation | None = Field(None, description="An escalation not yet saved …")
    escalation_id: RowId | None = Field(None, description="… or a stored one.")
    hackerone_connection_id: RowId | None = None
    report_id: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one(self) -> HackerOnePreviewIn:
        if (self.escalation is None) == (self.escalation_id is None):
            raise ValueError("give either escalation or escalation_id")
        return self


class PlannedAction(BaseModel):
    type: str = Field(description="CreateIssue, TransitionIssue, UpdateIncident …")
    detail: dict[str, Any]


class PreviewOut(BaseModel):
    actions: list[PlannedAction]
    reasons: list[str] = Field(description="Why: which rule section matched, or why none did.")


@router.post("/pagerduty", response_model=PreviewOut)
async def preview_pagerduty(body: PagerDutyPreviewIn, db: DB, runtime: Runtime, who: Caller) -> Any:
    """What a PagerDuty rule would do for an incident event or an issue event."""
    rule = await _pagerduty_rule(db, runtime, body)
    jira = await runtime.pool.jira(rule.jira_connection_id)
    pagerduty = await runtime.pool.pagerduty(rule.pagerduty_connection_id)
    if body.incident_id is not None:
        incident = await pagerduty.client.incident(body.incident_id)
        event = IncidentEvent(
            event_id="preview",
            kind=body.event,
            incident_id=body.incident_id,
            incident=incident,
            actor=None,
            occurred_at=datetime.now(UTC).isoformat(),
            service_id=(incident.get("service") or {}).get("id"),
        )
        link = await runtime.links.by_source(SourceRef(pagerduty.id, "incident", body.incident_id))
        ctx = await runtime.handlers.pagerduty_context(jira, pagerduty, event, [rule])
        state = link.state() if link else None
        return _answer(pd_planner.plan_incident_event(event, [rule.rule], state, ctx))
    assert body.issue_key is not None
    issue = await jira.client.get_issue(body.issue_key)
    issue_event = IssueEvent(
        kind=IssueEventKind(body.issue_event),
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
    return _answer(pd_planner.plan_issue_event(issue_event, [rule.rule], state, ctx, str(jira.id)))


@router.post("/hackerone", response_model=PreviewOut)
async def preview_hackerone(body: HackerOnePreviewIn, db: DB, runtime: Runtime, who: Caller) -> Any:
    """What escalating a report with this escalation would create."""
    async with db.sessions() as session:
        if body.escalation_id is not None:
            stored = escalation_out(await escalation_row(session, body.escalation_id))
            escalation, h1_id = stored.escalation, stored.hackerone_connection_id
        else:
            assert body.escalation is not None
            escalation = body.escalation
            h1_id = await scope(session, "hackerone", body.hackerone_connection_id)
    return _answer(await preview_escalation(runtime, escalation, h1_id, body.report_id))


async def _pagerduty_rule(db: Any, runtime: SyncRuntime, body: PagerDutyPreviewIn) -> PagerDutyRule:
    if body.rule_id is not None:
        found = [r for r in await runtime.rules.pagerduty() if r.id == body.rule_id]
        if not found:
            raise ApiError(404, f"no valid PagerDuty rule {body.rule_id}")
        return found[0]
    assert body.rule is not None
    async with db.sessions() as session:
        pd_id = await scope(session, "pagerduty", body.pagerduty_connection_id)
        jira_id = await scope(session, "jira", body.jira_connection_id)
    # An unsaved rule is previewed as enabled: the point is to see what it would do.
    rule = body.rule.model_copy(update={"enabled": True})
    return PagerDutyRule(0, rule, pd_id, jira_id)


def _answer(plan: Plan) -> PreviewOut:
    actions = [
        PlannedAction(type=type(a).__name__, detail=jsonable_encoder(dataclasses.asdict(a)))
        for a in plan.actions
    ]
    return PreviewOut(actions=actions, reasons=list(plan.reasons))
