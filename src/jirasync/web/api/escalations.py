"""HackerOne escalations: which reports become Jira issues, with which fields, and which events
follow each way. Saving one checks it against Jira's create screen of its project and issue
type (required fields mapped, values that fit), so a missing summary is an error now, not on
the first report; `check=false` skips that (Jira unreachable, or set up later)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel
from sqlalchemy import select

from jirasync.admin.rules import escalation_row as admin_escalation_row
from jirasync.admin.rules import save_escalation, stored_escalation
from jirasync.core.rules.hackerone import Escalation
from jirasync.store.models import Rule as RuleRow
from jirasync.web.api.deps import DB, Caller, Id, QueryId, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES
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
    return EscalationOut(
        id=row.id,
        hackerone_connection_id=row.connection_id,
        jira_connection_id=row.jira_connection_id,
        escalation=stored_escalation(row),
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
    body: EscalationBody, runtime: Runtime, who: Caller, check: Check = True
) -> Any:
    row = await save_escalation(
        runtime, body.escalation, body.hackerone_connection_id, body.jira_connection_id, None, check
    )
    return out(row)


@router.get("/{escalation_id}", response_model=EscalationOut)
async def get_escalation(escalation_id: Id, db: DB, who: Caller) -> Any:
    async with db.sessions() as session:
        return out(await escalation_row(session, escalation_id))


@router.put("/{escalation_id}", response_model=EscalationOut)
async def update_escalation(
    escalation_id: Id,
    body: EscalationBody,
    runtime: Runtime,
    who: Caller,
    check: Check = True,
) -> Any:
    row = await save_escalation(
        runtime,
        body.escalation,
        body.hackerone_connection_id,
        body.jira_connection_id,
        escalation_id,
        check,
    )
    return out(row)


@router.delete("/{escalation_id}", status_code=204)
async def delete_escalation(escalation_id: Id, db: DB, who: Caller) -> Response:
    async with db.sessions() as session, session.begin():
        await session.delete(await escalation_row(session, escalation_id))
    return Response(status_code=204)


async def escalation_row(session: Any, escalation_id: int) -> RuleRow:
    return await admin_escalation_row(session, escalation_id)
