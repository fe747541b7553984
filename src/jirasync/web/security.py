"""What every HTTP answer and every signed-in browser gets: secure headers, the signed session
cookie, and CSRF tokens. The REST API and the UI share them.

The session cookie is signed (not encrypted) with a key derived from the service's secret key;
it holds the account id, a fingerprint of the password hash (a new password ends old sessions)
and the CSRF token that unsafe requests made with the cookie must echo.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from fastapi import FastAPI
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jirasync.access.ratelimit import LoginLimiter
from jirasync.engine.service import Service

SESSION_COOKIE = "jirasync_session"
SESSION_MAX_AGE_S = 12 * 3600
CSRF_HEADER = "x-csrf-token"
CSRF_FORM_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    # Everything the UI and the docs page need is served from here: no CDN, no inline script.
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
}


class SecureHeaders:
    """Adds the secure headers to every answer (a route may set its own first), HSTS when the
    service is reached over HTTPS, and `no-store` on the API's answers."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.headers = dict(_HEADERS)
        if https:
            self.headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", []))
                present = {name.decode().lower() for name, _ in raw}
                extra = dict(self.headers)
                if api:
                    extra["cache-control"] = "no-store"
                raw += [(k.encode(), v.encode()) for k, v in extra.items() if k not in present]
                message["headers"] = raw
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_security(app: FastAPI, service: Service) -> None:
    """Secure headers, the session cookie and the login rate limit on the whole app."""
    https = service.settings.callback_url.startswith("https://")
    app.add_middleware(
        SessionMiddleware,
        secret_key=service.secrets.derive_key("session-cookie").get_secret_value(),
        session_cookie=SESSION_COOKIE,
        max_age=SESSION_MAX_AGE_S,
        same_site="lax",
        https_only=https,
    )
    app.add_middleware(SecureHeaders, https=https)
    app.state.login_limiter = LoginLimiter()


# -- sessions and CSRF -----------------------------------------------------------------------
def start_session(request: Request, account_id: int, fingerprint: str) -> str:
    """Sign the account in on this browser; returns the session's CSRF token."""
    csrf = secrets.token_urlsafe(32)
    request.session.clear()
    request.session.update({"account": account_id, "fp": fingerprint, "csrf": csrf})
    return csrf


def end_session(request: Request) -> None:
    request.session.clear()


def session_account(request: Request) -> tuple[int, str] | None:
    """(account id, password fingerprint) of the signed-in browser, if any."""
    session: dict[str, Any] = request.session if "session" in request.scope else {}
    account, fingerprint = session.get("account"), session.get("fp")
    if isinstance(account, int) and isinstance(fingerprint, str):
        return account, fingerprint
    return None


def ensure_csrf(request: Request) -> str:
    """A CSRF token for a browser not signed in yet (the login form has one too)."""
    token = session_csrf(request)
    if token is None:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def session_csrf(request: Request) -> str | None:
    token = request.session.get("csrf") if "session" in request.scope else None
    return token if isinstance(token, str) else None


async def csrf_valid(request: Request) -> bool:
    """The request echoes its session's CSRF token in the header, or in a form's field."""
    expected = session_csrf(request)
    if not expected:
        return False
    offered = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if offered is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FORM_FIELD)
        offered = value if isinstance(value, str) else None
    return offered is not None and hmac.compare_digest(offered, expected)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
