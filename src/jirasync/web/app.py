"""The FastAPI application and its lifespan, which starts and stops the service.

Webhook routes get the inbox with the `get_inbox` dependency and call `Inbox.receive` before
answering 202.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from jirasync import __version__
from jirasync.engine.inbox import Inbox
from jirasync.engine.service import Service
from jirasync.log import get_logger
from jirasync.sync.reconciler import reconciling
from jirasync.sync.runtime import install
from jirasync.web import webhooks
from jirasync.web.api import PREFIX as API_PREFIX
from jirasync.web.api import create_api
from jirasync.web.security import install_security

log = get_logger(__name__)


def create_app(service: Service, *, migrate: bool = True, run_worker: bool = True) -> FastAPI:
    runtime = install(service)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start(migrate=migrate, run_worker=run_worker)
        try:
            # Polling belongs with the worker: an API-only process does not reconcile.
            settings = service.settings.reconciler
            enabled = settings.model_copy(update={"enabled": settings.enabled and run_worker})
            async with reconciling(runtime, service.inbox, enabled):
                yield
        finally:
            await service.stop()
            await runtime.close()
            log.info("service.stopped")

    # No public OpenAPI document or docs page: the API's own are behind authentication.
    app = FastAPI(
        title="jirasync",
        version=__version__,
        lifespan=lifespan,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    install_security(app, service)
    app.state.service = service
    app.state.sync = runtime
    app.include_router(webhooks.router)
    app.state.run_worker = run_worker
    app.add_api_route("/healthz", healthz, methods=["GET"])
    app.add_api_route("/readyz", readyz, methods=["GET"])
    app.mount(API_PREFIX, create_api(service, runtime))
    return app


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def get_inbox(request: Request) -> Inbox:
    return get_service(request).inbox


async def healthz() -> dict[str, str]:
    """The process is up and serving."""
    return {"status": "ok"}


async def readyz(request: Request) -> JSONResponse:
    """The database answers and, if this process runs one, the worker loop is alive."""
    service = get_service(request)
    checks: dict[str, Any] = {}
    try:
        await service.db.ping()
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    if request.app.state.run_worker:
        checks["worker"] = "running" if service.worker_alive else "stopped"
    ready = checks["database"] == "ok" and checks.get("worker", "running") == "running"
    return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)
