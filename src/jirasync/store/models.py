"""The schema: connections, rules, user mappings, links, and the inbox that is also the queue.

Every change here needs a migration in `migrations/versions/`; a test compares both.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jirasync.store.types import UTCDateTime, utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY, so BIGINT ids fall back to INTEGER there.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ConnectionKind(StrEnum):
    JIRA = "jira"
    PAGERDUTY = "pagerduty"
    HACKERONE = "hackerone"


class Connection(Timestamps, Base):
    """A Jira instance, a PagerDuty account or a HackerOne program."""

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200), unique=True)
    base_url: Mapped[str] = mapped_column(String(500))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Non-secret settings (auth scheme, "From" email, account id, webhook ids …).
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Fernet token of a JSON object; see jirasync.crypto. Never returned by the API.
    credentials_encrypted: Mapped[str] = mapped_column(Text, default="")

    def __repr__(self) -> str:
        return f"Connection(id={self.id!r}, kind={self.kind!r}, name={self.name!r})"


class Rule(Timestamps, Base):
    __tablename__ = "rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    jira_connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    definition: Mapped[dict[str, Any]] = mapped_column(default=dict)


class UserMapping(Timestamps, Base):
    """A Jira user paired with a PagerDuty / HackerOne user; `is_fallback` marks the default."""

    __tablename__ = "user_mappings"
    __table_args__ = (UniqueConstraint("jira_connection_id", "connection_id", "remote_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    jira_connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    connection_id: Mapped[int] = mapped_column(ForeignKey("connections.id", ondelete="CASCADE"))
    jira_user: Mapped[str] = mapped_column(String(255))
    remote_user: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(320))
    is_fallback: Mapped[bool] = mapped_column(Boolean, default=False)


class Link(Timestamps, Base):
    """A source object (incident, report, issue) paired with its Jira issue.

    One link per source object, and per Jira issue at most one link to each source connection.
    `last_synced` holds the values last written either way, the echo guard.
    """

    __tablename__ = "links"
    __table_args__ = (
        UniqueConstraint("source_connection_id", "source_type", "source_id"),
        UniqueConstraint("jira_connection_id", "issue_id", "source_connection_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(100))
    jira_connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    issue_id: Mapped[str] = mapped_column(String(50))
    issue_key: Mapped[str] = mapped_column(String(100), index=True)
    last_synced: Mapped[dict[str, Any]] = mapped_column(default=dict)
    sync_status: Mapped[str] = mapped_column(String(16), default="ok")
    last_error: Mapped[str | None] = mapped_column(Text)


class CommentLink(Base):
    __tablename__ = "comment_links"
    __table_args__ = (
        UniqueConstraint("link_id", "source_comment_id"),
        UniqueConstraint("link_id", "issue_comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("links.id", ondelete="CASCADE"))
    source_comment_id: Mapped[str] = mapped_column(String(100))
    issue_comment_id: Mapped[str] = mapped_column(String(100))
    # Which side the comment was written on first: "source" or "jira".
    origin: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CreateIntent(Timestamps, Base):
    """Written before a remote create, so a retried create first looks for its own marker."""

    __tablename__ = "create_intents"
    __table_args__ = (
        UniqueConstraint(
            "source_connection_id", "source_type", "source_id", "target_connection_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    source_type: Mapped[str] = mapped_column(String(32))
    source_id: Mapped[str] = mapped_column(String(100))
    target_connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE")
    )
    # Sent with the create (PagerDuty incident_key, Jira label) and searched for on retry.
    marker: Mapped[str] = mapped_column(String(100), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    remote_id: Mapped[str | None] = mapped_column(String(100))


class EventStatus(StrEnum):
    PENDING = "pending"
    RETRYING = "retrying"
    RUNNING = "running"
    DONE = "done"
    IGNORED = "ignored"
    DEAD = "dead"


# Statuses that still hold their ordering key: later events of the key wait behind them.
ACTIVE_STATUSES = (EventStatus.PENDING, EventStatus.RETRYING, EventStatus.RUNNING)

# Queue indexes cover only active events, so claiming never walks the finished history.
_ACTIVE_ONLY = text("status IN ('pending', 'retrying', 'running')")


class InboxEvent(Base):
    """A received webhook or polled change; the queue's unit of work.

    `available_at` is when the event may next be claimed: the arrival time, the retry time, or,
    while running, the end of the worker's lease.
    """

    __tablename__ = "inbox_events"
    __table_args__ = (
        Index("ix_inbox_events_status_available_at", "status", "available_at"),
        Index(
            "ix_inbox_events_active_id",
            "id",
            postgresql_where=_ACTIVE_ONLY,
            sqlite_where=_ACTIVE_ONLY,
        ),
        Index(
            "ix_inbox_events_active_ordering_key",
            "ordering_key",
            "id",
            postgresql_where=_ACTIVE_ONLY,
            sqlite_where=_ACTIVE_ONLY,
        ),
        Index("ix_inbox_events_connection_id_status", "connection_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    connection_id: Mapped[int | None] = mapped_column(
        ForeignKey("connections.id", ondelete="SET NULL")
    )
    delivery_id: Mapped[str] = mapped_column(String(200))
    # source, connection and delivery id in one non-null value, unique on both databases.
    dedup_key: Mapped[str] = mapped_column(String(300), unique=True)
    ordering_key: Mapped[str] = mapped_column(String(300))
    headers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    token: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default=EventStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    finished_at: Mapped[datetime | None]
    # Why the event is in its status: the ignore reason, or the last error with the remote's
    # own message.
    reason: Mapped[str | None] = mapped_column(Text)
    # Transient failures since arrival or the last replay; bounded by retry.max_attempts.
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class EventAttempt(Base):
    """One run of a handler on an event: the activity log's unit."""

    __tablename__ = "event_attempts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    event_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("inbox_events.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    # What the handler did, in order: [{"at": ..., "message": ..., **data}, ...].
    actions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    retry_at: Mapped[datetime | None]


class RemoteCall(Base):
    """A call to Jira, PagerDuty or HackerOne made during an attempt."""

    __tablename__ = "remote_calls"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("event_attempts.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    system: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(1000))
    status: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[float]
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]


class ReconcilerCursor(Base):
    """How far the reconciler has read one connection's changes (an opaque per-source cursor:
    epoch ms for Jira and PagerDuty, the incremental-activities cursor for HackerOne)."""

    __tablename__ = "reconciler_cursors"

    connection_id: Mapped[int] = mapped_column(
        ForeignKey("connections.id", ondelete="CASCADE"), primary_key=True
    )
    cursor: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AccountRole(StrEnum):
    ADMIN = "admin"  # may change anything
    VIEWER = "viewer"  # may read everything but secrets


class Account(Timestamps, Base):
    """A person who logs in to the UI or the API with a password (argon2 hash only)."""

    __tablename__ = "accounts"
    __table_args__ = (Index(None, "oidc_issuer", "oidc_subject", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=AccountRole.VIEWER)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None]
    # Set on accounts made by single sign-on: who the OIDC provider says this person is.
    oidc_issuer: Mapped[str | None] = mapped_column(String(500))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))


class ApiToken(Base):
    """A bearer token for the REST API. Only its SHA-256 is stored: the token is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # A random 256-bit token needs no slow hash: SHA-256 cannot be reversed or guessed.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The token's first characters, so a person can tell tokens apart in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginLink(Base):
    """A one-time login link (the demo prints one): used once, or expired, it signs in nobody.
    Only the token's SHA-256 is stored."""

    __tablename__ = "login_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
