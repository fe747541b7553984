"""Receiving: a webhook (or a polled change) is written durably, once, before it is answered.

Webhook routes call `Inbox.receive` after verifying the sender and answer 202 when it returns;
if it raises, they answer 5xx so the sender retries.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite

from jirasync.engine.registry import HandlerRegistry
from jirasync.log import get_logger
from jirasync.store.db import Database
from jirasync.store.models import InboxEvent

log = get_logger(__name__)

events = cast(Table, InboxEvent.__table__)

# Never stored: credentials some senders put in headers.
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


@dataclass(frozen=True)
class Received:
    event_id: int
    duplicate: bool


class Inbox:
    def __init__(
        self,
        db: Database,
        registry: HandlerRegistry | None = None,
        on_receive: Callable[[], None] | None = None,
    ) -> None:
        self._db = db
        self._registry = registry or HandlerRegistry()
        # Wakes an in-process worker so new events do not wait for the next poll.
        self.on_receive = on_receive
        # Built once: receive() is on the webhook's critical path.
        dialect_insert = sqlite.insert if db.is_sqlite else postgresql.insert
        self._insert_statement = (
            dialect_insert(events)
            .on_conflict_do_nothing(index_elements=[events.c.dedup_key])
            .returning(events.c.id)
        )

    async def receive(
        self,
        *,
        source: str,
        connection_id: int | None,
        delivery_id: str | None,
        headers: Mapping[str, str],
        body: bytes,
        ordering_key: str | None = None,
    ) -> Received:
        """Store an event; a delivery id seen before is counted as a duplicate, not stored.

        `delivery_id`: the sender's (PagerDuty webhook id, HackerOne delivery header); without
        one, the body's digest stands in. `ordering_key`: the linked pair the event concerns;
        without it, the source's registered hook derives it from headers and body.
        """
        delivery = delivery_id or "sha256:" + hashlib.sha256(body).hexdigest()
        dedup_key = f"{source}:{connection_id if connection_id is not None else '-'}:{delivery}"
        key = ordering_key or self._ordering_key(source, connection_id, headers, body)
        inserted = await self._insert(
            source=source,
            connection_id=connection_id,
            delivery_id=delivery,
            dedup_key=dedup_key,
            ordering_key=key,
            headers={k.lower(): v for k, v in headers.items() if k.lower() not in _SECRET_HEADERS},
            body=body,
        )
        if inserted is not None:
            if self.on_receive is not None:
                self.on_receive()
            return Received(inserted, duplicate=False)
        return Received(await self._count_duplicate(dedup_key), duplicate=True)

    def _ordering_key(
        self, source: str, connection_id: int | None, headers: Mapping[str, str], body: bytes
    ) -> str:
        # A body the hook cannot read is still stored (nothing lost); it is ordered with every
        # other such event of its connection, and its handler decides what to do with it.
        fallback = f"{source}:{connection_id if connection_id is not None else '-'}"
        hook = self._registry.ordering_key_hook(source)
        if hook is None:
            return fallback
        try:
            return hook(connection_id, headers, body)
        except Exception:
            log.warning("inbox.ordering_key_failed", source=source, exc_info=True)
            return fallback

    async def _insert(self, **values: object) -> int | None:
        params = {"token": uuid.uuid4().hex, **values}
        event_id: int | None = await self._db.transaction(
            lambda conn: conn.execute(self._insert_statement, params).scalar_one_or_none()
        )
        return event_id

    async def _count_duplicate(self, dedup_key: str) -> int:
        statement = (
            update(events)
            .where(events.c.dedup_key == dedup_key)
            .values(duplicates=events.c.duplicates + 1)
            .returning(events.c.id)
        )
        event_id: int = await self._db.transaction(
            lambda conn: conn.execute(statement).scalar_one()
        )
        log.info("inbox.duplicate", event_id=event_id, dedup_key=dedup_key)
        return event_id
