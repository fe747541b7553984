"""The REST API, mounted at `/api/v1` as its own FastAPI application: its own OpenAPI document
(`/api/v1/openapi.json`, behind authentication like everything here but `auth/login`), its own
docs page and one error shape. See docs/api.md."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from jirasync import __version__
from jirasync.access.ratelimit import LoginLimiter
from jirasync.engine.service import Service
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.api import (
    actions,
    auth,
    connections,
    docs,
    escalations,
    events,
    links,
    pagerduty_rules,
    preview,
    user_mappings,
)
from jirasync.web.api.deps import authenticated, authorized
from jirasync.web.api.errors import install_error_handlers

PREFIX = "/api/v1"

_PROTECTED = (
    auth.router,
    connections.router,
    pagerduty_rules.router,
    escalations.router,
    user_mappings.router,
    links.router,
    events.router,
    preview.router,
    actions.router,
    docs.router,
)


def create_api(service: Service, runtime: SyncRuntime) -> FastAPI:
    api = FastAPI(
        title="jirasync API",
        version=__version__,
        description="Connections, rules, user mappings, links, the event queue and manual "
        "actions. Authenticate with `Authorization: Bearer <API token>` or a login session "
        "(changes then need the `X-CSRF-Token` header). See docs/api.md.",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        servers=[{"url": PREFIX}],
    )
    api.state.service = service
    api.state.sync = runtime
    api.state.login_limiter = LoginLimiter()
    install_error_handlers(api)
    api.include_router(auth.public)
    api.include_router(auth.sessions, dependencies=[Depends(authenticated)])
    for router in _PROTECTED:
        api.include_router(router, dependencies=[Depends(authorized)])
    return api
