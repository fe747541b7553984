"""Read side of the queue for the UI and the REST API: the event list, one event with its
attempts and remote calls, and counts by status."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from jirasync.store.db import Database
from jirasync.store.models import EventAttempt, InboxEvent, RemoteCall


@dataclass(frozen=True)
class EventSummary:
    id: int
    source: str
    connection_id: int | None
    delivery_id: str
    ordering_key: str
    status: str
    attempts: int
    retries: int
    duplicates: int
    received_at: datetime
    available_at: datetime
    finished_at: datetime | None
    reason: str | None


@dataclass(frozen=True)
class CallRecord:
    system: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    error: str | None
    at: datetime


@dataclass(frozen=True)
class AttemptRecord:
    attempt: int
    worker: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    reason: str | None
    retry_at: datetime | None
    actions: list[dict[str, Any]]
    calls: list[CallRecord]


@dataclass(frozen=True)
class EventDetail:
    event: EventSummary
    headers: dict[str, str]
    body: bytes
    attempts: list[AttemptRecord]


_SUMMARY_COLUMNS = [
    InboxEvent.id,
    InboxEvent.source,
    InboxEvent.connection_id,
    InboxEvent.delivery_id,
    InboxEvent.ordering_key,
    InboxEvent.status,
    InboxEvent.attempts,
    InboxEvent.retries,
    InboxEvent.duplicates,
    InboxEvent.received_at,
    InboxEvent.available_at,
    InboxEvent.finished_at,
    InboxEvent.reason,
]


async def list_events(
    db: Database,
    *,
    statuses: Sequence[str] = (),
    connection_id: int | None = None,
    ordering_key: str | None = None,
    before_id: int | None = None,
    limit: int = 50,
    source: str | None = None,
    text: str | None = None,
    text_keys: Sequence[str] = (),
    after_id: int | None = None,
) -> list[EventSummary]:
    """Newest first; page with `before_id` (the last id of the previous page), or follow with
    `after_id` (the newest id seen). `text` matches the ordering key, delivery id or reason,
    or any of `text_keys` (the ordering keys of pairs the text names)."""
    query = select(*_SUMMARY_COLUMNS).order_by(InboxEvent.id.desc()).limit(limit)
    if statuses:
        query = query.where(InboxEvent.status.in_(statuses))
    if connection_id is not None:
        query = query.where(InboxEvent.connection_id == connection_id)
    if ordering_key is not None:
        query = query.where(InboxEvent.ordering_key == ordering_key)
    if before_id is not None:
        query = query.where(InboxEvent.id < before_id)
    if after_id is not None:
        query = query.where(InboxEvent.id > after_id)
    if source is not None:
        query = query.where(InboxEvent.source == source)
    if text:
        pattern = f"%{text}%"
        query = query.where(
            or_(
                InboxEvent.ordering_key.ilike(pattern),
                InboxEvent.delivery_id.ilike(pattern),
                InboxEvent.reason.ilike(pattern),
                InboxEvent.ordering_key.in_(list(text_keys)),
            )
        )
    async with db.read() as conn:
        return [EventSummary(**row._mapping) for row in await conn.execute(query)]


async def summaries(db: Database, event_ids: Sequence[int]) -> list[EventSummary]:
    """These events as they are now (in id order)."""
    if not event_ids:
        return []
    query = select(*_SUMMARY_COLUMNS).where(InboxEvent.id.in_(list(event_ids)))
    async with db.read() as conn:
        rows = await conn.execute(query.order_by(InboxEvent.id))
        return [EventSummary(**row._mapping) for row in rows]


async def event_detail(db: Database, event_id: int) -> EventDetail | None:
    async with db.read() as conn:
        row = (
            await conn.execute(
                select(*_SUMMARY_COLUMNS, InboxEvent.headers, InboxEvent.body).where(
                    InboxEvent.id == event_id
                )
            )
        ).one_or_none()
        if row is None:
            return None
        attempts = (
            await conn.execute(
                select(EventAttempt)
                .where(EventAttempt.event_id == event_id)
                .order_by(EventAttempt.id)
            )
        ).all()
        attempt_ids = [a.id for a in attempts]
        calls = (
            await conn.execute(
                select(RemoteCall)
                .where(RemoteCall.attempt_id.in_(attempt_ids))
                .order_by(RemoteCall.attempt_id, RemoteCall.seq)
            )
        ).all()
    values = dict(row._mapping)
    headers, body = values.pop("headers"), values.pop("body")
    by_attempt: dict[int, list[CallRecord]] = {}
    for call in calls:
        by_attempt.setdefault(call.attempt_id, []).append(
            CallRecord(
                call.system,
                call.method,
                call.path,
                call.status,
                call.duration_ms,
                call.error,
                call.at,
            )
        )
    return EventDetail(
        event=EventSummary(**values),
        headers=headers,
        body=body,
        attempts=[
            AttemptRecord(
                a.attempt,
                a.worker,
                a.started_at,
                a.finished_at,
                a.outcome,
                a.reason,
                a.retry_at,
                a.actions,
                by_attempt.get(a.id, []),
            )
            for a in attempts
        ],
    )


async def status_counts(db: Database, connection_id: int | None = None) -> dict[str, int]:
    query = select(InboxEvent.status, func.count()).group_by(InboxEvent.status)
    if connection_id is not None:
        query = query.where(InboxEvent.connection_id == connection_id)
    async with db.read() as conn:
        return {status: count for status, count in (await conn.execute(query)).tuples()}
