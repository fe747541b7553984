"""Engine benchmark: `python -m jirasync.bench.engine`.

Measures `Inbox.receive` latency, and events per second claimed and completed with a no-op
handler by 1 and 3 `jirasync worker` processes, on SQLite and PostgreSQL. Events are loaded
first, parked in the future, and released at once, so process start-up is not timed; the rate
is events / (last finish - release time), both read from the database.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, insert, select, update

from jirasync.bench.pgcluster import create_database, temporary_cluster
from jirasync.engine import Done, EventContext, HandlerRegistry, Inbox, Outcome
from jirasync.engine.queue import events
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade
from jirasync.store.types import utcnow

SOURCE = "bench"


async def noop(ctx: EventContext) -> Outcome:
    return Done()


def register(registry: HandlerRegistry) -> None:
    registry.register(SOURCE, noop)


@dataclass(frozen=True)
class Throughput:
    database: str
    workers: int
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds


async def receive_latency(url: str, count: int) -> list[float]:
    """Milliseconds per `receive()`, one after another, on a fresh database."""
    db = Database(url)
    await upgrade(db)
    inbox = Inbox(db)
    latencies = []
    try:
        for n in range(count):
            started = time.perf_counter()
            await inbox.receive(
                source=SOURCE,
                connection_id=None,
                delivery_id=f"r{n}",
                headers={"content-type": "application/json"},
                body=b'{"event": {"id": "%d"}}' % n,
                ordering_key=f"{SOURCE}:{n % 100}",
            )
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        await db.dispose()
    return latencies


async def _preload(db: Database, count: int, keys: int) -> None:
    parked = utcnow() + timedelta(hours=1)
    rows: list[dict[str, object]] = [
        {
            "source": SOURCE,
            "connection_id": None,
            "delivery_id": f"d{n}",
            "dedup_key": f"{SOURCE}:-:d{n}",
            "ordering_key": f"{SOURCE}:{n % keys}",
            "headers": {},
            "body": b"{}",
            "token": uuid.uuid4().hex,
            "available_at": parked,
        }
        for n in range(count)
    ]
    for start in range(0, count, 2000):
        async with db.write() as conn:
            await conn.execute(insert(events), rows[start : start + 2000])
    # Fresh planner statistics, as autovacuum keeps them in a running system.
    async with db.write() as conn:
        await conn.exec_driver_sql("ANALYZE" if db.is_sqlite else "ANALYZE inbox_events")


def _spawn_workers(
    url: str, count: int, concurrency: int, data_dir: Path
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "JIRASYNC_DATABASE_URL": url,
        "JIRASYNC_DATA_DIR": str(data_dir),
        "JIRASYNC_LOG_LEVEL": "warning",
        "JIRASYNC_WORKER__POLL_INTERVAL_SECONDS": "0.05",
    }
    argv = [sys.executable, "-m", "jirasync", "worker", "--concurrency", str(concurrency)]
    argv += ["--handlers", "jirasync.bench.engine:register"]
    return [subprocess.Popen(argv, env=env) for _ in range(count)]  # noqa: S603


async def throughput(
    url: str, label: str, workers: int, count: int, keys: int, concurrency: int
) -> Throughput:
    db = Database(url)
    await upgrade(db)
    await _preload(db, count, keys)
    with tempfile.TemporaryDirectory() as data_dir:
        processes = _spawn_workers(url, workers, concurrency, Path(data_dir))
        try:
            await asyncio.sleep(3)  # let the processes import and start polling
            released = utcnow() + timedelta(seconds=0.2)
            async with db.write() as conn:
                await conn.execute(update(events).values(available_at=released))
            await _wait_done(db, count, processes)
            async with db.read() as conn:
                last = (await conn.execute(select(func.max(events.c.finished_at)))).scalar_one()
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(30)
            await db.dispose()
    return Throughput(label, workers, count, (last - released).total_seconds())


async def _wait_done(db: Database, count: int, processes: list[subprocess.Popen[bytes]]) -> None:
    done_count = select(func.count()).where(events.c.status == "done")
    while True:
        await asyncio.sleep(0.2)
        if any(process.poll() is not None for process in processes):
            raise RuntimeError("a worker process exited early")
        async with db.read() as conn:
            if (await conn.execute(done_count)).scalar_one() >= count:
                return


def _percentile(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1]


async def run(events_count: int, keys: int, concurrency: int, postgres_url: str | None) -> None:
    console = Console()
    with tempfile.TemporaryDirectory() as tmp:

        def sqlite(name: str) -> str:
            return f"sqlite+aiosqlite:///{tmp}/{name}.db"

        latency = {"SQLite": await receive_latency(sqlite("receive"), 2000)}
        results = [await throughput(sqlite("t1"), "SQLite", 1, events_count, keys, concurrency)]
        with temporary_cluster() if postgres_url is None else _given(postgres_url) as base:
            latency["PostgreSQL"] = await receive_latency(await create_database(base), 2000)
            for workers in (1, 3):
                url = await create_database(base)
                results.append(
                    await throughput(url, "PostgreSQL", workers, events_count, keys, concurrency)
                )
    _report(console, latency, results, concurrency)


class _given:
    def __init__(self, url: str) -> None:
        self.url = url

    def __enter__(self) -> str:
        return self.url

    def __exit__(self, *exc: object) -> None:
        return None


def _report(
    console: Console, latency: dict[str, list[float]], results: list[Throughput], concurrency: int
) -> None:
    table = Table(title="receive() latency, sequential, 2,000 calls")
    for column in ("database", "p50 ms", "p99 ms"):
        table.add_column(column)
    for name, values in latency.items():
        table.add_row(name, f"{_percentile(values, 50):.2f}", f"{_percentile(values, 99):.2f}")
    console.print(table)
    table = Table(title=f"no-op events claimed + completed (concurrency {concurrency}/process)")
    for column in ("database", "workers", "events", "seconds", "events/s", "vs 1 worker"):
        table.add_column(column)
    single = {r.database: r.rate for r in results if r.workers == 1}
    for r in results:
        table.add_row(
            r.database,
            str(r.workers),
            str(r.events),
            f"{r.seconds:.2f}",
            f"{r.rate:,.0f}",
            f"{r.rate / single[r.database]:.2f}x",
        )
    console.print(table)
    console.print(f"cores: {os.cpu_count()}")


def main(
    events_count: Annotated[int, typer.Option("--events")] = 10_000,
    keys: Annotated[int, typer.Option()] = 1_000,
    concurrency: Annotated[int, typer.Option()] = 64,
    postgres_url: Annotated[
        str | None, typer.Option(help="Cluster base URL; a temporary cluster without it.")
    ] = None,
) -> None:
    asyncio.run(run(events_count, keys, concurrency, postgres_url))


if __name__ == "__main__":
    typer.run(main)
