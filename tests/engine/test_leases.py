"""Leases: expiry hands an event to another worker, renewal keeps a long one, shutdown
releases what is unfinished, and a stale worker cannot overwrite the new owner's result."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from jirasync.config import WorkerSettings
from jirasync.engine import Done, EventContext, Outcome
from jirasync.engine.queue import Completion, claim, complete
from jirasync.store.models import EventStatus, InboxEvent
from jirasync.store.types import utcnow


async def _event(db) -> InboxEvent:
    async with db.sessions() as session:
        return (await session.execute(select(InboxEvent))).scalar_one()


async def _expire_leases(db) -> None:
    async with db.write() as conn:
        await conn.execute(update(InboxEvent).values(available_at=utcnow()))


async def test_an_expired_lease_is_claimed_again_and_the_old_owner_is_fenced(
    any_harness, registry
) -> None:
    attempts: list[int] = []

    async def handle(ctx: EventContext) -> Outcome:
        attempts.append(ctx.attempt)
        return Done()

    registry.register("test", handle)
    await any_harness.receive("k", "d")
    [stale] = await claim(any_harness.db, owner="crashed", limit=10, lease_seconds=60)
    assert await claim(any_harness.db, owner="other", limit=10, lease_seconds=5) == []
    await _expire_leases(any_harness.db)  # a minute passes without a word from "crashed"

    assert await any_harness.drain() == {"done": 1}
    assert attempts == [2]

    now = utcnow()
    late = Completion(stale, "crashed", EventStatus.DEAD, "failed", "late", now, now)
    await complete(any_harness.db, [late])
    event = await _event(any_harness.db)
    assert (event.status, event.attempts, event.reason) == ("done", 2, None)


async def test_a_long_event_renews_its_lease(harness, registry) -> None:
    runs: list[int] = []

    async def handle(ctx: EventContext) -> Outcome:
        runs.append(ctx.attempt)
        await asyncio.sleep(2.5)  # five lease lengths
        return Done()

    registry.register("test", handle)
    await harness.receive("k", "d")
    short = WorkerSettings(lease_seconds=0.5, poll_interval_seconds=0.05)
    first, second = harness.worker(short), harness.worker(short)
    other = asyncio.create_task(second.run())
    try:
        assert await harness.drain(first) == {"done": 1}
    finally:
        second.stop()
        await other
    assert runs == [1]


async def test_shutdown_releases_unfinished_events(harness, registry) -> None:
    started = asyncio.Event()

    async def handle(ctx: EventContext) -> Outcome:
        started.set()
        await asyncio.sleep(3600)
        return Done()

    registry.register("test", handle)
    await harness.receive("k", "d")
    worker = harness.worker(WorkerSettings(shutdown_grace_seconds=0.1, poll_interval_seconds=0.05))
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), 5)
    worker.stop()
    await asyncio.wait_for(task, 5)
    event = await _event(harness.db)
    assert (event.status, event.attempts, event.lease_owner) == ("pending", 0, None)
    assert event.available_at <= utcnow()


async def test_shutdown_waits_for_events_that_finish_in_time(harness, registry) -> None:
    started = asyncio.Event()

    async def handle(ctx: EventContext) -> Outcome:
        started.set()
        await asyncio.sleep(0.2)
        return Done()

    registry.register("test", handle)
    await harness.receive("k", "d")
    worker = harness.worker(WorkerSettings(shutdown_grace_seconds=5, poll_interval_seconds=0.05))
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), 5)
    worker.stop()
    await asyncio.wait_for(task, 5)
    assert (await _event(harness.db)).status == "done"


async def test_an_event_whose_workers_keep_dying_is_dead_lettered(harness, registry) -> None:
    calls: list[int] = []

    async def handle(ctx: EventContext) -> Outcome:
        calls.append(ctx.attempt)
        return Done()

    registry.register("test", handle)
    await harness.receive("k", "d")
    for _ in range(3):  # FAST_RETRY.max_attempts workers claim it and die
        assert await claim(harness.db, owner="doomed", limit=1, lease_seconds=0.01)
        await asyncio.sleep(0.02)

    assert await harness.drain() == {"dead": 1}
    assert calls == []
    event = await _event(harness.db)
    assert event.retries == 3
    assert "worker stopped without finishing" in event.reason
