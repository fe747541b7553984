"""The queue's SQL: claim heads of ordering keys under a lease, renew, release, complete in
batches, and replay. Same statements on SQLite and PostgreSQL.

An event can be claimed when it is the oldest active event of its ordering key and its
`available_at` has passed (new, retry due, or the previous worker's lease expired). On
PostgreSQL, `FOR UPDATE SKIP LOCKED` lets concurrent claimers pass over each other's rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Connection,
    Table,
    Update,
    bindparam,
    case,
    exists,
    insert,
    literal_column,
    select,
    update,
)

from jirasync.engine.activity import RemoteCallRecord
from jirasync.store.db import Database
from jirasync.store.models import (
    ACTIVE_STATUSES,
    EventAttempt,
    EventStatus,
    InboxEvent,
    RemoteCall,
)
from jirasync.store.types import utcnow

events = cast(Table, InboxEvent.__table__)
attempts = cast(Table, EventAttempt.__table__)
remote_calls = cast(Table, RemoteCall.__table__)
_active = [status.value for status in ACTIVE_STATUSES]


def _is_active(status: Any) -> Any:
    # Literal values, not bound parameters: only then can PostgreSQL prove that the partial
    # "active events" indexes apply.
    return status.in_([literal_column(f"'{value}'") for value in _active])


@dataclass(frozen=True)
class ClaimedEvent:
    id: int
    source: str
    connection_id: int | None
    delivery_id: str
    ordering_key: str
    headers: dict[str, str]
    body: bytes
    token: str
    attempt: int
    retries: int
    received_at: datetime


@dataclass(frozen=True)
class Completion:
    """The result of one attempt, as written back to the event and the activity log."""

    event: ClaimedEvent
    owner: str
    status: EventStatus
    outcome: str
    reason: str | None
    started_at: datetime
    finished_at: datetime
    available_at: datetime | None = None
    retries: int = 0
    actions: list[dict[str, Any]] = field(default_factory=list)
    calls: list[RemoteCallRecord] = field(default_factory=list)


def _claim_statement() -> Update:
    earlier = events.alias("earlier")
    blocked = exists().where(
        earlier.c.ordering_key == events.c.ordering_key,
        earlier.c.id < events.c.id,
        _is_active(earlier.c.status),
    )
    ready = (
        select(events.c.id)
        .where(_is_active(events.c.status), events.c.available_at <= bindparam("now"), ~blocked)
        .order_by(events.c.id)
        .limit(bindparam("limit"))
        .with_for_update(skip_locked=True)
        .cte("ready")
    )
    return (
        update(events)
        .where(events.c.id == ready.c.id)
        .values(
            status=EventStatus.RUNNING.value,
            attempts=events.c.attempts + 1,
            # Still "running" means the previous worker lost its lease (crashed, was killed or
            # hung): that counts as a failure, so an event that kills its worker cannot loop.
            retries=case(
                (events.c.status == EventStatus.RUNNING.value, events.c.retries + 1),
                else_=events.c.retries,
            ),
            available_at=bindparam("lease_until"),
            lease_owner=bindparam("owner"),
        )
        .returning(
            events.c.id,
            events.c.source,
            events.c.connection_id,
            events.c.delivery_id,
            events.c.ordering_key,
            events.c.headers,
            events.c.body,
            events.c.token,
            events.c.attempts,
            events.c.retries,
            events.c.received_at,
        )
    )


# Built once: building the CTE, its alias and their cache key cost more than running the claim.
_CLAIM = _claim_statement()


async def claim(
    db: Database, *, owner: str, limit: int, lease_seconds: float
) -> list[ClaimedEvent]:
    now = utcnow()
    params = {
        "now": now,
        "limit": limit,
        "lease_until": now + timedelta(seconds=lease_seconds),
        "owner": owner,
    }
    rows = await db.statement(lambda conn: conn.execute(_CLAIM, params).all())
    claimed = [
        ClaimedEvent(
            id=row.id,
            source=row.source,
            connection_id=row.connection_id,
            delivery_id=row.delivery_id,
            ordering_key=row.ordering_key,
            headers=row.headers,
            body=row.body,
            token=row.token,
            attempt=row.attempts,
            retries=row.retries,
            received_at=row.received_at,
        )
        for row in rows
    ]
    return sorted(claimed, key=lambda event: event.id)


def _owned(event: ClaimedEvent, owner: str) -> Any:
    """Fencing: only the worker holding this attempt's lease may change the event."""
    return (
        (events.c.id == event.id)
        & (events.c.lease_owner == owner)
        & (events.c.attempts == event.attempt)
        & (events.c.status == EventStatus.RUNNING.value)
    )


async def renew_lease(db: Database, event: ClaimedEvent, owner: str, lease_seconds: float) -> bool:
    """Extend the lease of a long-running attempt; False if it was lost to another worker."""
    statement = (
        update(events)
        .where(_owned(event, owner))
        .values(available_at=utcnow() + timedelta(seconds=lease_seconds))
    )
    return await db.statement(lambda conn: conn.execute(statement).rowcount == 1)


async def release(db: Database, event: ClaimedEvent, owner: str) -> bool:
    """Give an unfinished event back (shutdown), without spending one of its attempts."""
    statement = (
        update(events)
        .where(_owned(event, owner))
        .values(
            status=EventStatus.RETRYING.value if event.retries else EventStatus.PENDING.value,
            attempts=event.attempt - 1,
            available_at=utcnow(),
            lease_owner=None,
        )
    )
    return await db.statement(lambda conn: conn.execute(statement).rowcount == 1)


