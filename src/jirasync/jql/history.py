"""WAS / CHANGED over `changelog.histories` (`GET issue?expand=changelog`).

Without a changelog in the issue JSON only Jira can answer, so evaluation raises
JqlNeedsRemote. With one, the field's past values are rebuilt as periods:
value₀ from creation until the first change, then each change's `to` until the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from jirasync.jql import ast
from jirasync.jql.context import EvalContext
from jirasync.jql.dates import parse_issue_datetime
from jirasync.jql.errors import JqlError, JqlNeedsRemote
from jirasync.jql.fields import FieldSpec, Issue, Kind, as_list, as_mapping
from jirasync.jql.operands import EMPTY, Atom, resolve
from jirasync.jql.values import atom_keys, atom_rank, raw_keys

_FAR_PAST = datetime.min.replace(tzinfo=UTC)
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
_Keys = frozenset[str]
_Check = Callable[[Issue], bool]


@dataclass(frozen=True, slots=True)
class Change:
    """One changelog item for our field, with its history's author and time."""

    at: datetime
    author: _Keys
    before: _Keys  # empty set = the field was EMPTY
    after: _Keys


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime
    value: _Keys
    set_by: _Keys  # who made the change that started this period (nobody for the first)


@dataclass(frozen=True, slots=True)
class _Window:
    """The time and actor restrictions of the history predicates, resolved once."""

    spans: tuple[tuple[datetime, datetime], ...] = ()
    by: _Keys | None = None
    before: datetime | None = None
    after: datetime | None = None


def compile_history(clause: ast.Terminal, spec: FieldSpec, context: EvalContext) -> _Check:
    if not spec.history_name:
        raise JqlError(f"History searches do not support the '{spec.clause_name}' field.")
    window = _window(clause, context)
    if clause.operator is ast.Operator.CHANGED:
        return _changed(clause, spec, context, window)
    return _was(clause, spec, context, window)


def _was(clause: ast.Terminal, spec: FieldSpec, context: EvalContext, window: _Window) -> _Check:
    assert clause.operand is not None
    atoms = resolve(clause.operand, context)
    wants_empty = EMPTY in atoms
    wanted: _Keys = frozenset().union(*(atom_keys(a) for a in atoms if a is not EMPTY))
    negative = clause.operator in (ast.Operator.WAS_NOT, ast.Operator.WAS_NOT_IN)

    def held(period: Period) -> bool:
        return (not period.value and wants_empty) or bool(period.value & wanted)

    def check(issue: Issue) -> bool:
        periods = [p for p in _periods(issue, spec, context) if _in_window(p, window)]
        found = any(held(p) for p in periods)
        return not found if negative else found

    return check


def _changed(
    clause: ast.Terminal, spec: FieldSpec, context: EvalContext, window: _Window
) -> _Check:
    from_keys = _predicate_keys(clause, ast.PredicateKind.FROM, context)
    to_keys = _predicate_keys(clause, ast.PredicateKind.TO, context)

    def fits(change: Change) -> bool:
        if window.by is not None and not change.author & window.by:
            return False
        if not _moment_fits(change.at, window):
            return False
        return _value_fits(change.before, from_keys) and _value_fits(change.after, to_keys)

    def check(issue: Issue) -> bool:
        return any(fits(c) for c in _changes(issue, spec, context))

    return check


def _value_fits(value: _Keys, wanted: tuple[bool, _Keys] | None) -> bool:
    if wanted is None:
        return True
    wants_empty, keys = wanted
    return (not value and wants_empty) or bool(value & keys)


def _predicate_keys(
    clause: ast.Terminal, kind: ast.PredicateKind, context: EvalContext
) -> tuple[bool, _Keys] | None:
    operands = [p.operand for p in clause.predicates if p.kind is kind]
    if not operands:
        return None
    atoms = [a for o in operands for a in resolve(o, context)]
    keys: _Keys = frozenset().union(*(atom_keys(a) for a in atoms if a is not EMPTY))
    return EMPTY in atoms, keys


# ---- predicates → window ------------------------------------------------------------------


