"""Outcomes: done, ignored, retry with backoff and Retry-After, dead letter, replay."""

from __future__ import annotations

import random

from sqlalchemy import select

from jirasync.config import RetrySettings
from jirasync.engine import (
    Done,
    EventContext,
    Failed,
    Ignored,
    Outcome,
    PermanentError,
    TransientError,
    current_recorder,
)
from jirasync.engine.backoff import retry_delay
from jirasync.engine.queue import replay_dead, replay_event
from jirasync.store.models import EventAttempt, InboxEvent, RemoteCall


async def _events(db) -> list[InboxEvent]:
    async with db.sessions() as session:
        return list((await session.execute(select(InboxEvent).order_by(InboxEvent.id))).scalars())


async def _attempts(db, event_id: int) -> list[EventAttempt]:
    async with db.sessions() as session:
        query = select(EventAttempt).where(EventAttempt.event_id == event_id)
        return list((await session.execute(query.order_by(EventAttempt.id))).scalars())


async def test_transient_errors_retry_then_succeed_with_a_stable_token(harness, registry) -> None:
    seen: list[tuple[int, str]] = []

    async def handle(ctx: EventContext) -> Outcome:
        seen.append((ctx.attempt, ctx.idempotency_token))
        if ctx.attempt < 3:
            raise TransientError("503 from PagerDuty")
        return Done()

    registry.register("test", handle)
    received = await harness.receive("k", "d")
    assert await harness.drain() == {"done": 1}

    assert [attempt for attempt, _ in seen] == [1, 2, 3]
    assert len({token for _, token in seen}) == 1
    attempts = await _attempts(harness.db, received.event_id)
    assert [(a.attempt, a.outcome) for a in attempts] == [(1, "retry"), (2, "retry"), (3, "done")]
    assert attempts[0].reason == "503 from PagerDuty"
    assert attempts[0].retry_at is not None


async def test_retry_limit_dead_letters_and_replay_runs_it_again(harness, registry) -> None:
    failing = {"on": True}

    async def handle(ctx: EventContext) -> Outcome:
        if failing["on"]:
            raise TransientError("timeout")
        return Done()

    registry.register("test", handle)
    await harness.receive("k", "d")
    assert await harness.drain() == {"dead": 1}
    [event] = await _events(harness.db)
    assert event.attempts == 3  # FAST_RETRY.max_attempts
    assert event.reason == "gave up after 3 failures: timeout"

    failing["on"] = False
    assert await replay_event(harness.db, event.id)
    assert await harness.drain() == {"done": 1}
    [event] = await _events(harness.db)
    assert event.attempts == 4 and event.retries == 0


async def test_permanent_errors_are_not_retried(harness, registry) -> None:
    calls: list[int] = []

    async def handle(ctx: EventContext) -> Outcome:
        calls.append(ctx.attempt)
        raise PermanentError("Field 'priority' cannot be set. It is not on the appropriate screen")

    registry.register("test", handle)
    await harness.receive("k", "d")
    assert await harness.drain() == {"dead": 1}
    assert calls == [1]
    [event] = await _events(harness.db)
    assert event.reason.startswith("Field 'priority' cannot be set")


async def test_returned_outcomes_and_unknown_sources(harness, registry) -> None:
    async def handle(ctx: EventContext) -> Outcome:
        kind = ctx.json()["kind"]
        return Ignored("actor is the integration user") if kind == "echo" else Failed("bad")

    registry.register("test", handle)
    await harness.receive("a", "1", b'{"kind": "echo"}')
    await harness.receive("b", "2", b'{"kind": "bad"}')
    await harness.receive("c", "3", source="nobody")
    await harness.drain()
    events = await _events(harness.db)
    assert [(e.status, e.reason) for e in events] == [
        ("ignored", "actor is the integration user"),
        ("dead", "bad"),
        ("dead", "no handler registered for source 'nobody'"),
    ]


