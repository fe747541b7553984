"""The ASGI app around a simulator: counting, fault injection and the `/_sim/` control API."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from jirasync.sim.common.base import SeedError, Simulator
from jirasync.sim.common.faults import FaultError

CONTROL_PREFIX = "/_sim/"


def build_app(sim: Simulator) -> Starlette:
    """Serve `sim`: its routes plus the control API, wrapped in counting and faults."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await sim.shutdown()

    app = Starlette(routes=[*control_routes(sim), *sim.routes()], lifespan=lifespan)
    app.state.sim = sim
    app.add_middleware(SimMiddleware, sim=sim)
    return app


def route_template(routes: Sequence[BaseRoute], scope: Scope, prefix: str = "") -> str | None:
    """The template of the route that serves `scope` (`/rest/api/2/issue/{issueIdOrKey}`)."""
    for route in routes:
        match, child = route.matches(scope)
        if match != Match.FULL:
            continue
        if isinstance(route, Mount):
            sub_scope = {**scope, **child}
            inner = route_template(route.routes, sub_scope, prefix + route.path)
            return inner if inner is not None else prefix + route.path
        if isinstance(route, Route):
            return prefix + route.path
    return None


class SimMiddleware:
    """Counts every API request by route template and applies fault rules before routing."""

    def __init__(self, app: ASGIApp, sim: Simulator) -> None:
        self.app = app
        self.sim = sim

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path.startswith(CONTROL_PREFIX):
            if not self._control_allowed(scope):
                response = JSONResponse({"error": "the control API answers loopback only"}, 403)
                await response(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        router = scope["app"].router if "app" in scope else None
        routes = router.routes if router is not None else self.sim.routes()
        template = route_template(routes, scope) or path
        self.sim.requests.add(method, template)
        for rule in self.sim.faults.for_request(method, template, path):
            if rule.kind == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
                continue
            body = rule.body if rule.body is not None else self.sim.fault_body(rule.status)
            response = JSONResponse(body, rule.status, headers=rule.headers)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _control_allowed(self, scope: Scope) -> bool:
        if self.sim.config.allow_remote_control:
            return True
        client = scope.get("client")
        if not client:
            return True  # in-process ASGI transport: no socket, so no remote caller
        try:
            return ipaddress.ip_address(client[0]).is_loopback
        except ValueError:
            return client[0] in ("testclient", "localhost")


def control_routes(sim: Simulator) -> list[BaseRoute]:
    """`/_sim/…`: reset, seed, faults, request counts, webhook log, credentials, state."""

    async def reset(_: Request) -> Response:
        # Deliveries still queued or retrying belong to the old state: stop them, do not let
        # them report against the new one.
        await sim.webhooks.close()
        sim.reset()
        sim.faults.clear()
        sim.requests.clear()
        sim.webhooks.clear_log()
        return JSONResponse({"reset": True})

    async def seed(request: Request) -> Response:
        raw = await request.body()
        try:
            data = yaml.safe_load(raw) if raw.strip() else None
            if not isinstance(data, dict):
                raise SeedError("the seed must be a YAML or JSON mapping")
            sim.load_seed(data)
        except (yaml.YAMLError, SeedError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        sim.requests.clear()
        sim.webhooks.clear_log()
        return JSONResponse({"seeded": True})

    async def list_faults(_: Request) -> Response:
        return JSONResponse({"faults": [r.as_dict() for r in sim.faults.rules()]})

    async def add_faults(request: Request) -> Response:
        try:
            payload: Any = json.loads(await request.body() or b"null")
            specs = payload if isinstance(payload, list) else [payload]
            added = [sim.faults.add(spec).as_dict() for spec in specs]
        except (json.JSONDecodeError, FaultError, TypeError, ValueError) as exc:
            return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse({"faults": added}, 201)

    async def clear_faults(_: Request) -> Response:
        sim.faults.clear()
        return Response(status_code=204)

    async def delete_fault(request: Request) -> Response:
        try:
            fault_id = int(request.path_params["fault_id"])
        except ValueError:
            return JSONResponse({"error": "fault id must be an integer"}, 400)
        if not sim.faults.remove(fault_id):
            return JSONResponse({"error": f"no fault {fault_id}"}, 404)
        return Response(status_code=204)

    async def request_counts(_: Request) -> Response:
        return JSONResponse({"total": sim.requests.total(), "counts": sim.requests.snapshot()})

    async def clear_counts(_: Request) -> Response:
        sim.requests.clear()
        return Response(status_code=204)

    async def webhook_log(request: Request) -> Response:
        event = request.query_params.get("event")
        state = request.query_params.get("state")
        with_body = request.query_params.get("body", "true") != "false"
        deliveries = [
            d.as_dict(with_body)
            for d in sim.webhooks.log()
            if (event is None or d.event == event) and (state is None or d.state == state)
        ]
        return JSONResponse({"deliveries": deliveries})

    async def drain_webhooks(request: Request) -> Response:
        timeout = float(request.query_params.get("timeout", "10"))
        idle = await sim.webhooks.drain(timeout)
        return JSONResponse({"idle": idle}, 200 if idle else 504)

    async def clear_webhooks(_: Request) -> Response:
        sim.webhooks.clear_log()
        return Response(status_code=204)

    async def credentials(_: Request) -> Response:
        return JSONResponse(sim.credentials())

    async def state(_: Request) -> Response:
        return JSONResponse(sim.state_snapshot())

    p = CONTROL_PREFIX
    return [
        Route(p + "reset", reset, methods=["POST"]),
        Route(p + "seed", seed, methods=["PUT", "POST"]),
        Route(p + "faults", list_faults, methods=["GET"]),
        Route(p + "faults", add_faults, methods=["POST"]),
        Route(p + "faults", clear_faults, methods=["DELETE"]),
        Route(p + "faults/{fault_id}", delete_fault, methods=["DELETE"]),
        Route(p + "requests", request_counts, methods=["GET"]),
        Route(p + "requests", clear_counts, methods=["DELETE"]),
        Route(p + "webhooks", webhook_log, methods=["GET"]),
        Route(p + "webhooks", clear_webhooks, methods=["DELETE"]),
        Route(p + "webhooks/drain", drain_webhooks, methods=["POST"]),
        Route(p + "credentials", credentials, methods=["GET"]),
        Route(p + "state", state, methods=["GET"]),
    ]
