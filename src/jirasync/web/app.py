"""The FastAPI application and its lifespan, which starts and stops the service.

Webhook routes get the inbox with the `get_inbox` dependency and call `Inbox.receive` before
answering 202.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request

from jirasync import __version__
from jirasync.engine.inbox import Inbox
from jirasync.engine.service import Service
from jirasync.log import get_logger
from jirasync.sync.reconciler import reconciling
from jirasync.sync.runtime import install
from jirasync.web import ops, webhooks
from jirasync.web.api import PREFIX as API_PREFIX
from jirasync.web.api import create_api
from jirasync.web.security import install_security
from jirasync.web.ui import install_ui

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
    ops.install(app)
    api = create_api(service, runtime)
    # One login rate limit for the API's login and the UI's login form.
    api.state.login_limiter = app.state.login_limiter
    app.mount(API_PREFIX, api)
    install_ui(app)
    return app


def get_service(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def get_inbox(request: Request) -> Inbox:
    return get_service(request).inbox