async def test_a_crashing_handler_counts_as_transient(harness, registry) -> None:
    async def handle(ctx: EventContext) -> Outcome:
        raise KeyError("fields")

    registry.register("test", handle)
    await harness.receive("k", "d")
    assert await harness.drain() == {"dead": 1}
    [event] = await _events(harness.db)
    assert "KeyError" in event.reason


async def test_retry_after_is_honoured(harness, registry) -> None:
    async def handle(ctx: EventContext) -> Outcome:
        if ctx.attempt == 1:
            raise TransientError("429 Too Many Requests", retry_after=30)
        return Done()

    registry.register("test", handle)
    received = await harness.receive("k", "d")

    async def first_attempt_done() -> bool:
        return len(await _attempts(harness.db, received.event_id)) == 1

    await harness.run_until(first_attempt_done)
    [event] = await _events(harness.db)
    [attempt] = await _attempts(harness.db, received.event_id)
    assert event.status == "retrying"
    waited = (event.available_at - attempt.finished_at).total_seconds()
    assert 29 <= waited <= 31
    # Not claimable before then: a worker finds nothing to do.
    worker = harness.worker()
    await harness.run_until(_after(0.3), worker)
    [event] = await _events(harness.db)
    assert event.status == "retrying" and event.attempts == 1


def _after(seconds: float):
    import time

    deadline = time.monotonic() + seconds

    async def elapsed() -> bool:
        return time.monotonic() >= deadline

    return elapsed


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    settings = RetrySettings(backoff_base_seconds=2, backoff_max_seconds=60)
    rng = random.Random(1)
    delays = [retry_delay(n, None, settings, rng) for n in range(1, 9)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(60, 2 * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert retry_delay(1, 120.0, settings) == 120.0
    assert retry_delay(1, 10**9, settings) == settings.retry_after_max_seconds


async def test_replay_puts_dead_events_back_before_newer_ones(harness, registry) -> None:
    order: list[int] = []
    broken = {"on": True}

    async def handle(ctx: EventContext) -> Outcome:
        seq = ctx.json()["seq"]
        if broken["on"] and seq < 2:
            raise PermanentError("workflow forbids the transition")
        order.append(seq)
        return Done()

    registry.register("test", handle)
    for seq in range(3):
        await harness.receive("pagerduty:P1", f"d{seq}", f'{{"seq": {seq}}}'.encode())
    await harness.drain()
    assert order == [2]
    broken["on"] = False
    await harness.receive("pagerduty:P1", "d3", b'{"seq": 3}')
    assert await replay_dead(harness.db, None) == 2
    await harness.drain()
    assert order == [2, 0, 1, 3]


async def test_the_activity_log_keeps_actions_and_remote_calls(harness, registry) -> None:
    async def handle(ctx: EventContext) -> Outcome:
        ctx.activity.action("rule matched", rule="P1 incidents")
        recorder = current_recorder()
        assert recorder is ctx.activity
        with recorder.timed_call("jira", "post", "/rest/api/2/issue") as call:
            call.status = 201
        recorder.record_call(
            system="jira",
            method="POST",
            path="/rest/api/2/issue/ABC-1/transitions",
            status=400,
            duration_ms=12.5,
            error="Transition id '31' is not valid for this issue.",
        )
        raise PermanentError("Transition id '31' is not valid for this issue.")

    registry.register("test", handle)
    received = await harness.receive("k", "d")
    await harness.drain()
    [attempt] = await _attempts(harness.db, received.event_id)
    assert attempt.outcome == "failed"
    assert attempt.actions[0]["message"] == "rule matched"
    assert attempt.actions[0]["rule"] == "P1 incidents"
    async with harness.db.sessions() as session:
        calls = list((await session.execute(select(RemoteCall).order_by(RemoteCall.seq))).scalars())
    assert [(c.method, c.path, c.status) for c in calls] == [
        ("POST", "/rest/api/2/issue", 201),
        ("POST", "/rest/api/2/issue/ABC-1/transitions", 400),
    ]
    assert calls[1].error == "Transition id '31' is not valid for this issue."
