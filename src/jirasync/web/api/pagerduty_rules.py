"""PagerDuty rules at `/pagerduty/rules`, wire-compatible with PagerDuty's Jira Server
Integration API (`/rules`): the same `{"rule": …}` bodies, 200 on create and update, 204 on
delete, `offset`/`limit`/`more`/`total` pages and `{"error": {"message", "errors"}}` errors, so
scripts written for PagerDuty's API work against jirasync with its base URL and a jirasync token.

What PagerDuty's API gets from its context, jirasync asks for: which PagerDuty connection and
which Jira connection a rule joins (`pagerduty_connection_id`, `jira_connection_id` query
parameters; each defaults to the only connection of its kind). Answers add the rule's `id` and
both connection ids; they are read-only and dropped from what is stored. PagerDuty's
`x-pagerduty-jira-signature` header is accepted and not needed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from jirasync.admin.rules import (
    PAGERDUTY,
    create_pagerduty_rule,
    move_pagerduty_rule,
    pagerduty_rule_row,
    replace_pagerduty_rule,
)
from jirasync.core.rules.pagerduty import Rule
from jirasync.store.models import Rule as RuleRow
from jirasync.web.api.deps import DB, MAX_ID, Caller
from jirasync.web.api.errors import ERROR_RESPONSES
from jirasync.web.api.paging import Page, PageInfo

router = APIRouter(prefix="/pagerduty/rules", tags=["pagerduty rules"], responses=ERROR_RESPONSES)

KIND = PAGERDUTY

PagerDutyId = Annotated[
    int | None,
    Query(ge=0, le=MAX_ID, description="The PagerDuty connection (default: the only one)."),
]
JiraId = Annotated[
    int | None,
    Query(ge=0, le=MAX_ID, description="The Jira connection (default: the only one)."),
]
Signature = Annotated[
    str | None,
    Header(alias="x-pagerduty-jira-signature", description="PagerDuty's; accepted, not needed."),
]


class RuleBody(BaseModel):
    rule: Rule


class RuleList(PageInfo):
    rules: list[dict[str, Any]]


class RuleAnswer(BaseModel):
    rule: dict[str, Any] = Field(description="The rule in PagerDuty's schema, with its id.")


def wire(row: RuleRow) -> dict[str, Any]:
    """The stored rule as PagerDuty's API shows it."""
    return {
        **row.definition,
        "id": str(row.id),
        "name": row.name,
        "enabled": row.enabled,
        "created_at": row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "pagerduty_connection_id": row.connection_id,
        "jira_connection_id": row.jira_connection_id,
    }


@router.get("", response_model=RuleList)
async def get_rules(
    db: DB,
    who: Caller,
    page: Page,
    pagerduty_connection_id: PagerDutyId = None,
    jira_connection_id: JiraId = None,
    signature: Signature = None,
) -> Any:
    """List rules (optionally of one PagerDuty or Jira connection), in evaluation order."""
    query = select(RuleRow).where(RuleRow.kind == KIND)
    if pagerduty_connection_id is not None:
        query = query.where(RuleRow.connection_id == pagerduty_connection_id)
    if jira_connection_id is not None:
        query = query.where(RuleRow.jira_connection_id == jira_connection_id)
    async with db.sessions() as session:
        total, rows = await page.rows(session, query, RuleRow.position, RuleRow.id)
    return {**page.page(total), "rules": [wire(r) for r in rows]}


@router.post("", response_model=RuleAnswer)
async def create_rule(
    body: RuleBody,
    db: DB,
    who: Caller,
    pagerduty_connection_id: PagerDutyId = None,
    jira_connection_id: JiraId = None,
    signature: Signature = None,
) -> Any:
    """Create a rule; it is evaluated after the existing ones. Answers 200, as PagerDuty does."""
    row = await create_pagerduty_rule(db, body.rule, pagerduty_connection_id, jira_connection_id)
    return {"rule": wire(row)}


@router.get("/{id}", response_model=RuleAnswer)
async def get_rule(id: str, db: DB, who: Caller, signature: Signature = None) -> Any:
    async with db.sessions() as session:
        return {"rule": wire(await _row(session, id))}


@router.put("/{id}", response_model=RuleAnswer)
async def update_rule(
    id: str,
    body: RuleBody,
    db: DB,
    who: Caller,
    pagerduty_connection_id: PagerDutyId = None,
    jira_connection_id: JiraId = None,
    signature: Signature = None,
) -> Any:
    """Replace a rule (its connections change only when named)."""
    row = await replace_pagerduty_rule(
        db, id, body.rule, pagerduty_connection_id, jira_connection_id
    )
    return {"rule": wire(row)}


@router.delete("/{id}", status_code=204)
async def delete_rule(id: str, db: DB, who: Caller, signature: Signature = None) -> Response:
    async with db.sessions() as session, session.begin():
        await session.delete(await _row(session, id))
    return Response(status_code=204)


class MoveBody(BaseModel):
    by: int = Field(
        ge=-1000, le=1000, description="Places earlier (negative) or later in the order."
    )


@router.post("/{id}/move", response_model=RuleAnswer)
async def move_rule(id: str, body: MoveBody, db: DB, who: Caller) -> Any:
    """Move a rule in the evaluation order (jirasync's own; PagerDuty's API has no order). The
    rules are renumbered 0, 1, 2… and listed in that order."""
    row = await move_pagerduty_rule(db, id, body.by)
    async with db.sessions() as session:
        return {"rule": wire(await _row(session, str(row.id)))}


async def _row(session: Any, rule_id: str) -> RuleRow:
    return await pagerduty_rule_row(session, rule_id)
