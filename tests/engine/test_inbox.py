from __future__ import annotations

from sqlalchemy import select

from jirasync.engine import HandlerRegistry, Inbox
from jirasync.store.db import Database
from jirasync.store.models import InboxEvent


async def _event(db: Database, event_id: int) -> InboxEvent:
    async with db.sessions() as session:
        return (
            await session.execute(select(InboxEvent).where(InboxEvent.id == event_id))
        ).scalar_one()


async def test_receive_stores_the_event_durably(any_db: Database) -> None:
    inbox = Inbox(any_db)
    received = await inbox.receive(
        source="pagerduty",
        connection_id=None,
        delivery_id="01ABC",
        headers={"X-PagerDuty-Signature": "v1=abc", "Authorization": "Token secret"},
        body=b'{"event": {}}',
        ordering_key="pagerduty:P123",
    )
    assert not received.duplicate
    event = await _event(any_db, received.event_id)
    assert event.status == "pending"
    assert event.ordering_key == "pagerduty:P123"
    assert event.body == b'{"event": {}}'
    assert event.headers == {"x-pagerduty-signature": "v1=abc"}  # credentials never stored
    assert len(event.token) == 32


async def test_a_redelivered_delivery_id_is_counted_not_queued(any_db: Database) -> None:
    inbox = Inbox(any_db)
    kwargs = dict(source="test", connection_id=None, headers={}, ordering_key="k")
    first = await inbox.receive(delivery_id="d1", body=b"1", **kwargs)
    second = await inbox.receive(delivery_id="d1", body=b"1", **kwargs)
    other = await inbox.receive(delivery_id="d2", body=b"1", **kwargs)
    assert second == first.__class__(first.event_id, duplicate=True)
    assert other.event_id != first.event_id
    assert (await _event(any_db, first.event_id)).duplicates == 1
    async with any_db.sessions() as session:
        assert len((await session.execute(select(InboxEvent.id))).all()) == 2


async def test_without_delivery_id_the_body_digest_deduplicates(sqlite_db: Database) -> None:
    inbox = Inbox(sqlite_db)
    kwargs = dict(source="jira", connection_id=None, headers={}, delivery_id=None)
    first = await inbox.receive(body=b'{"timestamp": 1}', **kwargs)
    again = await inbox.receive(body=b'{"timestamp": 1}', **kwargs)
    later = await inbox.receive(body=b'{"timestamp": 2}', **kwargs)
    assert again.duplicate and again.event_id == first.event_id
    assert not later.duplicate


async def test_ordering_key_comes_from_the_source_hook(sqlite_db: Database) -> None:
    registry = HandlerRegistry()

    async def handle(ctx):  # pragma: no cover - not run here
        raise AssertionError

    registry.register(
        "jira", handle, ordering_key=lambda conn, headers, body: f"jira:{conn}:{body.decode()}"
    )
    inbox = Inbox(sqlite_db, registry)
    good = await inbox.receive(
        source="jira", connection_id=None, delivery_id="a", headers={}, body=b"10042"
    )
    assert (await _event(sqlite_db, good.event_id)).ordering_key == "jira:None:10042"


async def test_a_body_the_hook_cannot_read_is_still_stored(sqlite_db: Database) -> None:
    registry = HandlerRegistry()

    def broken(conn, headers, body):
        raise ValueError("not JSON")

    async def handle(ctx):  # pragma: no cover - not run here
        raise AssertionError

    registry.register("jira", handle, ordering_key=broken)
    received = await Inbox(sqlite_db, registry).receive(
        source="jira", connection_id=None, delivery_id="x", headers={}, body=b"<html>"
    )
    assert (await _event(sqlite_db, received.event_id)).ordering_key == "jira:-"


async def test_receive_wakes_the_local_worker(sqlite_db: Database) -> None:
    woken: list[bool] = []
    inbox = Inbox(sqlite_db, on_receive=lambda: woken.append(True))
    kwargs = dict(source="test", connection_id=None, headers={}, ordering_key="k", body=b"")
    await inbox.receive(delivery_id="1", **kwargs)
    await inbox.receive(delivery_id="1", **kwargs)
    assert woken == [True]
