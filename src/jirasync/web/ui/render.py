"""Rendering pages: one Jinja2 environment (autoescaped), the layout's context (who is signed
in, the CSRF token, the navigation) and one-shot messages carried across a redirect."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from jirasync.web.security import session_csrf

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

NAV = (
    ("/", "Dashboard"),
    ("/activity", "Activity"),
    ("/queue", "Queue"),
    ("/links", "Links"),
    ("/actions", "Actions"),
    ("/connections", "Connections"),
    ("/rules", "PagerDuty rules"),
    ("/escalations", "HackerOne escalations"),
    ("/user-mappings", "User mappings"),
    ("/tokens", "API tokens"),
)
ADMIN_NAV = (("/accounts", "Accounts"),)  # viewers would get 403 there


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str, ensure_ascii=False)


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["pretty"] = _pretty


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """A page (or, for htmx, a fragment template) with the layout's context."""
    me = getattr(request.state, "me", None)
    can_change = bool(me and me.can_change)
    flash = request.session.pop("flash", None) if "session" in request.scope else None
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "me": me,
            "can_change": can_change,
            "csrf": session_csrf(request) or "",
            "nav": NAV + ADMIN_NAV if can_change else NAV,
            "flash": flash,
            "path": request.url.path,
            **context,
        },
        status_code=status_code,
    )


def back(request: Request, to: str, message: str | None = None) -> Response:
    """After a change: say what happened on the next page (post/redirect/get)."""
    if message:
        request.session["flash"] = message
    if request.headers.get("hx-request"):
        return Response(status_code=204, headers={"HX-Redirect": to})
    return RedirectResponse(to, status_code=303)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"
