"""HackerOne escalations: which reports become Jira issues, with which fields, and which events
follow each way. Saving one checks it against Jira's create screen of its project and issue
type (required fields mapped, values that fit), so a missing summary is an error now, not on
the first report; `check=false` skips that (Jira unreachable, or set up later)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy import func, select

from jirasync.admin.rules import scope
from jirasync.core.report_variables import report_variables
from jirasync.core.rules.hackerone import Escalation, validate_against_createmeta
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.escalation_check import SAMPLE_REPORT
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.api.deps import DB, Caller, Id, QueryId, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError
from jirasync.web.api.paging import Page, PageInfo

router = APIRouter(
    prefix="/hackerone/escalations", tags=["hackerone escalations"], responses=ERROR_RESPONSES
)
KIND = "hackerone"

Check = Annotated[bool, Query(description="Check the fields against Jira's create screen.")]


class EscalationBody(BaseModel):
    escalation: Escalation
    hackerone_connection_id: RowId | None = None
    jira_connection_id: RowId | None = None


class EscalationOut(BaseModel):
    id: int
    hackerone_connection_id: int
    jira_connection_id: int
    escalation: Escalation


class EscalationList(PageInfo):
    escalations: list[EscalationOut]


def out(row: RuleRow) -> EscalationOut:
    definition = {**row.definition, "name": row.name, "enabled": row.enabled}
    return EscalationOut(
        id=row.id,
        hackerone_connection_id=row.connection_id,
        jira_connection_id=row.jira_connection_id,
        escalation=Escalation.model_validate(definition),
    )


@router.get("", response_model=EscalationList)
async def list_escalations(
    db: DB, who: Caller, page: Page, hackerone_connection_id: QueryId = None
) -> Any:
    query = select(RuleRow).where(RuleRow.kind == KIND)
    if hackerone_connection_id is not None:
        query = query.where(RuleRow.connection_id == hackerone_connection_id)
    async with db.sessions() as session:
        total, rows = await page.rows(session, query, RuleRow.position, RuleRow.id)
    return {**page.page(total), "escalations": [out(r) for r in rows]}


@router.post("", response_model=EscalationOut, status_code=201)
async def create_escalation(
    body: EscalationBody, db: DB, runtime: Runtime, who: Caller, check: Check = True
) -> Any:
    async with db.sessions() as session:
        h1_id = await scope(session, "hackerone", body.hackerone_connection_id)
        jira_id = await scope(session, "jira", body.jira_connection_id)
    if check:
        await _check(runtime, jira_id, body.escalation)
    async with db.sessions() as session, session.begin():
        last = await session.scalar(select(func.max(RuleRow.position)).where(RuleRow.kind == KIND))
        row = RuleRow(
            kind=KIND,
            name=body.escalation.name,
            enabled=body.escalation.enabled,
            position=(last if last is not None else -1) + 1,
            connection_id=h1_id,
            jira_connection_id=jira_id,
            definition=body.escalation.model_dump(mode="json"),
        )
        session.add(row)
    return out(row)


@router.get("/{escalation_id}", response_model=EscalationOut)
async def get_escalation(escalation_id: Id, db: DB, who: Caller) -> Any:
    async with db.sessions() as session:
        return out(await escalation_row(session, escalation_id))


@router.put("/{escalation_id}", response_model=EscalationOut)
async def update_escalation(
    escalation_id: Id,
    body: EscalationBody,
    db: DB,
    runtime: Runtime,
    who: Caller,
    check: Check = True,
) -> Any:
    async with db.sessions() as session:
        row = await escalation_row(session, escalation_id)
        h1_id = row.connection_id
        jira_id = row.jira_connection_id
        if body.hackerone_connection_id is not None:
            h1_id = await scope(session, "hackerone", body.hackerone_connection_id)
        if body.jira_connection_id is not None:
            jira_id = await scope(session, "jira", body.jira_connection_id)
    if check:
        await _check(runtime, jira_id, body.escalation)
    async with db.sessions() as session, session.begin():
        row = await escalation_row(session, escalation_id)
        row.connection_id, row.jira_connection_id = h1_id, jira_id
        row.name, row.enabled = body.escalation.name, body.escalation.enabled
        row.definition = body.escalation.model_dump(mode="json")
    return out(row)


@router.delete("/{escalation_id}", status_code=204)
async def delete_escalation(escalation_id: Id, db: DB, who: Caller) -> Response:
    async with db.sessions() as session, session.begin():
        await session.delete(await escalation_row(session, escalation_id))
    return Response(status_code=204)


async def escalation_row(session: Any, escalation_id: int) -> RuleRow:
    row = await session.get(RuleRow, escalation_id) if escalation_id < 2**31 else None
    if row is None or row.kind != KIND:
        raise ApiError(404, f"no escalation {escalation_id}")
    found: RuleRow = row
    return found


async def _check(runtime: SyncRuntime, jira_id: int, escalation: Escalation) -> None:
    if not escalation.enabled:
        return
    jira = await runtime.pool.jira(jira_id)
    fields = await jira.metadata.create_fields(escalation.project_key, escalation.issue_type_id)
    sample = report_variables(SAMPLE_REPORT, "https://hackerone.com")
    problems = validate_against_createmeta(escalation, fields, sample)
    if problems:
        raise ApiError(400, "Invalid Input Provided", [f"escalation.fields: {p}" for p in problems])
