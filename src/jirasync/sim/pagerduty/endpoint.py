"""The REST request pipeline every PagerDuty route goes through: authentication, `Accept`,
read-only keys, rate limit, `From`, JSON body parsing, and `PDError` → PagerDuty's error body.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from jirasync.sim.pagerduty.auth import (
    Caller,
    acting_user,
    authenticate,
    check_accept,
    check_write,
)
from jirasync.sim.pagerduty.errors import PDError, invalid
from jirasync.sim.pagerduty.model import Actor
from jirasync.sim.pagerduty.ratelimit import RateLimited

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

JSON = dict[str, Any]


@dataclass
class Ctx:
    """One authenticated API call."""

    request: Request
    sim: PagerDutySimulator
    caller: Caller
    actor: Actor | None

    @property
    def params(self) -> QueryParams:
        return self.request.query_params

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    async def body(self) -> Any:
        raw = await self.request.body()
        if not raw.strip():
            raise invalid("A request body is required")
        try:
            return json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise invalid("The request body is not valid JSON") from None

    async def entity(self, wrapper: str) -> Any:
        """The wrapped entity `{wrapper: {...}}` of the request body."""
        body = await self.body()
        if not isinstance(body, dict) or not isinstance(body.get(wrapper), dict):
            raise invalid(f"The request body must be an object with a '{wrapper}' object")
        return body[wrapper]


Handler = Callable[[Ctx], Awaitable[Response | JSON | None]]


def endpoint(
    sim: PagerDutySimulator, handler: Handler, *, from_required: bool = False, status: int = 200
) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: dicts become JSON `status` responses, None becomes 204."""

    async def run(request: Request) -> Response:
        headers: dict[str, str] = {}
        try:
            caller = authenticate(sim.state, request.headers)
            headers = sim.rate_limiter.take(caller.bucket)
            check_accept(request.headers)
            check_write(caller, request.method)
            # reads record no actor, so a stray From on a GET is not checked
            actor = (
                acting_user(sim.state, caller, request.headers, from_required)
                if request.method != "GET"
                else None
            )
            result = await handler(Ctx(request, sim, caller, actor))
        except RateLimited as exc:
            return JSONResponse(exc.body(), exc.status, headers=exc.headers)
        except PDError as exc:
            return JSONResponse(exc.body(), exc.status, headers=headers)
        if result is None:
            return Response(status_code=204, headers=headers)
        if isinstance(result, Response):
            result.headers.update(headers)
            return result
        return JSONResponse(result, status, headers=headers)

    return run
