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
from pydantic import BaseModel, Field
from sqlalchemy import select

from jirasync.admin import connections as admin
from jirasync.admin.connections import ConnectionFields, webhook_url
from jirasync.store.models import Connection
from jirasync.web.api.deps import DB, Caller, Id, Runtime, Secrets, service_of
from jirasync.web.api.errors import ERROR_RESPONSES
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
    return ConnectionOut(
        id=row.id,
        name=row.name,
        kind=row.kind,
        base_url=row.base_url,
        enabled=row.enabled,
        options=row.options or {},
        has_credentials=bool(row.credentials_encrypted),
        webhook_url=webhook_url(row, public),
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
    row = await admin.create_connection(db, secrets, ConnectionFields(**body.model_dump()))
    return out(row, public_url(request))


@router.get("/{connection_id}", response_model=ConnectionOut)
async def get_connection(connection_id: Id, request: Request, db: DB, who: Caller) -> Any:
    return out(await connection_row(db, connection_id), public_url(request))


@router.patch("/{connection_id}", response_model=ConnectionOut)
async def change_connection(
    connection_id: Id,
    body: ConnectionPatch,
    request: Request,
    secrets: Secrets,
    runtime: Runtime,
    who: Caller,
) -> Any:
    change = ConnectionFields(**body.model_dump())
    row = await admin.change_connection(runtime, secrets, connection_id, change)
    return out(row, public_url(request))


@router.delete("/{connection_id}", status_code=204)
async def delete_connection(connection_id: Id, db: DB, who: Caller) -> Response:
    """Delete the connection with its rules, user mappings and links (its events stay)."""
    await admin.delete_connection(db, connection_id)
    return Response(status_code=204)


@router.post("/{connection_id}/test", response_model=TestOut)
async def test(
    connection_id: Id, request: Request, secrets: Secrets, runtime: Runtime, who: Caller
) -> Any:
    """Check live what works and what is missing: reachability, credentials, the rules'
    projects, issue types and services, and the webhooks."""
    report = await admin.test_connection(runtime, secrets, connection_id, public_url(request))
    return TestOut(
        connection_id=connection_id,
        ok=report.ok,
        checks=[CheckOut(name=c.name, ok=c.ok, detail=c.detail) for c in report.checks],
    )


@router.get("/{connection_id}/webhooks", response_model=WebhooksOut)
async def webhooks(
    connection_id: Id, request: Request, secrets: Secrets, runtime: Runtime, who: Caller
) -> Any:
    """What is missing or wrong with the webhooks this connection needs ("Check webhooks")."""
    return await _webhooks(connection_id, request, secrets, runtime, fix=False)


@router.post("/{connection_id}/webhooks/fix", response_model=WebhooksOut)
async def fix_webhooks(
    connection_id: Id, request: Request, secrets: Secrets, runtime: Runtime, who: Caller
) -> Any:
    """Create, repair or delete this connection's webhooks as needed."""
    return await _webhooks(connection_id, request, secrets, runtime, fix=True)


async def _webhooks(
    connection_id: int, request: Request, secrets: Any, runtime: Any, fix: bool
) -> WebhooksOut:
    report = await admin.webhooks(runtime, secrets, connection_id, public_url(request), fix)
    return WebhooksOut(
        connection_id=connection_id,
        healthy=report.healthy,
        findings=[FindingOut(kind=f.kind, detail=f.detail, fix=f.fix) for f in report.findings],
        fixed=report.fixed,
        errors=report.errors,
        instructions=report.instructions,
    )


async def connection_row(db: Any, connection_id: int, kind: str | None = None) -> Connection:
    return await admin.connection_row(db, connection_id, kind)
