"""The bridge to `jirasync.jql` for search and webhook filters: parse, validate values against
the simulator's catalogues (Jira's "The value 'X' does not exist for the field 'y'."),
evaluate over issue JSON and sort by ORDER BY (default: newest issue first)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jirasync import jql
from jirasync.jql import ast
from jirasync.jql.resolve import resolve_field
from jirasync.sim.jira.errors import JiraError
from jirasync.sim.jira.model import State

# Fields whose values Jira validates against its catalogues, with the names it accepts.
CATALOGUE_FIELDS: dict[str, Callable[[State], set[str]]] = {
    "project": lambda s: (
        {p.key.lower() for p in s.projects.values()}
        | {p.name.lower() for p in s.projects.values()}
        | {p.id for p in s.projects.values()}
    ),
    "status": lambda s: {x.name.lower() for x in s.statuses.values()} | set(s.statuses),
    "priority": lambda s: {x.name.lower() for x in s.priorities.values()} | set(s.priorities),
    "issuetype": lambda s: {x.name.lower() for x in s.issue_types.values()} | set(s.issue_types),
    "type": lambda s: {x.name.lower() for x in s.issue_types.values()} | set(s.issue_types),
    "resolution": lambda s: (
        {x.name.lower() for x in s.resolutions.values()} | set(s.resolutions) | {"unresolved"}
    ),
    "assignee": lambda s: _user_names(s),
    "reporter": lambda s: _user_names(s),
}


def _user_names(state: State) -> set[str]:
    names: set[str] = set()
    for user in state.users.values():
        names.update({user.name.lower(), user.key.lower(), user.email.lower()})
    return names


class QueryError(JiraError):
    """A JQL error; `validation` is True for unknown values (a warning with validateQuery=false)."""

    def __init__(self, message: str, validation: bool) -> None:
        super().__init__(400, [message])
        self.validation = validation


@dataclass(frozen=True)
class Search:
    """A parsed query, ready to run. `fields` are the issue fields it reads (None: any), so
    search renders only those for matching; `history` says whether it needs the changelog."""

    query: ast.Query
    warnings: tuple[str, ...]
    matcher: Callable[[dict[str, Any]], bool] | None
    fields: frozenset[str] | None = None
    history: bool = False


@lru_cache(maxsize=512)
def parse(text: str) -> ast.Query:
    try:
        return jql.parse(text)
    except jql.JqlError as exc:
        raise QueryError(str(exc), validation=False) from None


def context(state: State, fields: list[dict[str, Any]], user: str | None) -> jql.EvalContext:
    users = [
        jql.UserInfo(u.name, u.key, u.email, u.display_name, tuple(sorted(u.groups)))
        for u in state.users.values()
    ]
    groups = {g: [u.name for u in state.users.values() if g in u.groups] for g in state.groups}
    return jql.EvalContext(
        current_user=user,
        fields=[jql.FieldInfo.from_json(f) for f in fields],
        users=users,
        groups=groups,
        priorities=[p.name for p in state.priorities.values()],
        strict=True,
    )


def prepare(state: State, text: str, ctx: jql.EvalContext, validate: bool) -> Search:
    """Parse and check `text`; with `validate` False unknown values become warnings."""
    query = parse(text)
    problems = list(unknown_values(state, query))
    if problems and validate:
        raise QueryError(problems[0], validation=True)
    fields, history = _needs(query, ctx)
    if query.where is None:
        return Search(query, tuple(problems), None, fields, history)
    try:
        matcher = jql.compile_matcher(query, ctx)
    except jql.JqlError as exc:
        raise QueryError(str(exc), validation=exc.line is None) from None
    return Search(query, tuple(problems), matcher, fields, history)


def _needs(query: ast.Query, ctx: jql.EvalContext) -> tuple[frozenset[str] | None, bool]:
    """The `fields` keys the query reads, and whether it reads history."""
    keys: set[str] = set()
    history = False
    field_refs = [t.field for t in _terminals(query.where)] + [s.field for s in query.order_by]
    for terminal in _terminals(query.where):
        history = history or terminal.operator.is_history
    for ref in field_refs:
        if ref.properties:
            return None, history
        try:
            spec = resolve_field(ref, ctx)
        except (jql.JqlError, ValueError):
            return None, history  # let the matcher raise Jira's error over the full issue
        keys.update(spec.json_keys)
    return frozenset(keys), history


def unknown_values(state: State, query: ast.Query) -> Iterator[str]:
    for terminal in _terminals(query.where):
        name = terminal.field.name.lower()
        known = CATALOGUE_FIELDS.get(name)
        if known is None or terminal.field.custom_id is not None:
            continue
        values = known(state)
        for text in _texts(terminal.operand):
            if text.lower() not in values:
                yield f"The value '{text}' does not exist for the field '{terminal.field.name}'."


def _terminals(clause: Any) -> Iterator[ast.Terminal]:
    if clause is None:
        return
    if isinstance(clause, ast.Terminal):
        yield clause
    elif isinstance(clause, ast.Not):
        yield from _terminals(clause.clause)
    else:
        for child in clause.clauses:
            yield from _terminals(child)


def _texts(operand: Any) -> Iterator[str]:
    if isinstance(operand, ast.Text):
        yield operand.value
    elif isinstance(operand, ast.Number):
        yield str(operand.value)
    elif isinstance(operand, ast.ValueList):
        for item in operand.items:
            yield from _texts(item)


def run(search: Search, issue_json: dict[str, Any]) -> bool:
    if search.matcher is None:
        return True
    try:
        return bool(search.matcher(issue_json))
    except jql.JqlError as exc:
        raise QueryError(str(exc), validation=exc.line is None) from None


def order(
    search: Search, issues: list[dict[str, Any]], ctx: jql.EvalContext
) -> list[dict[str, Any]]:
    """ORDER BY order; without one Jira lists the newest issues first."""
    if not search.query.order_by:
        return sorted(issues, key=lambda i: int(i["id"]), reverse=True)
    try:
        key = jql.sort_key(search.query.order_by, ctx)
    except jql.JqlError as exc:
        raise QueryError(str(exc), validation=False) from None
    return sorted(issues, key=key)


def check_filter(text: str) -> None:
    """Webhook registration rejects a filter that does not parse."""
    if text.strip():
        parse(text)
