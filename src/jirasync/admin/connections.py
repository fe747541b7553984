"""Connections as an admin manages them: create, change (credentials write-only), find, test
live, and check or repair their webhooks."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from jirasync.admin.errors import Refusal
from jirasync.connectors.registration import Finding
from jirasync.crypto import SecretBox
from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.sync.connection_check import ConnectionReport, check_connection
from jirasync.sync.registration import Report, check_webhooks
from jirasync.sync.runtime import SyncRuntime
from jirasync.sync.setup import seal_connection_credentials

KINDS = ("jira", "pagerduty", "hackerone")

# What each Jira authentication scheme cannot do without.
JIRA_NEEDS = {
    "basic": ("username", "password"),
    "pat": ("token",),
    "oauth1": ("consumer_key", "private_key", "access_token"),
}


@dataclass
class ConnectionFields:
    """A new connection, or (fields left None) the changes to one."""

    name: str | None = None
    kind: str | None = None
    base_url: str | None = None
    enabled: bool | None = None
    options: dict[str, Any] | None = None
    credentials: dict[str, Any] | None = field(default=None, repr=False)


def webhook_url(row: Connection, public: str) -> str | None:
    """Where the remote sends webhooks; Jira's holds a secret token and is never shown."""
    return None if row.kind == "jira" else f"{public}/webhooks/{row.kind}/{row.id}"


async def connection_row(db: Database, connection_id: int, kind: str | None = None) -> Connection:
    async with db.sessions() as session:
        row: Connection | None = await session.get(Connection, connection_id)
    if row is None or (kind is not None and row.kind != kind):
        what = f"{kind} connection" if kind else "connection"
        raise Refusal(404, f"no {what} {connection_id}")
    return row


async def create_connection(db: Database, secrets: SecretBox, new: ConnectionFields) -> Connection:
    assert new.name and new.kind and new.base_url and new.credentials is not None
    row = Connection(
        name=new.name,
        kind=new.kind,
        base_url=new.base_url.rstrip("/"),
        enabled=True if new.enabled is None else new.enabled,
        options=new.options or {},
    )
    seal(row, secrets, new.credentials)
    try:
        async with db.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:
        raise Refusal(409, f"a connection named {row.name!r} exists already") from None
    return row


async def change_connection(
    runtime: SyncRuntime, secrets: SecretBox, connection_id: int, change: ConnectionFields
) -> Connection:
    try:
        async with runtime.db.sessions() as session, session.begin():
            row = await session.get(Connection, connection_id)
            if row is None:
                raise Refusal(404, f"no connection {connection_id}")
            _apply(row, change, secrets)
    except IntegrityError:
        raise Refusal(409, f"a connection named {change.name!r} exists already") from None
    runtime.pool.forget(connection_id)  # this process's events use the change at once
    return row


def _apply(row: Connection, change: ConnectionFields, secrets: SecretBox) -> None:
    if change.name is not None:
        row.name = change.name
    if change.base_url is not None:
        row.base_url = change.base_url.rstrip("/")
    if change.enabled is not None:
        row.enabled = change.enabled
    if change.options is not None:
        row.options = change.options
    if change.credentials is not None:
        seal(row, secrets, change.credentials)


async def delete_connection(db: Database, connection_id: int) -> None:
    """With its rules, user mappings and links (its events stay)."""
    async with db.sessions() as session, session.begin():
        row = await session.get(Connection, connection_id)
        if row is None:
            raise Refusal(404, f"no connection {connection_id}")
        await session.delete(row)


def seal(row: Connection, secrets: SecretBox, given: dict[str, Any]) -> None:
    """Check the credentials for the connection's kind and keep them encrypted."""
    if row.kind == "jira":
        scheme = str(given.get("auth", "basic"))
        missing = [k for k in JIRA_NEEDS.get(scheme, ()) if not given.get(k)]
        if missing:
            problems = [f"credentials.{k}: required with auth {scheme}" for k in missing]
            raise Refusal(400, "Invalid Input Provided", problems)
    try:
        seal_connection_credentials(row, secrets, given)
    except ValidationError as exc:
        problems = [f"credentials.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise Refusal(400, "Invalid Input Provided", problems) from None


async def test_connection(
    runtime: SyncRuntime, secrets: SecretBox, connection_id: int, public: str
) -> ConnectionReport:
    """Live: reachable, credentials, the rules' projects, types and services, webhooks."""
    await connection_row(runtime.db, connection_id)
    return await check_connection(runtime, secrets, connection_id, public)


async def webhooks(
    runtime: SyncRuntime,
    secrets: SecretBox,
    connection_id: int,
    public: str,
    fix: bool,
    only_finding: str | None = None,
) -> Report:
    """ "Check webhooks": the findings, each with its fix; with `fix` the repair (of every
    finding, or only the one whose `finding_key` is given)."""
    row = await connection_row(runtime.db, connection_id)
    if not row.enabled:
        raise Refusal(422, f"connection {row.name!r} is disabled")
    chosen = None if only_finding is None else (lambda f: finding_key(f) == only_finding)
    reports = await check_webhooks(runtime, secrets, public, fix, only=connection_id, chosen=chosen)
    return reports[0]


def finding_key(finding: Finding) -> str:
    """Names one finding across two checks of an unchanged remote (for a per-item fix)."""
    text = "|".join([finding.kind, finding.fix, finding.remote_id or "", finding.detail])
    return hashlib.sha256(text.encode()).hexdigest()[:16]
