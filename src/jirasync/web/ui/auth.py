"""The login page, signing in and out."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import SecretStr

from jirasync.access.accounts import session_fingerprint
from jirasync.access.login_links import LINK_PATH, redeem_login_link
from jirasync.access.ratelimit import LoginLimiter
from jirasync.web.security import csrf_valid, end_session, ensure_csrf, start_session
from jirasync.web.signin import session_principal, sign_in
from jirasync.web.ui.access import Refused, Viewer, safe_next, service_of
from jirasync.web.ui.render import page

router = APIRouter()


@router.get("/login")
async def login_page(request: Request, next: str | None = None) -> Response:
    if await session_principal(request, service_of(request).db) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    ensure_csrf(request)
    return page(request, "login.html", next=safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=150)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    def again(status: int, problem: str) -> Response:
        ensure_csrf(request)
        return page(
            request, "login.html", status, next=safe_next(next), username=username, error=problem
        )

    if not await csrf_valid(request):
        return again(403, "The login form expired: please try again.")
    if not username or not password:
        return again(400, "Enter your username and password.")
    limiter: LoginLimiter = request.app.state.login_limiter
    outcome = await sign_in(request, service_of(request).db, limiter, username, SecretStr(password))
    if outcome.retry_after_s > 0:
        minutes = max(1, math.ceil(outcome.retry_after_s / 60))
        return again(
            429,
            f"Too many failed logins for {username} from your address: "
            f"try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        )
    if outcome.account is None:
        return again(401, "Wrong username or password.")
    return RedirectResponse(safe_next(next), status_code=303)


@router.get(LINK_PATH + "{token}")
async def login_link(request: Request, token: str) -> Response:
    """A one-time login link (`jirasync demo` prints one): signs in once, then never again."""
    account = await redeem_login_link(service_of(request).db, token)
    if account is None:
        ensure_csrf(request)
        problem = "This login link was used already or has expired: sign in with a password."
        return page(request, "login.html", 403, next="/", error=problem)
    start_session(request, account.id, session_fingerprint(account))
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
async def logout(request: Request, who: Viewer) -> Response:
    if not await csrf_valid(request):
        raise Refused(403, "The form's CSRF token is missing or wrong: reload the page.")
    end_session(request)
    request.session["flash"] = "Signed out."
    return RedirectResponse("/login", status_code=303)
