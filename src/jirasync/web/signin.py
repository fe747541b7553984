"""Signing in with a password, for the REST API's `auth/login` and the UI's login form alike:
the login rate limit, the password check, and a fresh session (cookie + CSRF token)."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr
from starlette.requests import Request

from jirasync.access.accounts import (
    Principal,
    account_by_id,
    authenticate,
    principal_of,
    session_fingerprint,
)
from jirasync.access.ratelimit import LoginLimiter
from jirasync.store.db import Database
from jirasync.store.models import Account
from jirasync.web.security import client_address, session_account, start_session


@dataclass(frozen=True)
class SignIn:
    """The outcome: an account and its session's CSRF token, or why not."""

    account: Account | None = None
    csrf: str | None = None
    retry_after_s: float = 0.0  # > 0: refused by the rate limit, the password was not checked


async def sign_in(
    request: Request, db: Database, limiter: LoginLimiter, username: str, password: SecretStr
) -> SignIn:
    address = client_address(request)
    wait = limiter.retry_after(username, address)
    if wait > 0:
        return SignIn(retry_after_s=wait)
    account = await authenticate(db, username, password)
    if account is None:
        limiter.failed(username, address)
        return SignIn()
    limiter.succeeded(username, address)
    return SignIn(account, start_session(request, account.id, session_fingerprint(account)))


async def session_principal(request: Request, db: Database) -> Principal | None:
    """Who the session cookie signs in: an enabled account whose password has not changed."""
    signed_in = session_account(request)
    if signed_in is None:
        return None
    account = await account_by_id(db, signed_in[0])
    if account is None or not account.enabled or session_fingerprint(account) != signed_in[1]:
        return None
    return principal_of(account)
