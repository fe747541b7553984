"""The queue's backlog as monitoring sees it: how many events wait in each status, how old the
oldest is, and the lag (how long the oldest event that could run now has waited for a worker).

Cheap enough for every scrape and readiness probe: the queries only touch active and dead
events, through the (status, available_at) index and the partial indexes of active events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ColumnElement, Select, Table, exists, func, literal_column, select

from jirasync.store.db import Database
from jirasync.store.models import ACTIVE_STATUSES, EventStatus, InboxEvent
from jirasync.store.types import utcnow

events = cast(Table, InboxEvent.__table__)
WATCHED = [*(status.value for status in ACTIVE_STATUSES), EventStatus.DEAD.value]


@dataclass(frozen=True)
class Backlog:
    depth: dict[str, int]
    # Seconds since the oldest event of each active status was received (0 when none).
    oldest_age: dict[str, float]
    lag_seconds: float


async def measure(db: Database) -> Backlog:
    now = utcnow()
    active = [status.value for status in ACTIVE_STATUSES]
    by_status = (
        select(events.c.status, func.count(), func.min(events.c.received_at))
        .where(events.c.status.in_(WATCHED))
        .group_by(events.c.status)
    )
    async with db.read() as conn:
        rows = (await conn.execute(by_status)).tuples().all()
        oldest_ready = await conn.scalar(_oldest_ready(now))
    depth = dict.fromkeys(WATCHED, 0)
    oldest_age = dict.fromkeys(active, 0.0)
    for status, count, received in rows:
        depth[status] = count
        if status in oldest_age and received is not None:
            oldest_age[status] = _seconds_since(received, now)
    lag = _seconds_since(oldest_ready, now) if oldest_ready is not None else 0.0
    return Backlog(depth, oldest_age, lag)


def _oldest_ready(now: datetime) -> Select[datetime]:
    """When the longest-waiting claimable event became claimable (the claim's own test)."""
    earlier = events.alias("earlier")
    blocked = exists().where(
        earlier.c.ordering_key == events.c.ordering_key,
        earlier.c.id < events.c.id,
        _is_active(earlier.c.status),
    )
    return (
        select(events.c.available_at)
        .where(_is_active(events.c.status), events.c.available_at <= now, ~blocked)
        .order_by(events.c.available_at)
        .limit(1)
    )


def _is_active(status: ColumnElement[str]) -> ColumnElement[bool]:
    # Literal values, so PostgreSQL can prove that the partial "active events" indexes apply.
    return status.in_([literal_column(f"'{s.value}'") for s in ACTIVE_STATUSES])


def _seconds_since(then: datetime, now: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
