"""`matches(query, issue_json, context)` and `needs_remote(query, available_fields)`."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from jirasync.jql import ast
from jirasync.jql.compiler import Predicate, compile_query
from jirasync.jql.context import DEFAULT_CONTEXT, EvalContext
from jirasync.jql.dates import is_boundary_function
from jirasync.jql.errors import JqlNeedsRemote
from jirasync.jql.fields import Issue
from jirasync.jql.operands import LOCAL_FUNCTIONS
from jirasync.jql.parser import parse
from jirasync.jql.resolve import resolve_field

_CACHE_SIZE = 256


@lru_cache(maxsize=_CACHE_SIZE)
def _parse_cached(text: str) -> ast.Query:
    # Queries are immutable, and rules / webhook filters repeat the same text.
    return parse(text)


_FRESH_FOR = timedelta(seconds=1)


@dataclass(frozen=True, slots=True)
class _Compiled:
    context: EvalContext
    predicate: Predicate
    compiled_at: datetime


_compiled: dict[tuple[ast.Query, int], _Compiled] = {}


def compile_matcher(query: ast.Query | str, context: EvalContext | None = None) -> Predicate:
    """The query as a predicate over issue JSON, with functions and dates resolved now.

    Keep the predicate for a batch of issues; `matches` does that for you and recompiles
    once the context's clock has moved on by a second, so `-1d` and `now()` stay current.
    """
    parsed = _parse_cached(query) if isinstance(query, str) else query
    ctx = context or DEFAULT_CONTEXT
    return compile_query(parsed, ctx)


def _current_matcher(query: ast.Query | str, ctx: EvalContext) -> Predicate:
    parsed = _parse_cached(query) if isinstance(query, str) else query
    cache_key = (parsed, id(ctx))
    now = ctx.now()
    cached = _compiled.get(cache_key)
    if cached is not None and cached.context is ctx and now - cached.compiled_at < _FRESH_FOR:
        return cached.predicate
    predicate = compile_query(parsed, ctx)
    if len(_compiled) >= _CACHE_SIZE:
        _compiled.clear()
    _compiled[cache_key] = _Compiled(ctx, predicate, now)
    return predicate


def matches(query: ast.Query | str, issue: Issue, context: EvalContext | None = None) -> bool:
    """True when the issue satisfies the query's WHERE part (ORDER BY is ignored).

    Raises JqlError for invalid queries and JqlNeedsRemote when only Jira can decide.
    Compiled queries are cached per context and refreshed when its clock moves on.
    """
    return _current_matcher(query, context or DEFAULT_CONTEXT)(issue)


def needs_remote(
    query: ast.Query, available_fields: Collection[str], context: EvalContext | None = None
) -> bool:
    """True when the query cannot be decided from a payload holding `available_fields`.

    History operators (unless `"changelog"` is available), properties, functions that
    read Jira's data, unknown functions and fields, and fields whose JSON keys are not in
    `available_fields` all need Jira.
    """
    ctx = context or EvalContext(strict=False)
    available = set(available_fields)
    for clause in _terminals(query.where):
        if clause.operator.is_history and "changelog" not in available:
            return True
        if clause.field.properties:
            return True
        if any(_remote_function(f) for f in _functions(clause)):
            return True
        try:
            spec = resolve_field(clause.field, ctx)
        except (JqlNeedsRemote, ValueError):
            return True
        if not set(spec.json_keys) <= available:
            return True
    return False


def _terminals(clause: ast.Clause | None) -> Iterator[ast.Terminal]:
    if clause is None:
        return
    if isinstance(clause, ast.Terminal):
        yield clause
    elif isinstance(clause, ast.Not):
        yield from _terminals(clause.clause)
    else:
        for child in clause.clauses:
            yield from _terminals(child)


def _functions(clause: ast.Terminal) -> Iterator[ast.Function]:
    operands: list[Any] = [clause.operand, *(p.operand for p in clause.predicates)]
    while operands:
        operand = operands.pop()
        if isinstance(operand, ast.Function):
            yield operand
        elif isinstance(operand, ast.ValueList):
            operands.extend(operand.items)


def _remote_function(function: ast.Function) -> bool:
    name = function.name.lower()
    return not (name in LOCAL_FUNCTIONS or is_boundary_function(name))
