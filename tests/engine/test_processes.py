"""Real `jirasync worker` processes on PostgreSQL: killed mid-event, and three sharing the queue."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from jirasync.engine import Inbox
from jirasync.engine.queue import status_counts
from jirasync.store.db import Database

HERE = Path(__file__).parent

pytestmark = pytest.mark.postgres


def start_worker(url: str, tmp_path: Path, lease: float = 30, concurrency: int = 8):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "JIRASYNC_DATABASE_URL": url,
        "JIRASYNC_DATA_DIR": str(tmp_path / "data"),
        "JIRASYNC_LOG_LEVEL": "warning",
        "JIRASYNC_LOG_FORMAT": "json",
        "JIRASYNC_WORKER__LEASE_SECONDS": str(lease),
        "JIRASYNC_WORKER__POLL_INTERVAL_SECONDS": "0.05",
    }
    argv = [sys.executable, "-m", "jirasync", "worker", "--handlers", "effects_handler:register"]
    argv += ["--concurrency", str(concurrency)]
    return subprocess.Popen(argv, env=env, stderr=subprocess.PIPE, text=True)


async def _prepare(db: Database) -> None:
    from effects_handler import SCHEMA  # lives next to this test, see the fixture below

    async with db.write() as conn:
        for statement in SCHEMA:
            await conn.execute(text(statement))


async def _scalar(db: Database, sql: str, **params):
    async with db.read() as conn:
        return (await conn.execute(text(sql), params)).scalar()


async def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


def _stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        _, err = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        _, err = process.communicate()
    return err


@pytest.fixture(autouse=True)
def _handler_module_importable(monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(HERE))


async def test_a_worker_killed_mid_event_leaves_it_to_be_processed_exactly_once(
    pg_db: Database, tmp_path: Path
) -> None:
    await _prepare(pg_db)
    inbox = Inbox(pg_db)
    events = []
    for seq in range(5):
        body = {"seq": seq, "hang_on_attempt": 1 if seq == 2 else None}
        events.append(
            await inbox.receive(
                source="effects",
                connection_id=None,
                delivery_id=f"d{seq}",
                headers={},
                body=json.dumps(body).encode(),
                ordering_key="pagerduty:PCRASH",
            )
        )
    victim = events[2].event_id

    first = start_worker(pg_db.url, tmp_path, lease=1.5)
    try:

        async def hanging() -> bool:
            assert first.poll() is None, first.stderr.read() if first.stderr else ""
            return (
                await _scalar(pg_db, "SELECT count(*) FROM effects WHERE event_id = :e", e=victim)
                == 1
            )

        await _wait_for(hanging, 30, "the worker to reach the hanging event")
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
        first.communicate()
    assert (
        await _scalar(pg_db, "SELECT status FROM inbox_events WHERE id = :e", e=victim) == "running"
    )

    second = start_worker(pg_db.url, tmp_path, lease=1.5)
    try:

        async def drained() -> bool:
            return await status_counts(pg_db) == {"done": 5}

        await _wait_for(drained, 30, "the second worker to finish the queue")
    finally:
        err = _stop(second)
    assert second.returncode == 0, err

    assert await _scalar(pg_db, "SELECT count(*) FROM effects WHERE event_id = :e", e=victim) == 1
    assert await _scalar(pg_db, "SELECT attempts FROM inbox_events WHERE id = :e", e=victim) == 2
    assert await _scalar(pg_db, "SELECT count(*) FROM runs WHERE event_id = :e", e=victim) == 1
    seqs = await _scalar(pg_db, "SELECT string_agg(seq::text, ',' ORDER BY id) FROM runs")
    assert seqs == "0,1,2,3,4"


async def test_three_worker_processes_share_the_queue(pg_db: Database, tmp_path: Path) -> None:
    await _prepare(pg_db)
    workers = [start_worker(pg_db.url, tmp_path, concurrency=16) for _ in range(3)]
    inbox = Inbox(pg_db)
    try:
        # Producers each sending their keys' events in order, like concurrent webhooks.
        async def produce(producer: int) -> None:
            for seq in range(producer, 3000, 5):
                await inbox.receive(
                    source="effects",
                    connection_id=None,
                    delivery_id=f"d{seq}",
                    headers={},
                    body=json.dumps({"seq": seq}).encode(),
                    ordering_key=f"jira:1:{seq % 300}",
                )

        await asyncio.gather(*(produce(p) for p in range(5)))

        async def drained() -> bool:
            for worker in workers:
                assert worker.poll() is None, worker.stderr.read() if worker.stderr else ""
            return await status_counts(pg_db) == {"done": 3000}

        await _wait_for(drained, 120, "3,000 events to be processed")
    finally:
        errors = [_stop(worker) for worker in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], errors

    assert await _scalar(pg_db, "SELECT count(*) FROM runs") == 3000
    assert await _scalar(pg_db, "SELECT count(DISTINCT event_id) FROM runs") == 3000
    assert await _scalar(pg_db, "SELECT count(DISTINCT pid) FROM runs") == 3
    # Per key, runs happened in the order the events arrived.
    out_of_order = await _scalar(
        pg_db,
        """
        SELECT count(*) FROM (
            SELECT seq, lag(seq) OVER (PARTITION BY ordering_key ORDER BY id) AS previous
            FROM runs
        ) ordered WHERE previous > seq
        """,
    )
    assert out_of_order == 0
