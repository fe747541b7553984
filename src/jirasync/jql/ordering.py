"""ORDER BY as a Python sort key over issue JSON (`sorted(issues, key=sort_key(q.order_by))`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import total_ordering
from typing import Any

from jirasync.jql import ast
from jirasync.jql.context import DEFAULT_CONTEXT, EvalContext
from jirasync.jql.fields import FieldSpec, Issue
from jirasync.jql.resolve import resolve_field
from jirasync.jql.values import raw_rank


@total_ordering
class _Reversed:
    """Inverts the order of the value it wraps, for DESC inside a tuple key."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and self.value == other.value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __hash__(self) -> int:
        return hash(self.value)


def sort_key(
    order_by: Sequence[ast.SortField], context: EvalContext | None = None
) -> Callable[[Issue], tuple[Any, ...]]:
    """A key function; EMPTY values sort after all others ascending (first descending)."""
    ctx = context or DEFAULT_CONTEXT
    parts = [(resolve_field(s.field, ctx), s.direction is ast.Direction.DESC) for s in order_by]

    def key(issue: Issue) -> tuple[Any, ...]:
        out: list[Any] = []
        for spec, descending in parts:
            part = _field_key(spec, issue, ctx)
            out.append(_Reversed(part) if descending else part)
        return tuple(out)

    return key


def _field_key(spec: FieldSpec, issue: Issue, context: EvalContext) -> tuple[Any, ...]:
    ranks = [raw_rank(spec.kind, raw, context) for raw in spec.read(issue)]
    present = [r for r in ranks if r is not None]
    if not present:
        return (1,)
    # The type name keeps odd payloads (a number where a string was expected) sortable.
    first = min(present, key=lambda r: (type(r).__name__, r))
    return (0, type(first).__name__, first)
