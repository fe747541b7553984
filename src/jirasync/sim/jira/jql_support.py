"""The bridge to `jirasync.jql`: parse once, evaluate against issue JSON, sort.

Kept in one place so search and webhook filters use the same context (current user, now,
field catalogue, users, groups).
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jirasync.sim.jira.errors import JiraError
from jirasync.sim.jira.model import State

try:  # the JQL package lands on its own branch; without it only the empty query works
    import importlib

    _jql: Any = importlib.import_module("jirasync.jql")
except ImportError:  # pragma: no cover - only before the jql branch is merged
    _jql = None


def available() -> bool:
    return _jql is not None


@lru_cache(maxsize=512)
def parse(text: str) -> Any:
    if _jql is None:
        if text.strip():
            raise JiraError(400, ["JQL is not available in this build of the simulator."])
        return None
    try:
        return _jql.parse(text)
    except _jql.JqlError as exc:
        raise _error(exc) from None


def _error(exc: Exception) -> JiraError:
    """Syntax errors carry a line/column; validation errors (unknown values) do not."""
    error = JiraError(400, [str(exc)])
    error.validation = getattr(exc, "line", None) is None  # type: ignore[attr-defined]
    return error


def is_validation_error(exc: JiraError) -> bool:
    return bool(getattr(exc, "validation", False))


def context(state: State, serializer_fields: list[dict[str, Any]], user: str | None) -> Any:
    if _jql is None:
        return None
    factory = getattr(_jql, "Context", None) or getattr(_jql, "EvaluationContext", None)
    if factory is None:
        return None
    users = [
        {"name": u.name, "key": u.key, "displayName": u.display_name,
         "emailAddress": u.email, "groups": sorted(u.groups)}
        for u in state.users.values()
    ]  # fmt: skip
    groups = {
        g: sorted(u.name for u in state.users.values() if g in u.groups) for g in state.groups
    }
    return _build_context(factory, user, serializer_fields, users, groups)


def _build_context(
    factory: Any,
    user: str | None,
    fields: list[dict[str, Any]],
    users: list[dict[str, Any]],
    groups: dict[str, list[str]],
) -> Any:
    kwargs = {
        "current_user": user,
        "now": datetime.now(UTC),
        "fields": fields,
        "users": users,
        "groups": groups,
    }
    try:
        return factory(**kwargs)
    except TypeError:
        return None


def matches(query: Any, issue_json: dict[str, Any], ctx: Any) -> bool:
    if query is None or _jql is None:
        return True
    try:
        return bool(_jql.matches(query, issue_json, ctx))
    except _jql.JqlError as exc:
        raise _error(exc) from None


def sort(query: Any, issues: list[dict[str, Any]], ctx: Any) -> list[dict[str, Any]]:
    """Issues in the query's ORDER BY order; Jira's default is key descending."""
    order_by = getattr(query, "order_by", None)
    if query is None or _jql is None or not order_by:
        return sorted(issues, key=lambda i: int(i["id"]), reverse=True)
    key = _jql.sort_key(order_by) if ctx is None else _sort_key(order_by, ctx)
    return sorted(issues, key=key)


def _sort_key(order_by: Any, ctx: Any) -> Any:
    try:
        return _jql.sort_key(order_by, ctx)
    except TypeError:
        return _jql.sort_key(order_by)
