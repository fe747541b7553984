"""The stack the end-to-end benchmarks run on: `jirasync.devstack`'s simulators and jirasync on
127.0.0.1, except that jirasync can be restarted (a new `Service` and web app on the same
database file and the same port), which the replay workloads need.

Everything runs in this process, as in the end-to-end tests: the three simulators, jirasync
and the load driver share one interpreter, so the rates measured are a floor for jirasync
alone.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select

from jirasync.bench import processes
from jirasync.config import RetrySettings
from jirasync.devstack import PD_HEADERS, Stack, stack_settings
from jirasync.engine.service import Service
from jirasync.serving import ServerThread
from jirasync.sim.common import SimConfig
from jirasync.sim.hackerone import create_app as hackerone_app
from jirasync.sim.jira import create_app as jira_app
from jirasync.sim.pagerduty import create_app as pagerduty_app
from jirasync.store.db import Database
from jirasync.store.models import InboxEvent
from jirasync.web.app import create_app as jirasync_app


@dataclass
class BenchStack:
    stack: Stack
    _server: ServerThread
    children: list[processes.JirasyncProcess] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.stack.jirasync_url.rsplit(":", 1)[1])

    def components(self) -> dict[str, str]:
        """Server thread name → what runs in it."""
        s = self.stack
        return {
            f"server {s.jira_url}": "jira sim",
            f"server {s.pagerduty_url}": "pagerduty sim",
            f"server {s.hackerone_url}": "hackerone sim",
            f"server {s.jirasync_url}": "jirasync",
            threading.main_thread().name: "driver + measuring",
        }

    def cpu(self) -> dict[str, float]:
        """CPU seconds used so far by each component's threads (Linux; empty elsewhere).

        Unnamed threads are mostly aiosqlite's, one per open connection: jirasync's database
        work (the driver's measuring queries open and close theirs between workloads)."""
        names = self.components()
        totals: dict[str, float] = {}
        tick = os.sysconf("SC_CLK_TCK")
        for thread in threading.enumerate():
            try:
                stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            seconds = (int(fields[11]) + int(fields[12])) / tick
            what = names.get(thread.name, "other threads (aiosqlite: jirasync's DB)")
            totals[what] = totals.get(what, 0.0) + seconds
        return totals

    def serve_process(self, *, worker: bool) -> processes.JirasyncProcess:
        """Replace the in-process jirasync by a `jirasync serve` process on the same database
        and port (where the webhooks are registered): a process of its own to measure."""
        self._server.stop()
        started = processes.serve(self.stack.settings, self.port, worker=worker)
        self.children.append(started)
        return started

    def start_worker(self) -> processes.JirasyncProcess:
        """A `jirasync worker` process on the stack's database."""
        started = processes.worker(self.stack.settings)
        self.children.append(started)
        return started

    def stop_processes(self) -> None:
        while self.children:
            self.children.pop().stop()

    def restart(self) -> None:
        """Stop jirasync (web app, worker, database pool) and start a new one on the same
        database and port: nothing survives in memory (caches, clients), only the database."""
        port = self.port
        self._server.stop()
        settings = self.stack.settings
        holder: dict[str, Service] = {}

        def make_app(url: str) -> Any:
            holder["service"] = Service(settings)
            return jirasync_app(holder["service"])

        for _ in range(50):  # the old socket may take a moment to be released
            try:
                server = ServerThread(make_app, port=port)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"port {port} stayed busy after the restart")
        self._server = server.start()
        self.stack.service = holder["service"]

    def cpu_since(self, before: dict[str, float]) -> dict[str, float]:
        after = self.cpu()
        return {k: round(max(0.0, v - before.get(k, 0.0)), 2) for k, v in sorted(after.items())}

    def last_event_id(self) -> int:
        async def read() -> int:
            db = Database(self.stack.settings.database)
            try:
                async with db.read() as conn:
                    value = (await conn.execute(select(func.max(InboxEvent.id)))).scalar_one()
                    return int(value or 0)
            finally:
                await db.dispose()

        return asyncio.run(read())


@contextmanager
def bench_stack(
    tmp_path: Path,
    concurrency: int = 8,
    *,
    database_url: str | None = None,
    run_worker: bool = True,
    retry: RetrySettings | None = None,
) -> Iterator[BenchStack]:
    """`run_worker=False`: the in-process jirasync only receives webhooks (worker processes,
    started with `BenchStack.start_worker`, handle them)."""
    settings = stack_settings(tmp_path)
    # The reconciler's polling is a steady background cost of its own (see its interval); left
    # on, its pass at every restart would be counted against the webhooks being measured.
    update: dict[str, Any] = {
        "worker": settings.worker.model_copy(update={"concurrency": concurrency}),
        "reconciler": settings.reconciler.model_copy(update={"enabled": False}),
    }
    if database_url is not None:
        update["database_url"] = SecretStr(database_url)
    if retry is not None:
        update["retry"] = retry
    settings = settings.model_copy(update=update)
    fast_webhooks = {"webhook_backoff_s": [0.05, 0.1, 0.2], "webhook_attempts": 4}
    with ExitStack() as stack:
        jira = stack.enter_context(ServerThread(lambda url: jira_app(SimConfig(base_url=url))))
        pagerduty = stack.enter_context(
            ServerThread(lambda url: pagerduty_app(SimConfig(base_url=url, options=fast_webhooks)))
        )
        hackerone = stack.enter_context(
            ServerThread(lambda url: hackerone_app(SimConfig(base_url=url)))
        )
        holder: dict[str, Any] = {}

        def make_app(url: str) -> Any:
            holder["settings"] = settings.model_copy(update={"public_url": url})
            holder["service"] = Service(holder["settings"])
            return jirasync_app(holder["service"], run_worker=run_worker)

        server = ServerThread(make_app).start()
        bench = BenchStack(
            Stack(
                holder["settings"],
                jira.url,
                pagerduty.url,
                hackerone.url,
                server.url,
                holder["service"],
            ),
            server,
        )
        stack.callback(lambda: bench._server.stop())
        stack.callback(bench.stop_processes)
        # The PagerDuty default seed's demo subscription points at port 8000: not ours here.
        httpx.delete(f"{pagerduty.url}/webhook_subscriptions/PWHSUB1", headers=PD_HEADERS)
        yield bench


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cores": os.cpu_count(),
        "loadavg_1m": round(load[0], 2),
        "loadavg_5m": round(load[1], 2),
    }
