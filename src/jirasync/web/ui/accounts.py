"""The accounts page, for admins only: who may sign in, with which role; add an account, change
its role, disable or enable it, set a new password (its sessions end). The last enabled admin
cannot be demoted or disabled; passwords follow the same policy as the API and the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from pydantic import SecretStr

from jirasync.access.accounts import (
    AccessError,
    AccountChange,
    LastAdmin,
    UnknownAccount,
    change_account,
    create_account,
    list_accounts,
)
from jirasync.store.models import AccountRole
from jirasync.web.ui.access import Admin, Refused, service_of
from jirasync.web.ui.render import back, page

router = APIRouter()

AccountId = Annotated[int, Path(ge=0, le=2**31 - 1)]
Role = Annotated[AccountRole, Form()]
Password = Annotated[str, Form(max_length=1024)]


@router.get("/accounts")
async def accounts_page(request: Request, who: Admin) -> Response:
    return await _page(request)


@router.post("/accounts")
async def add(
    request: Request,
    who: Admin,
    username: Annotated[str, Form(max_length=150)] = "",
    password: Password = "",
    role: Role = AccountRole.VIEWER,
) -> Response:
    try:
        await create_account(service_of(request).db, username, SecretStr(password), role)
    except AccessError as exc:
        values = {"username": username, "role": role.value}
        return await _page(request, values, str(exc), status=400)
    return back(request, "/accounts", f"Account {username.strip()!r} added ({role.value}).")


@router.post("/accounts/{account_id}/role")
async def set_role(request: Request, who: Admin, account_id: AccountId, role: Role) -> Response:
    return await _change(request, account_id, AccountChange(role=role), f"is now a {role.value}")


@router.post("/accounts/{account_id}/disable")
async def disable(request: Request, who: Admin, account_id: AccountId) -> Response:
    return await _change(request, account_id, AccountChange(enabled=False), "is disabled")


@router.post("/accounts/{account_id}/enable")
async def enable(request: Request, who: Admin, account_id: AccountId) -> Response:
    return await _change(request, account_id, AccountChange(enabled=True), "is enabled")


@router.post("/accounts/{account_id}/password")
async def set_password(
    request: Request, who: Admin, account_id: AccountId, password: Password = ""
) -> Response:
    change = AccountChange(password=SecretStr(password))
    return await _change(request, account_id, change, "has a new password")


async def _change(request: Request, account_id: int, change: AccountChange, done: str) -> Response:
    try:
        row = await change_account(service_of(request).db, account_id, change)
    except UnknownAccount as exc:
        raise Refused(404, str(exc)) from None
    except LastAdmin as exc:
        return await _page(request, {}, str(exc), status=409)
    except AccessError as exc:
        return await _page(request, {}, str(exc), status=400)
    return back(request, "/accounts", f"{row.username} {done}.")


async def _page(
    request: Request,
    values: dict[str, str] | None = None,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "accounts.html",
        status,
        accounts=await list_accounts(service_of(request).db),
        roles=[r.value for r in AccountRole],
        values=values or {},
        problem=problem,
    )
