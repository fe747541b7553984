"""What operators and their tools ask of a running process: `/healthz` (the process serves),
`/readyz` (database, worker loop, queue lag), Prometheus `/metrics`, and the count of webhook
answers by source and outcome.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jirasync.engine import metrics
from jirasync.engine.backlog import Backlog, measure
from jirasync.engine.service import Service
from jirasync.log import get_logger

log = get_logger(__name__)
router = APIRouter(tags=["operations"])

WEBHOOK_SOURCES = frozenset({"jira", "pagerduty", "hackerone"})


def install(app: FastAPI) -> None:
    """Add the health, readiness and metrics routes and the webhook answer counter."""
    app.include_router(router)
    app.add_middleware(WebhookOutcomes)


def _service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database answers, the worker loop (if this process runs one) is alive, and no event
    that could run has waited longer than `monitoring.queue_lag_max_seconds`."""
    service = _service(request)
    checks: dict[str, Any] = {}
    ready = True
    try:
        await service.db.ping()
        backlog = await measure(service.db)
        checks["database"] = "ok"
        checks["queue"] = _queue_check(backlog, service.settings.monitoring.queue_lag_max_seconds)
        ready = checks["queue"]["status"] == "ok"
    except Exception as exc:
        log.warning("readyz.database_failed", error=type(exc).__name__)
        checks["database"] = f"error: {type(exc).__name__}"
        ready = False
    if request.app.state.run_worker:
        checks["worker"] = "running" if service.worker_alive else "stopped"
        ready = ready and service.worker_alive
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)


def _queue_check(backlog: Backlog, limit: float | None) -> dict[str, Any]:
    lagging = limit is not None and backlog.lag_seconds > limit
    return {
        "status": "lagging" if lagging else "ok",
        "lag_seconds": round(backlog.lag_seconds, 3),
        "lag_max_seconds": limit,
        "pending": backlog.depth["pending"],
        "retrying": backlog.depth["retrying"],
        "dead": backlog.depth["dead"],
    }


@router.get("/metrics")
async def metrics_endpoint(request: Request) -> Response:
    """Prometheus text format: this process's counters plus the queue as the database sees it."""
    try:
        backlog = await measure(_service(request).db)
    except Exception as exc:
        # The counters are still worth a scrape; the queue gauges keep their last values.
        log.warning("metrics.backlog_failed", error=type(exc).__name__)
    else:
        _set_queue_gauges(backlog)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _set_queue_gauges(backlog: Backlog) -> None:
    for status, count in backlog.depth.items():
        metrics.QUEUE_EVENTS.labels(status).set(count)
    for status, age in backlog.oldest_age.items():
        metrics.QUEUE_OLDEST_AGE.labels(status).set(age)
    metrics.QUEUE_LAG.set(backlog.lag_seconds)


class WebhookOutcomes:
    """Counts every answer of the webhook routes, rejected ones included: a sender whose
    signatures all fail shows up here long before anybody misses its events."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/webhooks/"):
            await self.app(scope, receive, send)
            return
        answered = {"status": 500}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                answered["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            metrics.WEBHOOKS.labels(_webhook_source(path), _outcome(answered["status"])).inc()


def _webhook_source(path: str) -> str:
    source = path.split("/")[2]
    return source if source in WEBHOOK_SOURCES else "other"


def _outcome(status: int) -> str:
    if status < 300:
        return "accepted"
    return {
        400: "malformed",
        401: "unauthenticated",
        403: "unauthenticated",
        404: "unknown_connection",
        413: "too_large",
    }.get(status, "error" if status >= 500 else "rejected")
