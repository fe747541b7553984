"""Who is asking, and may they: the dependencies every API route (but login) runs.

A request authenticates with `Authorization: Bearer <API token>` or with the session cookie of
a signed-in browser. Reads need any role; changes (every method but GET/HEAD/OPTIONS) need the
admin role and, with the cookie, the session's CSRF token (tokens in a header cannot be sent by
another site, so they need none).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request
from pydantic import Field

from jirasync.access.accounts import Principal, principal_for_token
from jirasync.crypto import SecretBox
from jirasync.engine.service import Service
from jirasync.store.db import Database
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.api.errors import ApiError
from jirasync.web.security import SAFE_METHODS, csrf_valid
from jirasync.web.signin import session_principal

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="jirasync"'}


def service_of(request: Request) -> Service:
    service: Service = request.app.state.service
    return service


def db_of(request: Request) -> Database:
    return service_of(request).db


def secrets_of(request: Request) -> SecretBox:
    return service_of(request).secrets


def runtime_of(request: Request) -> SyncRuntime:
    runtime: SyncRuntime = request.app.state.sync
    return runtime


async def authenticated(request: Request) -> Principal:
    db = db_of(request)
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        found = await principal_for_token(db, token.strip()) if scheme.lower() == "bearer" else None
        if found is None:
            raise _unauthorized("the API token is not valid (unknown, revoked or malformed)")
        return found
    signed_in = await session_principal(request, db)
    if signed_in is not None:
        request.state.via_session = True
        return signed_in
    raise _unauthorized("authentication required: an API token (Authorization: Bearer) or a login")


async def authorized(
    request: Request, who: Annotated[Principal, Depends(authenticated)]
) -> Principal:
    if request.method in SAFE_METHODS:
        return who
    if getattr(request.state, "via_session", False) and not await csrf_valid(request):
        raise ApiError(403, "CSRF token missing or wrong: send the session's X-CSRF-Token")
    if not who.can_change:
        raise ApiError(403, f"Authorization error: {who.role.value} may only read")
    return who


def _unauthorized(message: str) -> ApiError:
    error = ApiError(401, message)
    error.headers = _CHALLENGE
    return error


Caller = Annotated[Principal, Depends(authorized)]
DB = Annotated[Database, Depends(db_of)]
Secrets = Annotated[SecretBox, Depends(secrets_of)]
Runtime = Annotated[SyncRuntime, Depends(runtime_of)]

# Ids as the store keeps them: a larger number is a 400, not a database overflow.
MAX_ID = 2**31 - 1
Id = Annotated[int, Path(ge=0, le=MAX_ID, description="The record's id.")]
QueryId = Annotated[int | None, Query(ge=0, le=MAX_ID)]
RowId = Annotated[int, Field(ge=0, le=MAX_ID)]
