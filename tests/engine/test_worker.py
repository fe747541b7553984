from __future__ import annotations

import asyncio
import itertools
import time

from jirasync.config import WorkerSettings
from jirasync.engine import queue


async def test_an_unreachable_database_backs_off_and_still_stops_promptly(
    harness, monkeypatch
) -> None:
    calls: list[float] = []

    async def unreachable(*args, **kwargs):
        calls.append(time.monotonic())
        raise OSError("connection refused")

    monkeypatch.setattr(queue, "claim", unreachable)
    worker = harness.worker(WorkerSettings(poll_interval_seconds=0.05))
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(1.0)
    started = time.monotonic()
    worker.stop()
    await asyncio.wait_for(task, 2)
    assert time.monotonic() - started < 0.5
    # 0.1 s, 0.2 s, 0.4 s … between attempts, not one every poll interval.
    assert 3 <= len(calls) <= 6
    gaps = [b - a for a, b in itertools.pairwise(calls)]
    assert gaps == sorted(gaps)
