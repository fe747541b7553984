"""The numbers of the dashboard: events and failed attempts per minute over the last hour, the
queue's backlog and lag, and each connection's health."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from jirasync.engine.backlog import Backlog, measure
from jirasync.store.db import Database
from jirasync.store.models import Connection, EventAttempt, InboxEvent, Link
from jirasync.store.types import utcnow

WINDOW_MINUTES = 60
FAILED_OUTCOMES = ("retry", "failed")


@dataclass(frozen=True)
class ConnectionHealth:
    id: int
    name: str
    kind: str
    enabled: bool
    events: int  # in the window
    dead: int
    retrying: int
    links_in_error: int
    last_event_at: datetime | None

    @property
    def healthy(self) -> bool:
        return self.enabled and not self.dead and not self.links_in_error


@dataclass(frozen=True)
class Dashboard:
    events_per_minute: list[int]  # oldest minute first
    failures_per_minute: list[int]
    backlog: Backlog
    connections: list[ConnectionHealth]


async def dashboard(db: Database) -> Dashboard:
    now = utcnow()
    since = now - timedelta(minutes=WINDOW_MINUTES)
    async with db.read() as conn:
        received = (
            (
                await conn.execute(
                    select(InboxEvent.received_at).where(InboxEvent.received_at >= since)
                )
            )
            .scalars()
            .all()
        )
        failed = (
            (
                await conn.execute(
                    select(EventAttempt.finished_at).where(
                        EventAttempt.finished_at >= since, EventAttempt.outcome.in_(FAILED_OUTCOMES)
                    )
                )
            )
            .scalars()
            .all()
        )
    return Dashboard(
        per_minute(received, now),
        per_minute(failed, now),
        await measure(db),
        await connection_health(db, since),
    )


def per_minute(times: Sequence[datetime], now: datetime) -> list[int]:
    counts = [0] * WINDOW_MINUTES
    for at in times:
        minutes_ago = int((now - at).total_seconds() // 60)
        if 0 <= minutes_ago < WINDOW_MINUTES:
            counts[WINDOW_MINUTES - 1 - minutes_ago] += 1
    return counts


async def connection_health(db: Database, since: datetime) -> list[ConnectionHealth]:
    by_status = (
        select(InboxEvent.connection_id, InboxEvent.status, func.count())
        .where(InboxEvent.status.in_(("dead", "retrying")))
        .group_by(InboxEvent.connection_id, InboxEvent.status)
    )
    recent = (
        select(InboxEvent.connection_id, func.count(), func.max(InboxEvent.received_at))
        .where(InboxEvent.received_at >= since)
        .group_by(InboxEvent.connection_id)
    )
    last = select(InboxEvent.connection_id, func.max(InboxEvent.received_at)).group_by(
        InboxEvent.connection_id
    )
    errors = (
        select(Link.source_connection_id, Link.jira_connection_id, func.count())
        .where(Link.sync_status == "error")
        .group_by(Link.source_connection_id, Link.jira_connection_id)
    )
    async with db.read() as conn:
        columns = select(Connection.id, Connection.name, Connection.kind, Connection.enabled)
        rows = (await conn.execute(columns.order_by(Connection.id))).all()
        statuses = {(c, s): n for c, s, n in (await conn.execute(by_status)).tuples()}
        windowed = {c: n for c, n, _ in (await conn.execute(recent)).tuples()}
        latest = dict((await conn.execute(last)).tuples().all())
        in_error: dict[int, int] = {}
        for source, jira, n in (await conn.execute(errors)).tuples():
            in_error[source] = in_error.get(source, 0) + n
            in_error[jira] = in_error.get(jira, 0) + n
    return [
        ConnectionHealth(
            r.id,
            r.name,
            r.kind,
            r.enabled,
            windowed.get(r.id, 0),
            statuses.get((r.id, "dead"), 0),
            statuses.get((r.id, "retrying"), 0),
            in_error.get(r.id, 0),
            latest.get(r.id),
        )
        for r in rows
    ]
