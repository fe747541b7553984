"""What every Jira route shares: authentication, rate limiting, error bodies, JSON parsing,
paging parameters and the `/rest/api/2` + `/rest/api/latest` aliases under a context path."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.jira.auth import authenticate
from jirasync.sim.jira.errors import JiraError, bad_request, error_collection, unauthorized
from jirasync.sim.jira.issues import Event, IssueService
from jirasync.sim.jira.model import Issue, State, User
from jirasync.sim.jira.serialize import Serializer

if TYPE_CHECKING:
    from jirasync.sim.jira.simulator import JiraSimulator

API_PREFIXES = ("/rest/api/2", "/rest/api/latest")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Call:
    """One authenticated API call."""

    request: Request
    sim: JiraSimulator
    caller: User | None

    @property
    def state(self) -> State:
        return self.sim.state

    @property
    def ser(self) -> Serializer:
        return self.sim.serializer

    @property
    def user(self) -> User:
        if self.caller is None:
            raise unauthorized()
        return self.caller

    def require_login(self) -> None:
        """Anonymous callers get 401 (Jira allows no anonymous access by default)."""
        if self.caller is None:
            raise unauthorized()

    @property
    def service(self) -> IssueService:
        return IssueService(self.sim.state)

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def query_list(self, name: str) -> list[str]:
        """Repeated and comma-separated values (`fields=a&fields=b,c`)."""
        values: list[str] = []
        for raw in self.request.query_params.getlist(name):
            values.extend(v.strip() for v in raw.split(",") if v.strip())
        return values

    def int_query(self, name: str, default: int) -> int:
        raw = self.request.query_params.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise bad_request(f"Invalid value for parameter '{name}': {raw}") from None

    def bool_query(self, name: str, default: bool) -> bool:
        raw = self.request.query_params.get(name)
        return default if raw is None else raw.lower() not in ("false", "0", "no")

    async def json(self) -> Any:
        raw = await self.request.body()
        if not raw.strip():
            return None
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise bad_request(
                "Unexpected character: was expecting a valid JSON value (in the request body)"
            ) from None

    def issue(self, name: str = "issueIdOrKey") -> Issue:
        return self.service.get(self.user, self.path(name))

    def emit(self, events: list[Event]) -> None:
        self.sim.dispatcher.dispatch(events)


Handler = Callable[[Call], Awaitable[Response]]


def json_response(data: Any, status: int = 200) -> Response:
    return JSONResponse(data, status)


def no_content() -> Response:
    return Response(status_code=204)


def endpoint(sim: JiraSimulator, handler: Handler, anonymous: bool = False) -> Any:
    """Wrap a handler: authenticate, rate-limit, turn JiraError into Jira's error body."""

    async def run(request: Request) -> Response:
        extra: dict[str, str] = {}
        try:
            form = await _form_params(request)
            user = authenticate(sim.state, request.method, str(request.url), request.headers, form)
            if user is None and not anonymous:
                raise unauthorized()
            if user is not None and sim.limiter.enabled:
                allowed, extra = sim.limiter.take(user.name)
                if not allowed:
                    raise JiraError(429, ["Rate limit exceeded."], headers=extra)
            response = await handler(Call(request, sim, user))
        except JiraError as exc:
            return JSONResponse(exc.body(), exc.status, headers={**extra, **exc.headers})
        response.headers["X-AREQUESTID"] = f"{next(sim.request_ids)}x1x1"
        if user is not None:
            response.headers["X-AUSERNAME"] = user.name
            response.headers["X-Seraph-LoginReason"] = "OK"
            response.headers["X-ASESSIONID"] = f"sim{user.key.lower()}"
        response.headers.update(extra)
        if request.method not in READ_METHODS and response.status_code < 300:
            sim.persist()
        return response

    return run


async def _form_params(request: Request) -> list[tuple[str, str]] | None:
    """Form fields take part in OAuth signatures (the token endpoints post forms)."""
    if not request.headers.get("authorization", "").lower().startswith("oauth"):
        return None
    if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        return None
    from urllib.parse import parse_qsl

    return parse_qsl((await request.body()).decode("utf-8", "replace"), keep_blank_values=True)


def api_routes(
    sim: JiraSimulator,
    table: list[tuple[str, str, Handler]],
    anonymous: frozenset[str] = frozenset(),
) -> list[BaseRoute]:
    """`(method, path under /rest/api/2, handler)` → routes for both API prefixes."""
    routes: list[BaseRoute] = []
    for prefix in API_PREFIXES:
        for method, path, handler in table:
            wrapped = endpoint(sim, handler, anonymous=path in anonymous)
            routes.append(Route(sim.context_path + prefix + path, wrapped, methods=[method]))
    return routes


def rest_routes(
    sim: JiraSimulator, table: list[tuple[str, str, Handler]], anonymous: bool = False
) -> list[BaseRoute]:
    """Routes outside /rest/api (webhooks, auth session, OAuth servlets)."""
    return [
        Route(sim.context_path + path, endpoint(sim, handler, anonymous), methods=[method])
        for method, path, handler in table
    ]


def page_params(call: Call, default: int = 50, cap: int = 1000) -> tuple[int, int]:
    start = max(call.int_query("startAt", 0), 0)
    limit = call.int_query("maxResults", default)
    if limit < 0:
        limit = default
    return start, min(limit, cap)


def not_found_response() -> Response:
    return JSONResponse(error_collection(["null for uri"]), 404)
