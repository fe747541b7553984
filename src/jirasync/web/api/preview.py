"""Rule preview over the API: a dry run of a rule (stored, or not yet saved) against a real
incident, issue or report (the planning itself is admin/preview.py's, shared with the UI)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field, model_validator

from jirasync.admin.preview import (
    IncidentEventType,
    IssueEventName,
    preview_incident,
    preview_issue,
)
from jirasync.admin.rules import preview_escalation, scope
from jirasync.core.actions import Plan
from jirasync.core.rules.hackerone import Escalation
from jirasync.core.rules.pagerduty import Rule
from jirasync.sync.rulebook import PagerDutyRule
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.api.deps import DB, Caller, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError
from jirasync.web.api.escalations import escalation_row
from jirasync.web.api.escalations import out as escalation_out

router = APIRouter(prefix="/preview", tags=["preview"], responses=ERROR_RESPONSES)


class PagerDutyPreviewIn(BaseModel):
    rule: Rule | None = Field(None, description="A rule not yet saved …")
    rule_id: RowId | None = Field(None, description="… or a stored one.")
    pagerduty_connection_id: RowId | None = None
    jira_connection_id: RowId | None = None
    incident_id: str | None = Field(None, min_length=1, max_length=100)
    event: IncidentEventType = Field("incident.triggered", description="With incident_id.")
    issue_key: str | None = Field(None, min_length=1, max_length=100)
    issue_event: IssueEventName = Field("issue_created", description="With issue_key.")

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
    if body.incident_id is not None:
        return _answer(await preview_incident(runtime, rule, body.incident_id, body.event))
    assert body.issue_key is not None
    return _answer(await preview_issue(runtime, rule, body.issue_key, body.issue_event))


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
