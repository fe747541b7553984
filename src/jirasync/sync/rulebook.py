"""Rules as stored (one row per rule, between one source connection and one Jira instance),
read back as the domain's rule objects. A stored rule that no longer validates is skipped with
its reason rather than stopping every event.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from pydantic import ValidationError
from sqlalchemy import Connection, Select, Table, bindparam, select

from jirasync.core.rules.hackerone import Escalation
from jirasync.core.rules.pagerduty import Rule
from jirasync.log import get_logger
from jirasync.store.db import Database
from jirasync.store.models import Rule as RuleRow

log = get_logger(__name__)

T = TypeVar("T")
PAGERDUTY = "pagerduty"
HACKERONE = "hackerone"
rules = cast(Table, RuleRow.__table__)


def _heads(by_connection: bool, by_jira: bool) -> Select[Any]:
    """Which rules there are and when each last changed: all a lookup reads when none did."""
    query = (
        select(rules.c.id, rules.c.updated_at)
        .where(rules.c.kind == bindparam("kind"))
        .order_by(rules.c.position, rules.c.id)
    )
    if by_connection:
        query = query.where(rules.c.connection_id == bindparam("connection_id"))
    if by_jira:
        query = query.where(rules.c.jira_connection_id == bindparam("jira_connection_id"))
    return query


# Built once, one per combination of filters: a lookup runs for every event.
_HEADS = {(c, j): _heads(c, j) for c in (False, True) for j in (False, True)}


@dataclass(frozen=True)
class PagerDutyRule:
    id: int
    rule: Rule
    pagerduty_connection_id: int
    jira_connection_id: int


@dataclass(frozen=True)
class HackerOneEscalation:
    id: int
    escalation: Escalation
    hackerone_connection_id: int
    jira_connection_id: int


class RuleBook:
    """The stored rules, read on every lookup (an edit applies to the next event) but validated
    again only when a row changed: validation is most of a lookup's cost."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._parsed: dict[int, tuple[datetime, object]] = {}

    async def pagerduty(
        self, *, pagerduty_connection_id: int | None = None, jira_connection_id: int | None = None
    ) -> list[PagerDutyRule]:
        return await self._lookup(
            PAGERDUTY, pagerduty_connection_id, jira_connection_id, _pagerduty_rule
        )

    async def hackerone(
        self, *, hackerone_connection_id: int | None = None, jira_connection_id: int | None = None
    ) -> list[HackerOneEscalation]:
        return await self._lookup(
            HACKERONE, hackerone_connection_id, jira_connection_id, _escalation
        )

    async def _lookup(
        self,
        kind: str,
        connection_id: int | None,
        jira_connection_id: int | None,
        parse: Callable[[Any], T],
    ) -> list[T]:
        heads, changed = await self._read(kind, connection_id, jira_connection_id)
        found: list[T] = []
        for head in heads:
            known = self._known(head.id, head.updated_at)
            row = changed.get(head.id)  # None: unchanged, or deleted between the two reads
            if known is None and row is not None:
                known = self._parse(row, parse)
            if known is not None:
                found.append(cast(T, known))
        return found

    async def _read(
        self, kind: str, connection_id: int | None, jira_connection_id: int | None
    ) -> tuple[Sequence[Any], dict[int, Any]]:
        """The wanted rules' ids and update times, and the whole rows of those not parsed yet
        or changed since (usually none: one light query)."""
        params: dict[str, Any] = {"kind": kind}
        if connection_id is not None:
            params["connection_id"] = connection_id
        if jira_connection_id is not None:
            params["jira_connection_id"] = jira_connection_id
        statement = _HEADS[(connection_id is not None, jira_connection_id is not None)]

        def read(conn: Connection) -> tuple[Sequence[Any], dict[int, Any]]:
            heads = conn.execute(statement, params).all()
            stale = [h.id for h in heads if self._known(h.id, h.updated_at) is None]
            if not stale:
                return heads, {}
            rows = conn.execute(select(rules).where(rules.c.id.in_(stale)))
            return heads, {row.id: row for row in rows}

        return await self._db.query(read)

    def _known(self, rule_id: int, updated_at: datetime) -> object | None:
        known = self._parsed.get(rule_id)
        return known[1] if known is not None and known[0] == updated_at else None

    def _parse(self, row: Any, parse: Callable[[Any], T]) -> T | None:
        try:
            parsed = parse(row)
        except ValidationError as exc:
            log.warning("rule.invalid", rule_id=row.id, name=row.name, errors=exc.error_count())
            return None
        self._parsed[row.id] = (row.updated_at, parsed)
        return parsed


def _pagerduty_rule(row: Any) -> PagerDutyRule:
    definition = {**row.definition, "name": row.name, "enabled": row.enabled}
    return PagerDutyRule(
        row.id, Rule.model_validate(definition), row.connection_id, row.jira_connection_id
    )


def _escalation(row: Any) -> HackerOneEscalation:
    definition = {**row.definition, "name": row.name, "enabled": row.enabled}
    return HackerOneEscalation(
        row.id, Escalation.model_validate(definition), row.connection_id, row.jira_connection_id
    )
