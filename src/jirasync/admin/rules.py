"""PagerDuty rules and HackerOne escalations as stored rows: which connections a rule joins,
creating and replacing rules (new ones are evaluated after the existing ones)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jirasync.admin.errors import Refusal
from jirasync.core.rules.pagerduty import Rule
from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.store.models import Rule as RuleRow

PAGERDUTY = "pagerduty"
# Keys an API answer adds to a rule; a client may send a rule back as it got it.
READ_ONLY = ("id", "created_at", "pagerduty_connection_id", "jira_connection_id")


async def scope(session: AsyncSession, kind: str, connection_id: int | None) -> int:
    """The connection a rule joins: the one named, else the only one of its kind."""
    rows = (await session.scalars(select(Connection).where(Connection.kind == kind))).all()
    if connection_id is not None:
        if not any(r.id == connection_id for r in rows):
            raise Refusal(400, "Invalid Input Provided", [f"no {kind} connection {connection_id}"])
        return connection_id
    if len(rows) != 1:
        have = ", ".join(f"{r.id} ({r.name})" for r in rows) or "none"
        raise Refusal(
            400,
            "Invalid Input Provided",
            [f"{kind}_connection_id: name one of the {kind} connections (have: {have})"],
        )
    only: int = rows[0].id
    return only


def stored(rule: Rule) -> dict[str, Any]:
    definition = rule.model_dump(mode="json", by_alias=True, exclude_unset=True)
    for key in READ_ONLY:
        definition.pop(key, None)
    return definition


async def next_position(session: AsyncSession, kind: str) -> int:
    last = await session.scalar(select(func.max(RuleRow.position)).where(RuleRow.kind == kind))
    return (last if last is not None else -1) + 1


async def create_pagerduty_rule(
    db: Database, rule: Rule, pagerduty_id: int | None, jira_id: int | None
) -> RuleRow:
    async with db.sessions() as session, session.begin():
        row = RuleRow(
            kind=PAGERDUTY,
            name=rule.name,
            enabled=rule.enabled,
            position=await next_position(session, PAGERDUTY),
            connection_id=await scope(session, "pagerduty", pagerduty_id),
            jira_connection_id=await scope(session, "jira", jira_id),
            definition=stored(rule),
        )
        session.add(row)
    return row


async def replace_pagerduty_rule(
    db: Database, rule_id: str, rule: Rule, pagerduty_id: int | None, jira_id: int | None
) -> RuleRow:
    """Replace a rule (its connections change only when named)."""
    async with db.sessions() as session, session.begin():
        row = await pagerduty_rule_row(session, rule_id)
        if pagerduty_id is not None:
            row.connection_id = await scope(session, "pagerduty", pagerduty_id)
        if jira_id is not None:
            row.jira_connection_id = await scope(session, "jira", jira_id)
        row.name, row.enabled = rule.name, rule.enabled
        row.definition = stored(rule)
    return row


async def pagerduty_rule_row(session: AsyncSession, rule_id: str) -> RuleRow:
    row = await session.get(RuleRow, int(rule_id)) if _is_id(rule_id) else None
    if row is None or row.kind != PAGERDUTY:
        raise Refusal(404, "Record not found")
    found: RuleRow = row
    return found


def _is_id(value: str) -> bool:
    return value.isdigit() and len(value) < 10