def _window(clause: ast.Terminal, context: EvalContext) -> _Window:
    spans: list[tuple[datetime, datetime]] = []
    by: _Keys | None = None
    before = after = None
    for predicate in clause.predicates:
        atoms = resolve(predicate.operand, context)
        kind = predicate.kind
        if kind is ast.PredicateKind.BY:
            by = frozenset().union(*(atom_keys(a) for a in atoms if a is not EMPTY))
        elif kind is ast.PredicateKind.BEFORE:
            before = _moment(atoms, context)
        elif kind is ast.PredicateKind.AFTER:
            after = _moment(atoms, context)
        elif kind is ast.PredicateKind.ON:
            spans.append(_whole_day(_moment(atoms, context)))
        elif kind is ast.PredicateKind.DURING:
            spans.append(_during(atoms, context))
    return _Window(tuple(spans), by, before, after)


def _whole_day(moment: datetime) -> tuple[datetime, datetime]:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        return day, day + timedelta(days=1)
    except OverflowError:  # ON 9999-12-31
        return day, _FAR_FUTURE


def _moment(atoms: list[Atom], context: EvalContext) -> datetime:
    if len(atoms) != 1 or atoms[0] is EMPTY:
        raise JqlError("A history predicate date must be a single date value.")
    moment: datetime = atom_rank(Kind.DATE, atoms[0], context)
    return moment


def _during(atoms: list[Atom], context: EvalContext) -> tuple[datetime, datetime]:
    if len(atoms) != 2:
        raise JqlError("DURING expects two dates: DURING (start, end).")
    return _moment(atoms[:1], context), _moment(atoms[1:], context)


def _in_window(period: Period, window: _Window) -> bool:
    if window.by is not None and not period.set_by & window.by:
        return False
    if window.before is not None and not period.start < window.before:
        return False
    if window.after is not None and not period.end > window.after:
        return False
    return all(period.start < end and period.end >= start for start, end in window.spans)


def _moment_fits(moment: datetime, window: _Window) -> bool:
    if window.before is not None and not moment < window.before:
        return False
    if window.after is not None and not moment > window.after:
        return False
    return all(start <= moment <= end for start, end in window.spans)


# ---- changelog → changes → periods ----------------------------------------------------------


def _histories(issue: Issue) -> list[Mapping[str, Any]]:
    changelog = issue.get("changelog")
    histories = changelog.get("histories") if isinstance(changelog, Mapping) else None
    if not isinstance(histories, list):
        raise JqlNeedsRemote(
            "History operators (WAS, CHANGED) need the issue's changelog; ask Jira."
        )
    return histories


def _changes(issue: Issue, spec: FieldSpec, context: EvalContext) -> Iterator[Change]:
    wanted = _changelog_names(spec, context)
    for history in map(as_mapping, _histories(issue)):
        at = parse_issue_datetime(str(history.get("created", "")), context.time_zone)
        author = frozenset(raw_keys(Kind.USER, as_mapping(history.get("author"))))
        for item in map(as_mapping, as_list(history.get("items"))):
            name = str(item.get("fieldId") or item.get("field") or "").lower()
            if name in wanted and at is not None:
                before = _item_keys(item, "from", "fromString")
                after = _item_keys(item, "to", "toString")
                yield Change(at, author, before, after)


def _changelog_names(spec: FieldSpec, context: EvalContext) -> set[str]:
    # Server changelogs name fields in the UI language ("Статус"); the catalogue knows them.
    names = {spec.history_name.lower(), *(k.lower() for k in spec.json_keys)}
    for info in context.fields:
        if info.id.lower() in names:
            names.add(info.name.lower())
    return names


def _item_keys(item: Mapping[str, Any], raw: str, text: str) -> _Keys:
    values = [item.get(raw), item.get(text)]
    return frozenset(str(v).lower() for v in values if v not in (None, ""))


def _periods(issue: Issue, spec: FieldSpec, context: EvalContext) -> list[Period]:
    changes = sorted(_changes(issue, spec, context), key=lambda c: c.at)
    created = _created(issue, context)
    if not changes:
        current = frozenset(k for raw in spec.read(issue) for k in raw_keys(spec.kind, raw))
        return [Period(created, _FAR_FUTURE, current, frozenset())]
    periods = [Period(created, changes[0].at, changes[0].before, frozenset())]
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        end = following.at if following is not None else _FAR_FUTURE
        periods.append(Period(change.at, end, change.after, change.author))
    return periods


def _created(issue: Issue, context: EvalContext) -> datetime:
    created_text = str(as_mapping(issue.get("fields")).get("created", ""))
    created = parse_issue_datetime(created_text, context.time_zone)
    return created or _FAR_PAST
