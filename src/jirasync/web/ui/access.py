"""Who is looking at a page, and may they change things: the UI's dependencies.

Pages need a signed-in browser (the session cookie; API tokens are for the REST API). Changes
(every method but GET/HEAD/OPTIONS) need the session's CSRF token in the form's `csrf_token`
field (or htmx's `X-CSRF-Token` header) and the admin role.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request

from jirasync.access.accounts import Principal
from jirasync.engine.service import Service
from jirasync.web.security import SAFE_METHODS, csrf_valid
from jirasync.web.signin import session_principal


class SignInRequired(Exception):
    """No signed-in session: the browser is sent to the login page."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class Refused(Exception):
    """A request the UI will not do; shown as an error page with this status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


async def viewer(request: Request) -> Principal:
    who = await session_principal(request, service_of(request).db)
    if who is None:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInRequired(path if request.method in SAFE_METHODS else "/")
    request.state.me = who
    return who


async def admin(request: Request, who: Annotated[Principal, Depends(viewer)]) -> Principal:
    if request.method not in SAFE_METHODS and not await csrf_valid(request):
        raise Refused(
            403, "The form's CSRF token is missing or wrong: reload the page and try again."
        )
    if not who.can_change:
        raise Refused(403, f"{who.name} is a {who.role.value}: viewers may look, not change.")
    return who


Viewer = Annotated[Principal, Depends(viewer)]
Admin = Annotated[Principal, Depends(admin)]


def login_url(next_path: str) -> str:
    return "/login" if next_path in ("", "/") else f"/login?next={quote(next_path, safe='/')}"


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value
