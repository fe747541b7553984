"""The backlog monitoring reads: depth by status, oldest age, and lag counted only for events
that could run now (not those waiting for a retry or behind an earlier event of their item)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from jirasync.engine.backlog import measure
from jirasync.store.models import InboxEvent
from jirasync.store.types import utcnow


async def _set(db, event_id: int, status: str, available_in_s: float) -> None:
    async with db.write() as conn:
        await conn.execute(
            update(InboxEvent)
            .where(InboxEvent.id == event_id)
            .values(status=status, available_at=utcnow() + timedelta(seconds=available_in_s))
        )


async def test_depth_age_and_lag_on_both_databases(any_harness) -> None:
    db = any_harness.db
    empty = await measure(db)
    assert empty.depth == {"pending": 0, "retrying": 0, "running": 0, "dead": 0}
    assert empty.lag_seconds == 0

    # Item A: a retry due in ten minutes, and a later event waiting behind it (not lag).
    retry = (await any_harness.receive("A", "a1")).event_id
    await _set(db, retry, "retrying", 600)
    behind = (await any_harness.receive("A", "a2")).event_id
    await _set(db, behind, "pending", -900)
    # Item B: free to run for two minutes already (lag); item C: dead.
    ready = (await any_harness.receive("B", "b1")).event_id
    await _set(db, ready, "pending", -120)
    await _set(db, (await any_harness.receive("C", "c1")).event_id, "dead", 0)

    backlog = await measure(db)
    assert backlog.depth == {"pending": 2, "retrying": 1, "running": 0, "dead": 1}
    assert 120 <= backlog.lag_seconds < 900
    assert backlog.oldest_age["pending"] >= 0 and backlog.oldest_age["running"] == 0
