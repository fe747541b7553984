"""`GET /v1/reports` query: the `filter[...]` parameters, `sort`, and `page[...]`.

Both array spellings are accepted: `filter[state][]=new` (most clients) and
`filter[state][0]=new` (the Ruby gem). Unknown filters are a 400 naming the parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jirasync.sim.hackerone.errors import invalid
from jirasync.sim.hackerone.model import Report
from jirasync.sim.hackerone.state import State

Predicate = Callable[[Report], bool]
_FILTER = re.compile(r"^filter\[([a-z_]+)\](\[\d*\])?$")
DATE_FIELDS = (
    "created_at",
    "submitted_at",
    "triaged_at",
    "closed_at",
    "disclosed_at",
    "bounty_awarded_at",
    "swag_awarded_at",
    "last_reporter_activity_at",
    "first_program_activity_at",
    "last_program_activity_at",
    "last_activity_at",
    "last_public_activity_at",
)
SORTABLE = frozenset({"id", *DATE_FIELDS})


@dataclass
class ReportQuery:
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str | None = None
    page: int = 1
    size: int = 25


def parse_query(params: list[tuple[str, str]]) -> ReportQuery:
    query = ReportQuery()
    for key, value in params:
        match = _FILTER.match(key)
        if match:
            query.filters.setdefault(match.group(1), []).append(value)
        elif key == "sort":
            query.sort = value
        elif key in ("page[number]", "page[size]"):
            number = int(value) if value.isdigit() else 0
            if key == "page[number]":
                query.page = number if number >= 1 else _bad(key)
            else:
                query.size = number if 1 <= number <= 100 else _bad(key)
        else:
            raise invalid(key)
    return query


def _bad(key: str) -> int:
    raise invalid(key)


def parse_timestamp(value: str, parameter: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError as exc:
        raise invalid(parameter) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def predicates(state: State, filters: dict[str, list[str]]) -> list[Predicate]:
    preds: list[Predicate] = []
    for name, values in filters.items():
        preds.append(_predicate(state, name, values))
    return preds


def _predicate(state: State, name: str, values: list[str]) -> Predicate:
    parameter = f"filter[{name}]"
    value = values[-1]
    simple: dict[str, Callable[[Report], object]] = {
        "program": lambda r: state.programs[r.program_id].handle,
        "inbox_ids": lambda r: str(r.program_id),
        "state": lambda r: r.state,
        "id": lambda r: str(r.id),
        "reporter": lambda r: state.users[r.reporter_id].username,
        "severity": lambda r: state.severities[r.severity_id].rating if r.severity_id else None,
        "weakness_id": lambda r: str(r.weakness_id),
    }
    if name in simple:
        wanted, get = set(values), simple[name]
        return lambda r: get(r) in wanted
    if name == "assignee":
        return lambda r: _assignee_name(state, r) in set(values)
    if name == "keyword":
        needle = value.lower()
        return lambda r: needle in r.title.lower() or needle in r.vulnerability_information.lower()
    if name == "issue_tracker_reference_id":
        return lambda r: r.reference_id == value
    if name == "custom_fields":
        return lambda r: True  # the simulator keeps no custom fields; nothing to narrow
    base, _, op = name.rpartition("__")
    if op == "null" and (base in DATE_FIELDS or base == "issue_tracker_reference_id"):
        want_null = _boolean(value, parameter)
        return lambda r: (_field(r, base) is None) == want_null
    if op in ("gt", "lt") and base in DATE_FIELDS:
        bound = parse_timestamp(value, parameter)
        if op == "gt":
            return lambda r: (d := r.dates.get(base)) is not None and d > bound
        return lambda r: (d := r.dates.get(base)) is not None and d < bound
    raise invalid(parameter)


def _field(report: Report, name: str) -> object:
    if name == "issue_tracker_reference_id":
        return report.reference_id
    return report.dates.get(name)


def _assignee_name(state: State, report: Report) -> str | None:
    if report.assignee is None:
        return None
    kind, ident = report.assignee
    if kind == "user":
        return state.users[ident].username
    found = state.group(ident)
    return found[1].name if found else None


def _boolean(value: str, parameter: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise invalid(parameter)


def sort_key(sort: str | None) -> tuple[Callable[[Report], tuple[float, int]], bool]:
    """`sort=reports.created_at` or `-reports.created_at` (descending); default by id."""
    if not sort:
        return (lambda r: (0.0, r.id)), False
    descending = sort.startswith("-")
    name = sort.lstrip("-").removeprefix("reports.")
    if name not in SORTABLE:
        raise invalid("sort")
    if name == "id":
        return (lambda r: (0.0, r.id)), descending

    def key(report: Report) -> tuple[float, int]:
        moment = report.dates.get(name)
        return (moment.timestamp() if moment else float("-inf"), report.id)

    return key, descending
