"""Manual actions, as a person does them from PagerDuty's incident page, Jira's issue sidebar
or HackerOne's References menu: create the Jira issue of an incident, trigger the incident of
an issue, escalate a report. Each answers once it is done, with what was done and the remote
calls made. (Link existing and unlink are on /links.)"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from jirasync.admin import actions
from jirasync.web.api.deps import Caller, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES

router = APIRouter(tags=["manual actions"], responses=ERROR_RESPONSES)

RemoteId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")]


class CreateIssueIn(BaseModel):
    pagerduty_connection_id: RowId | None = Field(None, description="Default: the only one.")
    rule_id: RowId | None = Field(None, description="Default: the first enabled rule covering it.")


class TriggerIncidentIn(BaseModel):
    jira_connection_id: RowId | None = Field(None, description="Default: the only one.")
    rule_id: RowId | None = Field(None, description="Default: the first enabled rule covering it.")
    service_id: str | None = Field(None, max_length=100, description="Default: the rule's.")


class EscalateIn(BaseModel):
    hackerone_connection_id: RowId | None = Field(None, description="Default: the only one.")
    escalation: str | None = Field(None, max_length=128, description="Escalation name.")


class CallOut(BaseModel):
    system: str
    method: str
    path: str
    status: int | None
    error: str | None


class ActionOut(BaseModel):
    issue_key: str
    incident_id: str | None = None
    report_id: str | None = None
    created: bool = Field(description="False: the pair existed already; nothing was made.")
    reasons: list[str]
    actions: list[str] = Field(description="What was done, in order.")
    calls: list[CallOut] = Field(description="Remote calls made.")


def _answer(done: actions.Outcome) -> ActionOut:
    return ActionOut(
        issue_key=done.issue_key,
        incident_id=done.incident_id,
        report_id=done.report_id,
        created=done.created,
        reasons=done.reasons,
        actions=done.actions,
        calls=[
            CallOut(system=c.system, method=c.method, path=c.path, status=c.status, error=c.error)
            for c in done.calls
        ],
    )


@router.post("/pagerduty/incidents/{incident_id}/create-issue", response_model=ActionOut)
async def create_issue(
    incident_id: RemoteId, runtime: Runtime, who: Caller, body: CreateIssueIn | None = None
) -> Any:
    """Create the incident's Jira issue with a rule (even one whose auto-create is off)."""
    given = body or CreateIssueIn()
    return _answer(
        await actions.create_issue(
            runtime, given.pagerduty_connection_id, incident_id, given.rule_id
        )
    )


@router.post("/jira/issues/{issue_key}/trigger-incident", response_model=ActionOut)
async def trigger_incident(
    issue_key: RemoteId, runtime: Runtime, who: Caller, body: TriggerIncidentIn | None = None
) -> Any:
    """Trigger the issue's PagerDuty incident with a rule, whatever its JQL."""
    given = body or TriggerIncidentIn()
    return _answer(
        await actions.trigger_incident(
            runtime, given.jira_connection_id, issue_key, given.rule_id, given.service_id
        )
    )


@router.post("/hackerone/reports/{report_id}/escalate", response_model=ActionOut)
async def escalate_report(
    report_id: RemoteId, runtime: Runtime, who: Caller, body: EscalateIn | None = None
) -> Any:
    """Create the report's Jira issue with the program's escalation and set its reference."""
    given = body or EscalateIn()
    return _answer(
        await actions.escalate_report(
            runtime, given.hackerone_connection_id, report_id, given.escalation
        )
    )
