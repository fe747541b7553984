from __future__ import annotations

from jirasync.engine import Done, EventContext, Ignored, Outcome, TransientError
from jirasync.engine.inspect import event_detail, list_events, status_counts


async def test_event_detail_shows_every_attempt_with_its_actions_and_calls(
    harness, registry
) -> None:
    async def handle(ctx: EventContext) -> Outcome:
        if ctx.json().get("skip"):
            return Ignored("no rule matches service PXYZ")
        ctx.activity.action("rule matched", rule="P1")
        ctx.activity.record_call(
            system="pagerduty",
            method="PUT",
            path="/incidents/PABC",
            status=429 if ctx.attempt == 1 else 200,
            duration_ms=3.2,
            error="Rate Limit Exceeded" if ctx.attempt == 1 else None,
        )
        if ctx.attempt == 1:
            raise TransientError("429 from PagerDuty", retry_after=0.05)
        return Done()

    registry.register("test", handle)
    first = await harness.receive("pagerduty:PABC", "d1", b"{}")
    await harness.receive("pagerduty:PXYZ", "d2", b'{"skip": true}')
    await harness.drain()

    detail = await event_detail(harness.db, first.event_id)
    assert detail is not None
    assert detail.event.status == "done"
    assert [a.outcome for a in detail.attempts] == ["retry", "done"]
    assert detail.attempts[0].reason == "429 from PagerDuty"
    assert detail.attempts[0].retry_at is not None
    assert [(c.status, c.error) for c in detail.attempts[0].calls] == [(429, "Rate Limit Exceeded")]
    assert detail.attempts[1].calls[0].status == 200
    assert detail.attempts[1].actions[0]["rule"] == "P1"
    assert await event_detail(harness.db, 999) is None

    events = await list_events(harness.db)
    assert [e.delivery_id for e in events] == ["d2", "d1"]
    ignored = await list_events(harness.db, statuses=["ignored"])
    assert [(e.delivery_id, e.reason) for e in ignored] == [("d2", "no rule matches service PXYZ")]
    assert [e.delivery_id for e in await list_events(harness.db, before_id=events[0].id)] == ["d1"]
    assert await status_counts(harness.db) == {"done": 1, "ignored": 1}
