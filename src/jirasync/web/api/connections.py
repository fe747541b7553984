"""Connections (Jira instances, PagerDuty accounts, HackerOne programs): create, read, change,
delete, test, and their webhooks.

Credentials are write-only: they are validated and sealed on the way in and never come back,
not even masked; an answer says only `has_credentials`. A change that gives no `credentials`
keeps the stored ones; one that gives them replaces them, except the secrets jirasync made
itself (the Jira webhook URL token, PagerDuty subscription secrets).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jirasync.store.models import Connection
from jirasync.sync.connection_check import check_connection
from jirasync.sync.registration import check_webhooks
from jirasync.sync.setup import seal_connection_credentials
from jirasync.web.api.deps import DB, Caller, Id, Runtime, Secrets, service_of
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError
from jirasync.web.api.paging import Page, PageInfo

router = APIRouter(prefix="/connections", tags=["connections"], responses=ERROR_RESPONSES)

Kind = Literal["jira", "pagerduty", "hackerone"]


class ConnectionIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Kind
    base_url: str = Field(min_length=1, max_length=500, pattern=r"^https?://\S+$")
    enabled: bool = True
    options: dict[str, Any] = Field(default_factory=dict)
    credentials: dict[str, Any] = Field(
        description="Write-only. Jira: auth (basic|pat|oauth1) with username/password, token, "
        "or consumer_key/private_key/access_token/token_secret; PagerDuty: api_key; "
        "HackerOne: identifier, token, webhook_secret."
    )


class ConnectionPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    base_url: str | None = Field(None, min_length=1, max_length=500, pattern=r"^https?://\S+$")
    enabled: bool | None = None
    options: dict[str, Any] | None = None
    credentials: dict[str, Any] | None = Field(None, description="Write-only; replaces them.")


class ConnectionOut(BaseModel):
    id: int
    name: str
    kind: str
    base_url: str
    enabled: bool
    options: dict[str, Any]
    has_credentials: bool
    webhook_url: str | None = Field(
        description="Where the remote sends webhooks (Jira's holds a secret: not shown)."
    )
    created_at: datetime
    updated_at: datetime


class ConnectionList(PageInfo):
    connections: list[ConnectionOut]


class CheckOut(BaseModel):
    name: str
    ok: bool
    detail: str


class TestOut(BaseModel):
    connection_id: int
    ok: bool
    checks: list[CheckOut]


class FindingOut(BaseModel):
    kind: str
    detail: str
    fix: str


class WebhooksOut(BaseModel):
    connection_id: int
    healthy: bool
    findings: list[FindingOut]
    fixed: list[str]
    errors: list[str]
    instructions: list[str]


def public_url(request: Request) -> str:
    return service_of(request).settings.callback_url


def out(row: Connection, public: str) -> ConnectionOut:
    hook = None if row.kind == "jira" else f"{public}/webhooks/{row.kind}/{row.id}"
    return ConnectionOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        base_url=row.base_url,
        enabled=row.enabled,
        options=row.options or {},
        has_credentials=bool(row.credentials_encrypted),
        webhook_url=hook,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


@router.get("", response_model=ConnectionList)
async def list_connections(
    request: Request,
    db: DB,
    who: Caller,
    page: Page,
    kind: Annotated[Kind | None, Query(description="Only connections of this kind.")] = None,
) -> Any:
    query = select(Connection)
    if kind is not None:
        query = query.where(Connection.kind == kind)
    async with db.sessions() as session:
        total, rows = await page.rows(session, query, Connection.id)
    public = public_url(request)
    return {**page.page(total), "connections": [out(r, public) for r in rows]}


@router.post("", response_model=ConnectionOut, status_code=201)
async def create_connection(
    body: ConnectionIn, request: Request, db: DB, secrets: Secrets, who: Caller
) -> Any:
    row = Connection(
        name=body.name,
        kind=body.kind,
        base_url=body.base_url.rstrip("/"),
        enabled=body.enabled,
        options=body.options,
    )
    _seal(row, secrets, body.credentials)
    await _save(db, row)
    return out(row, public_url(request))


@router.get("/{connection_id}", response_model=ConnectionOut)
async def get_connection(connection_id: Id, request: Request, db: DB, who: Caller) -> Any:
    return out(await connection_row(db, connection_id), public_url(request))


@router.patch("/{connection_id}", response_model=ConnectionOut)
async def change_connection(
    connection_id: Id,
    body: ConnectionPatch,
    request: Request,
    db: DB,
    secrets: Secrets,
    runtime: Runtime,
    who: Caller,
) -> Any:
    try:
        async with db.sessions() as session, session.begin():
            row = await session.get(Connection, connection_id)
            if row is None:
                raise ApiError(404, f"no connection {connection_id}")
            _change(row, body, secrets)
    except IntegrityError:
        raise ApiError(409, f"a connection named {body.name!r} exists already") from None
    runtime.pool.forget(connection_id)  # this process's events use the change at once
    return out(row, public_url(request))


def _change(row: Connection, body: ConnectionPatch, secrets: Any) -> None:
    if body.name is not None:
        row.name = body.name
    if body.base_url is not None:
        row.base_url = body.base_url.rstrip("/")
    if body.enabled is not None:
        row.enabled = body.enabled
    if body.options is not None:
        row.options = body.options
    if body.credentials is not None:
        _seal(row, secrets, body.credentials)


@router.delete("/{connection_id}", status_code=204)
async def delete_connection(connection_id: Id, db: DB, who: Caller) -> Response:
    """Delete the connection with its rules, user mappings and links (its events stay)."""
    async with db.sessions() as session, session.begin():
        row = await session.get(Connection, connection_id)
        if row is None:
            raise ApiError(404, f"no connection {connection_id}")
        await session.delete(row)
    return Response(status_code=204)


@router.post("/{connection_id}/test", response_model=TestOut)
async def test(
    connection_id: Id, request: Request, db: DB, secrets: Secrets, runtime: Runtime, who: Caller
) -> Any:
    """Check live what works and what is missing: reachability, credentials, the rules'
    projects, issue types and services, and the webhooks."""
    await connection_row(db, connection_id)
    report = await check_connection(runtime, secrets, connection_id, public_url(request))
    return TestOut(
        connection_id=connection_id,
        ok=report.ok,
        checks=[CheckOut(name=c.name, ok=c.ok, detail=c.detail) for c in report.checks],
    )


@router.get("/{connection_id}/webhooks", response_model=WebhooksOut)
async def webhooks(
    connection_id: Id, request: Request, db: DB, secrets: Secrets, runtime: Runtime, who: Caller
) -> Any:
    """What is missing or wrong with the webhooks this connection needs ("Check webhooks")."""
    return await _webhooks(connection_id, request, db, secrets, runtime, fix=False)


@router.post("/{connection_id}/webhooks/fix", response_model=WebhooksOut)
async def fix_webhooks(
    connection_id: Id, request: Request, db: DB, secrets: Secrets, runtime: Runtime, who: Caller
) -> Any:
    """Create, repair or delete this connection's webhooks as needed."""
    return await _webhooks(connection_id, request, db, secrets, runtime, fix=True)


