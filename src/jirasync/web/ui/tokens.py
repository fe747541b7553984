"""The API tokens page: the tokens (name, role, prefix, who made it, last use, revoked); admins
create one (shown on the answer page once, never again: only its hash is kept) and revoke one.
Viewers see the list, as the API lets them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from jirasync.access.accounts import AccessError, create_token, list_tokens, revoke_token
from jirasync.store.models import AccountRole
from jirasync.web.ui.access import Admin, Refused, Viewer, service_of
from jirasync.web.ui.render import back, page

router = APIRouter()

TokenId = Annotated[int, Path(ge=0, le=2**31 - 1)]


@router.get("/tokens")
async def tokens_page(request: Request, who: Viewer) -> Response:
    return await _page(request)


@router.post("/tokens")
async def create(
    request: Request,
    who: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[AccountRole, Form()] = AccountRole.VIEWER,
) -> Response:
    try:
        made = await create_token(service_of(request).db, name, role, created_by=who.name)
    except AccessError as exc:
        return await _page(request, problem=str(exc), status=400)
    answer = await _page(request, made=made.info, token=made.token.get_secret_value())
    answer.headers["Cache-Control"] = "no-store"  # the token must not stay in any cache
    return answer


@router.post("/tokens/{token_id}/revoke")
async def revoke(request: Request, who: Admin, token_id: TokenId) -> Response:
    info = await revoke_token(service_of(request).db, token_id)
    if info is None:
        raise Refused(404, f"no token {token_id}")
    return back(request, "/tokens", f"Token {info.name!r} revoked: it no longer works.")


async def _page(
    request: Request,
    problem: str | None = None,
    status: int = 200,
    **shown_once: object,
) -> Response:
    return page(
        request,
        "tokens.html",
        status,
        tokens=await list_tokens(service_of(request).db),
        roles=[r.value for r in AccountRole],
        problem=problem,
        made=shown_once.get("made"),
        token=shown_once.get("token"),
    )
