"""The admin web UI: server-rendered pages (Jinja2) made lively with htmx, vendored under
static/ (no build step, no CDN). Pages call the same domain functions as the REST API.

Pages: dashboard `/`, `/activity` (live), `/queue`, `/links` (unlink), `/actions` (create an
issue, trigger an incident, escalate a report, link existing), `/connections` (set-up wizard,
test, "Check webhooks"), `/rules` (PagerDuty), `/escalations` (HackerOne), `/user-mappings`,
`/tokens` (API tokens), `/accounts` (admins only). See docs/ui.md.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from jirasync.admin.errors import Refusal
from jirasync.web.ui import (
    accounts,
    actions,
    activity,
    auth,
    connections,
    dashboard,
    escalations,
    links,
    oidc,
    queue,
    rules,
    tokens,
    user_mappings,
)
from jirasync.web.ui.access import Refused, SignInRequired, login_url
from jirasync.web.ui.render import is_htmx, page

_ROUTERS = (
    auth.router,
    dashboard.router,
    activity.router,
    queue.router,
    links.router,
    actions.router,
    connections.router,
    rules.router,
    escalations.router,
    user_mappings.router,
    tokens.router,
    accounts.router,
)


def install_ui(app: FastAPI) -> None:
    for router in _ROUTERS:
        app.include_router(router, include_in_schema=False)
    oidc.install_oidc(app, app.state.service.settings.oidc)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    app.add_exception_handler(SignInRequired, _sign_in)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(Refusal, _refusal)


async def _sign_in(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = login_url(exc.next_path)
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


async def _refusal(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refusal)
    detail = "; ".join(exc.errors or [])
    return await _refused(
        request, Refused(exc.status, f"{exc.message}{': ' + detail if detail else ''}")
    )


async def _refused(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    titles = {403: "Not allowed", 404: "Not found", 409: "Not now", 502: "The remote refused"}
    title = titles.get(exc.status, "Cannot do that")
    template = "_error.html" if is_htmx(request) else "error.html"
    return page(request, template, exc.status, status=exc.status, title=title, message=exc.message)
