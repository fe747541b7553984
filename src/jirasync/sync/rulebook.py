"""Rules as stored (one row per rule, between one source connection and one Jira instance),
read back as the domain's rule objects. A stored rule that no longer validates is skipped with
its reason rather than stopping every event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar, cast

from pydantic import ValidationError
from sqlalchemy import select

from jirasync.core.rules.hackerone import Escalation
from jirasync.core.rules.pagerduty import Rule
from jirasync.log import get_logger
from jirasync.store.db import Database
from jirasync.store.models import Rule as RuleRow

log = get_logger(__name__)

T = TypeVar("T")
PAGERDUTY = "pagerduty"
HACKERONE = "hackerone"


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
        rows = await self._rows(PAGERDUTY, pagerduty_connection_id, jira_connection_id)
        return list(self._parsed_rows(rows, _pagerduty_rule))

    async def hackerone(
        self, *, hackerone_connection_id: int | None = None, jira_connection_id: int | None = None
    ) -> list[HackerOneEscalation]:
        rows = await self._rows(HACKERONE, hackerone_connection_id, jira_connection_id)
        return list(self._parsed_rows(rows, _escalation))

    async def _rows(
        self, kind: str, connection_id: int | None, jira_connection_id: int | None
    ) -> list[RuleRow]:
        query = select(RuleRow).where(RuleRow.kind == kind).order_by(RuleRow.position, RuleRow.id)
        if connection_id is not None:
            query = query.where(RuleRow.connection_id == connection_id)
        if jira_connection_id is not None:
            query = query.where(RuleRow.jira_connection_id == jira_connection_id)
        async with self._db.sessions() as session:
            return list((await session.scalars(query)).all())

    def _parsed_rows(self, rows: Iterable[RuleRow], parse: Callable[[RuleRow], T]) -> Iterator[T]:
        for row in rows:
            known = self._parsed.get(row.id)
            if known is None or known[0] != row.updated_at:
                try:
                    known = (row.updated_at, parse(row))
                except ValidationError as exc:
                    log.warning(
                        "rule.invalid", rule_id=row.id, name=row.name, errors=exc.error_count()
                    )
                    continue
                self._parsed[row.id] = known
            yield cast(T, known[1])


def _pagerduty_rule(row: RuleRow) -> PagerDutyRule:
    definition = {**row.definition, "name": row.name, "enabled": row.enabled}
    return PagerDutyRule(
        row.id, Rule.model_validate(definition), row.connection_id, row.jira_connection_id
    )


def _escalation(row: RuleRow) -> HackerOneEscalation:
    definition = {**row.definition, "name": row.name, "enabled": row.enabled}
    return HackerOneEscalation(
        row.id, Escalation.model_validate(definition), row.connection_id, row.jira_connection_id
    )
