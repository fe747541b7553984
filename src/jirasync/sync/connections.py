"""Connections as the sync uses them: a stored row (URL, options, encrypted credentials) turned
into a ready client with its metadata cache, kept for the life of the process.

Credentials are decrypted here and nowhere else, and only into the auth objects of the clients.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError
from sqlalchemy import select

from jirasync.connectors.hackerone import ApiTokenAuth, HackerOneClient
from jirasync.connectors.hackerone.client import DEFAULT_RETRY as HACKERONE_RETRY
from jirasync.connectors.http import RetryOptions
from jirasync.connectors.jira import BearerAuth, JiraClient, OAuth1RsaAuth, basic_auth
from jirasync.connectors.jira.metadata import MetadataCache
from jirasync.connectors.pagerduty import ApiKeyAuth, PagerDutyClient
from jirasync.crypto import SecretBox
from jirasync.store.credentials import open_credentials
from jirasync.store.db import Database
from jirasync.store.models import Connection


class UnusableConnection(ValueError):
    """A connection row cannot be used: unknown, disabled, or credentials that do not fit."""


CREDENTIALS_OF: dict[str, type[BaseModel]] = {}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JiraCredentials(_Strict):
    auth: Literal["basic", "pat", "oauth1"] = "basic"
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None
    consumer_key: str | None = None
    private_key: SecretStr | None = None
    access_token: SecretStr | None = None
    token_secret: SecretStr | None = None
    # Authenticates Jira's webhook calls: part of the callback URL, and the DC 10 HMAC secret.
    webhook_token: SecretStr
    webhook_secret: SecretStr | None = None


class PagerDutyCredentials(_Strict):
    api_key: SecretStr
    # Signing secrets of our webhook subscriptions, by subscription id (PagerDuty shows each
    # only once, in the create response).
    webhook_secrets: dict[str, SecretStr] = {}


class HackerOneCredentials(_Strict):
    identifier: str
    token: SecretStr
    webhook_secret: SecretStr


CREDENTIALS_OF.update(
    jira=JiraCredentials, pagerduty=PagerDutyCredentials, hackerone=HackerOneCredentials
)


@dataclass
class JiraConnection:
    id: int
    name: str
    base_url: str
    client: JiraClient
    metadata: MetadataCache
    credentials: JiraCredentials
    own_users: frozenset[str]


@dataclass
class PagerDutyConnection:
    id: int
    name: str
    base_url: str
    client: PagerDutyClient
    credentials: PagerDutyCredentials
    from_email: str | None
    own_user_ids: frozenset[str]
    priorities: dict[str, str] = field(default_factory=dict)  # id → name, loaded lazily


@dataclass
class HackerOneConnection:
    id: int
    name: str
    base_url: str
    client: HackerOneClient
    credentials: HackerOneCredentials
    program: str
    web_base: str
    own_users: frozenset[str]


AnyConnection = JiraConnection | PagerDutyConnection | HackerOneConnection


class ConnectionPool:
    """One built connection per row id, rebuilt when the row changes (`updated_at`).

    The row is read again at most every `recheck_seconds`: every event looks its connections
    up several times, and an edit made in another process may take that long to apply.
    """

    def __init__(self, db: Database, secrets: SecretBox, recheck_seconds: float = 5.0) -> None:
        self._db = db
        self._secrets = secrets
        self._built: dict[int, tuple[Any, AnyConnection]] = {}
        self._checked: dict[int, float] = {}
        self._recheck_seconds = recheck_seconds
        self._lock = asyncio.Lock()

    async def get(self, connection_id: int) -> AnyConnection:
        built = self._built.get(connection_id)
        checked = self._checked.get(connection_id)
        fresh = checked is not None and time.monotonic() - checked < self._recheck_seconds
        if built is not None and fresh:
            return built[1]
        self._checked.pop(connection_id, None)
        row = await self._row(connection_id)
        self._checked[connection_id] = time.monotonic()
        built = self._built.get(connection_id)
        if built is not None and built[0] == row.updated_at:
            return built[1]
        async with self._lock:
            built = self._built.get(connection_id)
            if built is not None and built[0] == row.updated_at:
                return built[1]
            if built is not None:
                await _close(built[1])
            connection = self._build(row)
            self._built[connection_id] = (row.updated_at, connection)
            return connection

    async def jira(self, connection_id: int) -> JiraConnection:
        connection = await self.get(connection_id)
        if not isinstance(connection, JiraConnection):
            raise UnusableConnection(f"connection {connection_id} is not a Jira instance")
        return connection

    async def pagerduty(self, connection_id: int) -> PagerDutyConnection:
        connection = await self.get(connection_id)
        if not isinstance(connection, PagerDutyConnection):
            raise UnusableConnection(f"connection {connection_id} is not a PagerDuty account")
        return connection

    async def hackerone(self, connection_id: int) -> HackerOneConnection:
        connection = await self.get(connection_id)
        if not isinstance(connection, HackerOneConnection):
            raise UnusableConnection(f"connection {connection_id} is not a HackerOne program")
        return connection

    async def close(self) -> None:
        for _, connection in self._built.values():
            await _close(connection)
        self._built.clear()
        self._checked.clear()

    def forget(self, connection_id: int | None = None) -> None:
        """Read the row(s) again on next use: this process just changed them."""
        if connection_id is None:
            self._checked.clear()
        else:
            self._checked.pop(connection_id, None)

    async def _row(self, connection_id: int) -> Connection:
        async with self._db.sessions() as session:
            row = await session.scalar(select(Connection).where(Connection.id == connection_id))
        if row is None:
            raise UnusableConnection(f"connection {connection_id} does not exist")
        if not row.enabled:
            raise UnusableConnection(f"connection {row.name!r} is disabled")
        return row

    def _build(self, row: Connection) -> AnyConnection:
        options = row.options or {}
        try:
            if row.kind == "jira":
                return _jira(row, open_credentials(row, self._secrets, JiraCredentials), options)
            if row.kind == "pagerduty":
                pd = open_credentials(row, self._secrets, PagerDutyCredentials)
                return _pagerduty(row, pd, options)
            if row.kind == "hackerone":
                h1 = open_credentials(row, self._secrets, HackerOneCredentials)
                return _hackerone(row, h1, options)
        except ValidationError as exc:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in exc.errors())
            raise UnusableConnection(
                f"connection {row.name!r}: credentials invalid ({fields})"
            ) from None
        raise UnusableConnection(f"connection {row.name!r} has unknown kind {row.kind!r}")


def _jira(row: Connection, credentials: JiraCredentials, options: dict[str, Any]) -> JiraConnection:
    client = JiraClient(row.base_url, auth=_jira_auth(row.name, credentials))
    own = {str(u) for u in options.get("own_users", [])}
    if credentials.username:
        own.add(credentials.username)
    return JiraConnection(
        id=row.id,
        name=row.name,
        base_url=row.base_url,
        client=client,
        metadata=MetadataCache(client),
        credentials=credentials,
        own_users=frozenset(own),
    )


def _jira_auth(name: str, c: JiraCredentials) -> Any:
    if c.auth == "basic" and c.username and c.password:
        return basic_auth(c.username, c.password.get_secret_value())
    if c.auth == "pat" and c.token:
        return BearerAuth(c.token.get_secret_value())
    if c.auth == "oauth1" and c.consumer_key and c.private_key and c.access_token:
        secret = c.token_secret.get_secret_value() if c.token_secret else ""
        return OAuth1RsaAuth(
            c.consumer_key,
            c.private_key.get_secret_value(),
            c.access_token.get_secret_value(),
            secret,
        )
    raise UnusableConnection(f"connection {name!r}: {c.auth} authentication is missing its secrets")


def _pagerduty(
    row: Connection, credentials: PagerDutyCredentials, options: dict[str, Any]
) -> PagerDutyConnection:
    from_email = options.get("from_email")
    client = PagerDutyClient(
        row.base_url, auth=ApiKeyAuth(credentials.api_key.get_secret_value()), from_email=from_email
    )
    return PagerDutyConnection(
        id=row.id,
        name=row.name,
        base_url=row.base_url,
        client=client,
        credentials=credentials,
        from_email=from_email,
        own_user_ids=frozenset(str(u) for u in options.get("own_user_ids", [])),
    )


def _hackerone(
    row: Connection, credentials: HackerOneCredentials, options: dict[str, Any]
) -> HackerOneConnection:
    auth = ApiTokenAuth(credentials.identifier, credentials.token.get_secret_value())
    program = str(options.get("program") or "")
    if not program:
        raise UnusableConnection(
            f"connection {row.name!r}: options.program (the handle) is missing"
        )
    return HackerOneConnection(
        id=row.id,
        name=row.name,
        base_url=row.base_url,
        client=HackerOneClient(row.base_url, auth=auth, retry=_hackerone_retry(options)),
        credentials=credentials,
        program=program,
        web_base=str(options.get("web_base") or "https://hackerone.com"),
        own_users=frozenset({credentials.identifier, *map(str, options.get("own_users", []))}),
    )


def _hackerone_retry(options: dict[str, Any]) -> RetryOptions:
    """HackerOne's 429 carries no Retry-After: `retry_backoff_s` sets the first wait."""
    backoff = options.get("retry_backoff_s")
    if backoff is None:
        return HACKERONE_RETRY
    return replace(HACKERONE_RETRY, base_backoff_s=float(backoff))


async def _close(connection: AnyConnection) -> None:
    await connection.client.aclose()
