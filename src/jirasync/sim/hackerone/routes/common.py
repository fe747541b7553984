"""What every API route shares: authentication and rate limits, report look-up with
HackerOne's status codes, and typed readers for JSON request bodies (bad input → 400)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from jirasync.sim.hackerone.auth import Principal, authenticate
from jirasync.sim.hackerone.errors import H1Error, invalid
from jirasync.sim.hackerone.model import Report

if TYPE_CHECKING:
    from jirasync.sim.hackerone.simulator import HackerOneSimulator


@dataclass
class Call:
    """One authenticated API request."""

    sim: HackerOneSimulator
    request: Request
    principal: Principal

    @property
    def base_url(self) -> str:
        return self.sim.base_url

    def actor(self) -> tuple[str, int]:
        return ("user", self.principal.user.id)

    def report(self, write: bool) -> Report:
        """The report of the path. GET answers 403 for unknown ids too (HackerOne does not
        reveal which ids exist); writes name the bad `report_id` with a 400."""
        raw = self.request.path_params["report_id"]
        report = self.sim.state.reports.get(int(raw)) if raw.isdigit() else None
        if report is None:
            raise invalid("report_id") if write else H1Error(403)
        if report.program_id != self.principal.program.id:
            raise H1Error(403)
        return report

    async def data(self) -> dict[str, Any]:
        """The request's top-level `data` object."""
        try:
            body = json.loads(await self.request.body() or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise invalid("data", "The request body is not valid JSON.") from exc
        if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
            raise invalid("data")
        data: dict[str, Any] = body["data"]
        return data


Handler = Callable[[Call], Awaitable[Response]]


def endpoint(sim: HackerOneSimulator, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """Wrap a handler: Basic auth (401), rate limit (429), HackerOne error rendering."""

    async def run(request: Request) -> Response:
        try:
            principal = authenticate(request, sim.state)
            write = request.method not in ("GET", "HEAD")
            if not sim.limiter.admit(principal.token.identifier, write):
                raise H1Error(429)
            response = await handler(Call(sim, request, principal))
        except H1Error as error:
            response = error.response()
        response.headers["X-Request-Id"] = str(uuid.uuid4())  # as on every HackerOne answer
        return response

    return run


# -- body readers -----------------------------------------------------------------------------
def attributes(data: dict[str, Any]) -> dict[str, Any]:
    attrs = data.get("attributes", {})
    if not isinstance(attrs, dict):
        raise invalid("attributes")
    return attrs


def text(source: dict[str, Any], key: str, required: bool = False, default: str = "") -> str:
    value = source.get(key)
    if value is None:
        if required:
            raise invalid(key)
        return default
    if not isinstance(value, str):
        raise invalid(key)
    return value


def flag(source: dict[str, Any], key: str, required: bool = False) -> bool:
    value = source.get(key)
    if value is None and not required:
        return False
    if not isinstance(value, bool):
        raise invalid(key)
    return value


def integer(value: Any, key: str) -> int:
    """Ids arrive as numbers or numeric strings."""
    if isinstance(value, bool):
        raise invalid(key)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise invalid(key)


def amount(source: dict[str, Any], key: str, required: bool = False) -> Decimal:
    value = source.get(key)
    if value is None:
        if required:
            raise invalid(key)
        return Decimal(0)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise invalid(key)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise invalid(key) from exc
    if not number.is_finite() or number < 0:
        raise invalid(key)
    return number


def id_list(source: dict[str, Any], key: str) -> list[int]:
    value = source.get(key) or []
    if not isinstance(value, list):
        raise invalid(key)
    return [integer(v, key) for v in value]