_UPDATE_COMPLETED = (
    update(events)
    .where(
        events.c.id == bindparam("b_id"),
        events.c.lease_owner == bindparam("b_owner"),
        events.c.attempts == bindparam("b_attempt"),
        events.c.status == EventStatus.RUNNING.value,
    )
    .values(
        status=bindparam("b_status"),
        available_at=bindparam("b_available_at"),
        lease_owner=None,
        finished_at=bindparam("b_finished_at"),
        reason=bindparam("b_reason"),
        retries=bindparam("b_retries"),
    )
)
_INSERT_ATTEMPTS = insert(attempts)
_INSERT_ATTEMPTS_RETURNING = insert(attempts).returning(attempts.c.id, sort_by_parameter_order=True)
_INSERT_CALLS = insert(remote_calls)


async def complete(db: Database, completions: Sequence[Completion]) -> None:
    """Write outcomes and their activity log in one transaction."""
    if not completions:
        return
    await db.transaction(lambda conn: _write_completions(conn, completions))


def _write_completions(conn: Connection, completions: Sequence[Completion]) -> None:
    conn.execute(_UPDATE_COMPLETED, [_event_params(c) for c in completions])
    with_calls = [c for c in completions if c.calls]
    without_calls = [c for c in completions if not c.calls]
    if without_calls:
        conn.execute(_INSERT_ATTEMPTS, [_attempt_row(c) for c in without_calls])
    if with_calls:
        result = conn.execute(_INSERT_ATTEMPTS_RETURNING, [_attempt_row(c) for c in with_calls])
        ids = [row.id for row in result]
        conn.execute(
            _INSERT_CALLS,
            [
                _call_row(attempt_id, seq, call)
                for attempt_id, completion in zip(ids, with_calls, strict=True)
                for seq, call in enumerate(completion.calls)
            ],
        )


def _event_params(c: Completion) -> dict[str, Any]:
    return {
        "b_id": c.event.id,
        "b_owner": c.owner,
        "b_attempt": c.event.attempt,
        "b_status": c.status.value,
        "b_available_at": c.available_at or c.finished_at,
        "b_finished_at": None if c.status in ACTIVE_STATUSES else c.finished_at,
        "b_reason": c.reason,
        "b_retries": c.retries,
    }


def _attempt_row(c: Completion) -> dict[str, Any]:
    return {
        "event_id": c.event.id,
        "attempt": c.event.attempt,
        "worker": c.owner,
        "started_at": c.started_at,
        "finished_at": c.finished_at,
        "outcome": c.outcome,
        "reason": c.reason,
        "actions": c.actions,
        "retry_at": c.available_at if c.status == EventStatus.RETRYING else None,
    }


def _call_row(attempt_id: int, seq: int, call: RemoteCallRecord) -> dict[str, Any]:
    return {
        "attempt_id": attempt_id,
        "seq": seq,
        "system": call.system,
        "method": call.method,
        "path": call.path,
        "status": call.status,
        "duration_ms": call.duration_ms,
        "error": call.error,
        "at": call.at,
    }


_REPLAYABLE = [EventStatus.DEAD.value, EventStatus.DONE.value, EventStatus.IGNORED.value]


def _replay_values() -> dict[str, Any]:
    return {
        "status": EventStatus.PENDING.value,
        "available_at": utcnow(),
        "retries": 0,
        "finished_at": None,
        "reason": None,
    }


async def replay_event(db: Database, event_id: int) -> bool:
    """Queue a finished event again; it runs before newer events of its ordering key."""
    statement = (
        update(events)
        .where(events.c.id == event_id, events.c.status.in_(_REPLAYABLE))
        .values(_replay_values())
    )
    return await db.statement(lambda conn: conn.execute(statement).rowcount == 1)


async def replay_dead(db: Database, connection_id: int | None) -> int:
    """Queue every dead event of a connection again, in their original order."""
    statement = (
        update(events)
        .where(events.c.status == EventStatus.DEAD.value)
        .where(
            events.c.connection_id.is_(None)
            if connection_id is None
            else events.c.connection_id == connection_id
        )
        .values(_replay_values())
    )
    count: int = await db.statement(lambda conn: conn.execute(statement).rowcount)
    return count


async def retry_now(db: Database, event_id: int) -> bool:
    """Make a retrying (or pending) event claimable at once instead of at its backoff time."""
    waiting = [EventStatus.RETRYING.value, EventStatus.PENDING.value]
    statement = (
        update(events)
        .where(events.c.id == event_id, events.c.status.in_(waiting))
        .values(available_at=utcnow())
    )
    return await db.statement(lambda conn: conn.execute(statement).rowcount == 1)


async def ignore_event(db: Database, event_id: int, reason: str) -> bool:
    """Give up on a waiting or dead event: it is finished as ignored and no longer holds back
    the later events of its ordering key. A running event cannot be ignored."""
    ignorable = [
        EventStatus.PENDING.value,
        EventStatus.RETRYING.value,
        EventStatus.DEAD.value,
    ]
    statement = (
        update(events)
        .where(events.c.id == event_id, events.c.status.in_(ignorable))
        .values(status=EventStatus.IGNORED.value, finished_at=utcnow(), reason=reason)
    )
    return await db.statement(lambda conn: conn.execute(statement).rowcount == 1)
