"""Signing in and out (session cookie + CSRF token for the UI), accounts, and API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, SecretStr
from sqlalchemy import select

from jirasync.access import accounts
from jirasync.access.accounts import (
    AccessError,
    AccountChange,
    Principal,
    UnknownAccount,
    create_account,
    create_token,
    list_tokens,
    revoke_token,
)
from jirasync.access.ratelimit import LoginLimiter
from jirasync.store.models import Account, AccountRole
from jirasync.web.api.deps import DB, Caller, Id, authenticated
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError, error
from jirasync.web.api.paging import Page, PageInfo
from jirasync.web.security import csrf_valid, end_session, session_csrf
from jirasync.web.signin import sign_in

public = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)
router = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)
# Signed-in callers of any role: logging out is not a change that needs the admin role.
sessions = APIRouter(tags=["auth"], responses=ERROR_RESPONSES)

Role = Literal["admin", "viewer"]


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: SecretStr = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    kind: Literal["account", "token"]
    name: str
    role: Role
    csrf_token: str | None = Field(
        None, description="Send as X-CSRF-Token with every change made with the session cookie."
    )


@public.post("/auth/login", response_model=Me)
async def login(body: Login, request: Request, db: DB) -> Any:
    """Sign in with a password: sets the session cookie and returns the CSRF token."""
    limiter: LoginLimiter = request.app.state.login_limiter
    outcome = await sign_in(request, db, limiter, body.username, body.password)
    if outcome.retry_after_s > 0:
        return error(
            429, "too many failed logins; try again later", None, _ceil(outcome.retry_after_s)
        )
    account = outcome.account
    if account is None:
        raise ApiError(401, "wrong username or password")
    csrf = outcome.csrf
    return Me(kind="account", name=account.username, role=account.role, csrf_token=csrf)


@sessions.post("/auth/logout", status_code=204)
async def logout(request: Request, who: Annotated[Principal, Depends(authenticated)]) -> Response:
    """End the browser's session (viewers may too; the CSRF token is still required)."""
    if getattr(request.state, "via_session", False) and not await csrf_valid(request):
        raise ApiError(403, "CSRF token missing or wrong: send the session's X-CSRF-Token")
    end_session(request)
    return Response(status_code=204)


@router.get("/auth/me", response_model=Me)
async def me(request: Request, who: Caller) -> Me:
    """Who is asking; with a session, also its CSRF token."""
    csrf = session_csrf(request) if getattr(request.state, "via_session", False) else None
    return Me(kind=who.kind, name=who.name, role=who.role.value, csrf_token=csrf)


# -- accounts ------------------------------------------------------------------------------------
class AccountIn(BaseModel):
    username: str = Field(min_length=1, max_length=150)
    password: SecretStr = Field(min_length=8, max_length=1024)
    role: Role = "viewer"


class AccountPatch(BaseModel):
    password: SecretStr | None = Field(None, min_length=8, max_length=1024)
    role: Role | None = None
    enabled: bool | None = None


class AccountOut(BaseModel):
    id: int
    username: str
    role: str
    enabled: bool
    created_at: datetime
    last_login_at: datetime | None


class AccountList(PageInfo):
    accounts: list[AccountOut]


def _account(row: Account) -> AccountOut:
    return AccountOut(
        id=row.id,
        username=row.username,
        role=row.role,
        enabled=row.enabled,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
    )


@router.get("/accounts", response_model=AccountList)
async def list_accounts(db: DB, who: Caller, page: Page) -> Any:
    async with db.sessions() as session:
        total, rows = await page.rows(session, select(Account), Account.id)
    return {**page.page(total), "accounts": [_account(r) for r in rows]}


@router.post("/accounts", response_model=AccountOut, status_code=201)
async def add_account(body: AccountIn, db: DB, who: Caller) -> Any:
    try:
        row = await create_account(db, body.username, body.password, AccountRole(body.role))
    except AccessError as exc:
        raise ApiError(409, str(exc)) from None
    return _account(row)


@router.patch("/accounts/{account_id}", response_model=AccountOut)
async def change_account(account_id: Id, body: AccountPatch, db: DB, who: Caller) -> Any:
    """A new password ends the account's sessions; disabling it ends them too. The last
    enabled admin cannot be demoted or disabled (409)."""
    role = AccountRole(body.role) if body.role is not None else None
    change = AccountChange(password=body.password, role=role, enabled=body.enabled)
    try:
        row = await accounts.change_account(db, account_id, change)
    except UnknownAccount as exc:
        raise ApiError(404, str(exc)) from None
    except AccessError as exc:
        raise ApiError(409, str(exc)) from None
    return _account(row)


# -- API tokens ----------------------------------------------------------------------------------
class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role = "viewer"


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class TokenList(PageInfo):
    tokens: list[TokenOut]


@router.get("/tokens", response_model=TokenList)
async def tokens(db: DB, who: Caller, page: Page) -> Any:
    found = await list_tokens(db)
    chosen = found[page.offset : page.offset + page.limit]
    return {**page.page(len(found)), "tokens": [TokenOut(**vars(t)) for t in chosen]}


@router.post("/tokens", response_model=NewTokenOut, status_code=201)
async def new_token(body: TokenIn, db: DB, who: Caller) -> Any:
    """Create a token; the answer is the only time the token is shown."""
    made = await create_token(db, body.name, AccountRole(body.role), created_by=who.name)
    return NewTokenOut(**vars(made.info), token=made.token.get_secret_value())


@router.delete("/tokens/{token_id}", response_model=TokenOut)
async def revoke(token_id: Id, db: DB, who: Caller) -> Any:
    """Revoke a token: it stops working at once; it stays listed as revoked."""
    info = await revoke_token(db, token_id)
    if info is None:
        raise ApiError(404, f"no token {token_id}")
    return TokenOut(**vars(info))


def _ceil(seconds: float) -> str:
    return str(int(seconds) + (0 if seconds.is_integer() else 1))
