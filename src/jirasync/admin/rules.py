"""PagerDuty rules and HackerOne escalations as stored rows: which connections a rule joins,
creating and replacing rules (new ones are evaluated after the existing ones), and moving
them in the evaluation order."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jirasync.admin.errors import Refusal
from jirasync.core.actions import Plan
from jirasync.core.planner import hackerone as h1_planner
from jirasync.core.report_variables import TemplateError, report_variables
from jirasync.core.rules.hackerone import Escalation, validate_against_createmeta
from jirasync.core.rules.pagerduty import Rule
from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.escalation_check import SAMPLE_REPORT
from jirasync.sync.runtime import SyncRuntime

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


async def move_pagerduty_rule(db: Database, rule_id: str, step: int) -> RuleRow:
    """Move a rule `step` places earlier (negative) or later in the evaluation order; the
    rules are renumbered 0, 1, 2… so that equal positions cannot hide the move."""
    async with db.sessions() as session, session.begin():
        row = await pagerduty_rule_row(session, rule_id)
        ordered = list(
            (
                await session.scalars(
                    select(RuleRow)
                    .where(RuleRow.kind == PAGERDUTY)
                    .order_by(RuleRow.position, RuleRow.id)
                )
            ).all()
        )
        index = ordered.index(row)
        ordered.remove(row)
        ordered.insert(min(max(index + step, 0), len(ordered)), row)
        for position, each in enumerate(ordered):
            each.position = position
    return row


def _is_id(value: str) -> bool:
    return value.isdigit() and len(value) < 10


# -- HackerOne escalations -------------------------------------------------------------------
HACKERONE = "hackerone"


async def check_escalation(runtime: SyncRuntime, jira_id: int, escalation: Escalation) -> None:
    """Against Jira's create screen of its project and issue type: required fields mapped,
    values that fit (an enabled escalation only)."""
    if not escalation.enabled:
        return
    jira = await runtime.pool.jira(jira_id)
    fields = await jira.metadata.create_fields(escalation.project_key, escalation.issue_type_id)
    sample = report_variables(SAMPLE_REPORT, "https://hackerone.com")
    problems = validate_against_createmeta(escalation, fields, sample)
    if problems:
        raise Refusal(400, "Invalid Input Provided", [f"escalation.fields: {p}" for p in problems])


async def save_escalation(
    runtime: SyncRuntime,
    escalation: Escalation,
    hackerone_id: int | None,
    jira_id: int | None,
    escalation_id: int | None = None,
    check: bool = True,
) -> RuleRow:
    """Create an escalation, or replace `escalation_id` (its connections change when named)."""
    db = runtime.db
    async with db.sessions() as session:
        row = await escalation_row(session, escalation_id) if escalation_id is not None else None
        h1 = row.connection_id if row and hackerone_id is None else None
        jira = row.jira_connection_id if row and jira_id is None else None
        h1 = h1 if h1 is not None else await scope(session, "hackerone", hackerone_id)
        jira = jira if jira is not None else await scope(session, "jira", jira_id)
    if check:
        await check_escalation(runtime, jira, escalation)
    async with db.sessions() as session, session.begin():
        if escalation_id is None:
            row = RuleRow(kind=HACKERONE, position=await next_position(session, HACKERONE))
            session.add(row)
        else:
            row = await escalation_row(session, escalation_id)
        row.connection_id, row.jira_connection_id = h1, jira
        row.name, row.enabled = escalation.name, escalation.enabled
        row.definition = escalation.model_dump(mode="json")
    return row


async def escalation_row(session: AsyncSession, escalation_id: int) -> RuleRow:
    row = await session.get(RuleRow, escalation_id) if escalation_id < 2**31 else None
    if row is None or row.kind != HACKERONE:
        raise Refusal(404, f"no escalation {escalation_id}")
    found: RuleRow = row
    return found


def stored_escalation(row: RuleRow) -> Escalation:
    return Escalation.model_validate({**row.definition, "name": row.name, "enabled": row.enabled})


async def preview_escalation(
    runtime: SyncRuntime, escalation: Escalation, hackerone_id: int, report_id: str
) -> Plan:
    """What escalating this real report would create (nothing is written)."""
    hackerone = await runtime.pool.hackerone(hackerone_id)
    report = await hackerone.client.report(report_id)
    context = h1_planner.Context(web_base=hackerone.web_base)
    try:
        return h1_planner.plan_escalation(report, escalation, context)
    except TemplateError as exc:
        raise Refusal(400, "Invalid Input Provided", [f"escalation.fields: {exc}"]) from None
