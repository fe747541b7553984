"""`/search` (GET and POST): JQL over the issues the caller may browse, with fields, expand,
paging capped at the server's limit, and `validateQuery` warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from jirasync.sim.jira import jql_support, permissions
from jirasync.sim.jira.errors import bad_request
from jirasync.sim.jira.routes.base import Call, json_response
from jirasync.sim.jira.routes.issues import wanted_fields

if TYPE_CHECKING:
    from jirasync.sim.jira.routes.base import Handler


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list):
        return [str(v) for v in value]
    raise bad_request("'fields' and 'expand' must be strings or arrays of strings")


def _int(value: Any, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"Invalid value for parameter '{name}': {value}") from None


async def search_get(call: Call) -> Response:
    return run_search(
        call,
        jql=call.query("jql") or "",
        start=_int(call.query("startAt"), "startAt", 0),
        limit=_int(call.query("maxResults"), "maxResults", 50),
        validate=call.bool_query("validateQuery", True),
        fields=call.query_list("fields"),
        expand=call.query_list("expand"),
    )


async def search_post(call: Call) -> Response:
    body = await call.json()
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise bad_request("The search request must be a JSON object.")
    validate = body.get("validateQuery", True)
    return run_search(
        call,
        jql=str(body.get("jql") or ""),
        start=_int(body.get("startAt"), "startAt", 0),
        limit=_int(body.get("maxResults"), "maxResults", 50),
        validate=validate not in (False, "false", "none", "warn"),
        fields=_as_list(body.get("fields")),
        expand=_as_list(body.get("expand")),
    )


def run_search(
    call: Call,
    jql: str,
    start: int,
    limit: int,
    validate: bool,
    fields: list[str],
    expand: list[str],
) -> Response:
    user = call.user
    state, ser = call.state, call.ser
    start = max(start, 0)
    cap = state.options.search_cap
    limit = cap if limit < 0 else min(limit, cap)
    ctx = jql_support.context(state, ser.fields(), user.name)
    search = jql_support.prepare(state, jql, ctx, validate)
    visible = [
        i
        for i in state.issues.values()
        if permissions.has(user, state.projects[i.project], "browse")
    ]
    # render only what the query reads; the page is rendered again with the requested fields
    needed = None if search.fields is None else set(search.fields)
    expand_for_match = frozenset({"changelog"}) if search.history else frozenset()
    candidates = [ser.issue(i, needed, expand_for_match) for i in visible]
    hits = [j for j in candidates if jql_support.run(search, j)]
    ordered = jql_support.order(search, hits, ctx)
    page = ordered[start : start + limit]
    wanted = wanted_fields(ser, fields) if fields else _navigable(ser)
    by_id = {i.id: i for i in visible}
    issues = [ser.issue(by_id[j["id"]], wanted, frozenset(expand), viewer=user) for j in page]
    body: dict[str, Any] = {
        "expand": "schema,names",
        "startAt": start,
        "maxResults": limit,
        "total": len(ordered),
        "issues": issues,
    }
    if search.warnings:
        body["warningMessages"] = list(search.warnings)
    return json_response(body)


def _navigable(ser: Any) -> set[str] | None:
    return wanted_fields(ser, ["*navigable"])


def table() -> list[tuple[str, str, Handler]]:
    return [("GET", "/search", search_get), ("POST", "/search", search_post)]
