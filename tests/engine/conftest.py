"""Engine test helpers: fast settings and a way to run a worker until the queue is drained."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from jirasync.config import RetrySettings, WorkerSettings
from jirasync.engine import HandlerRegistry, Inbox, Worker
from jirasync.engine.queue import status_counts
from jirasync.store.db import Database
from jirasync.store.models import ACTIVE_STATUSES

FAST_WORKER = WorkerSettings(
    concurrency=8, lease_seconds=5, poll_interval_seconds=0.05, shutdown_grace_seconds=2
)
FAST_RETRY = RetrySettings(max_attempts=3, backoff_base_seconds=0.05, backoff_max_seconds=0.2)


class Harness:
    def __init__(self, db: Database, registry: HandlerRegistry) -> None:
        self.db = db
        self.registry = registry
        self.inbox = Inbox(db, registry)

    def worker(
        self, settings: WorkerSettings = FAST_WORKER, retry: RetrySettings = FAST_RETRY
    ) -> Worker:
        return Worker(self.db, self.registry, settings, retry)

    async def receive(self, key: str, delivery: str, body: bytes = b"{}", source: str = "test"):
        return await self.inbox.receive(
            source=source,
            connection_id=None,
            delivery_id=delivery,
            headers={},
            body=body,
            ordering_key=key,
        )

    async def run_until(
        self,
        done: Callable[[], Awaitable[bool]],
        worker: Worker | None = None,
        timeout: float = 30,
    ) -> dict[str, int]:
        worker = worker or self.worker()
        task = asyncio.create_task(worker.run())
        deadline = time.monotonic() + timeout
        try:
            while not await done():
                assert time.monotonic() < deadline, await status_counts(self.db)
                assert not task.done(), task
                await asyncio.sleep(0.02)
        finally:
            worker.stop()
            await task
        return await status_counts(self.db)

    async def drain(self, worker: Worker | None = None, timeout: float = 30) -> dict[str, int]:
        async def idle() -> bool:
            counts = await status_counts(self.db)
            return not any(counts.get(s.value) for s in ACTIVE_STATUSES)

        return await self.run_until(idle, worker, timeout)


@pytest.fixture
def registry() -> HandlerRegistry:
    return HandlerRegistry()


@pytest.fixture
def harness(sqlite_db: Database, registry: HandlerRegistry) -> Harness:
    return Harness(sqlite_db, registry)


@pytest.fixture
def any_harness(any_db: Database, registry: HandlerRegistry) -> Harness:
    return Harness(any_db, registry)