async def _webhooks(
    connection_id: int,
    request: Request,
    db: Any,
    secrets: Any,
    runtime: Any,
    fix: bool,
) -> WebhooksOut:
    row = await connection_row(db, connection_id)
    if not row.enabled:
        raise ApiError(422, f"connection {row.name!r} is disabled")
    reports = await check_webhooks(runtime, secrets, public_url(request), fix, only=connection_id)
    report = reports[0]
    return WebhooksOut(
        connection_id=connection_id,
        healthy=report.healthy,
        findings=[FindingOut(kind=f.kind, detail=f.detail, fix=f.fix) for f in report.findings],
        fixed=report.fixed,
        errors=report.errors,
        instructions=report.instructions,
    )


async def connection_row(db: Any, connection_id: int, kind: str | None = None) -> Connection:
    async with db.sessions() as session:
        row: Connection | None = await session.get(Connection, connection_id)
    if row is None or (kind is not None and row.kind != kind):
        what = f"{kind} connection" if kind else "connection"
        raise ApiError(404, f"no {what} {connection_id}")
    return row


# What each Jira authentication scheme cannot do without.
_JIRA_NEEDS = {
    "basic": ("username", "password"),
    "pat": ("token",),
    "oauth1": ("consumer_key", "private_key", "access_token"),
}


def _seal(row: Connection, secrets: Any, given: dict[str, Any]) -> None:
    if row.kind == "jira":
        scheme = str(given.get("auth", "basic"))
        missing = [k for k in _JIRA_NEEDS.get(scheme, ()) if not given.get(k)]
        if missing:
            problems = [f"credentials.{k}: required with auth {scheme}" for k in missing]
            raise ApiError(400, "Invalid Input Provided", problems)
    try:
        seal_connection_credentials(row, secrets, given)
    except ValidationError as exc:
        problems = [f"credentials.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise ApiError(400, "Invalid Input Provided", problems) from None


async def _save(db: Any, row: Connection) -> None:
    try:
        async with db.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:
        raise ApiError(409, f"a connection named {row.name!r} exists already") from None
