"""A whole stack on 127.0.0.1: the Jira, PagerDuty and HackerOne simulators and jirasync itself,
each a real HTTP server in this process, wired the way an admin would: `apply` a set-up
document, then `check --fix` registers the webhooks. The end-to-end tests, the benchmarks and
the demo run on it."""

from __future__ import annotations

import asyncio
import errno
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from jirasync.config import RetrySettings, Settings, WorkerSettings
from jirasync.crypto import SecretBox, load_or_create_key
from jirasync.engine.service import Service
from jirasync.serving import ServerThread, bind_socket
from jirasync.sim.common import SimConfig
from jirasync.sim.hackerone import create_app as hackerone_app
from jirasync.sim.jira import create_app as jira_app
from jirasync.sim.pagerduty import create_app as pagerduty_app
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade
from jirasync.sync.registration import Report, check_webhooks
from jirasync.sync.runtime import SyncRuntime
from jirasync.sync.setup import apply
from jirasync.web.app import create_app as jirasync_app

PD_FROM = "jirasync@example.com"
PD_HEADERS = {
    "Authorization": "Token token=pdsim-account-key-0001",
    "Accept": "application/vnd.pagerduty+json;version=2",
}


@dataclass
class Stack:
    settings: Settings
    jira_url: str
    pagerduty_url: str
    hackerone_url: str
    jirasync_url: str
    service: Service
    connections: dict[str, int] = field(default_factory=dict)

    # -- clients as a person would use them ----------------------------------------------------
    def jira(self, user: str = "alice") -> httpx.Client:
        return httpx.Client(base_url=self.jira_url, auth=(user, user), timeout=10)

    def pagerduty(self, as_email: str = "alice@example.com") -> httpx.Client:
        return httpx.Client(
            base_url=self.pagerduty_url, headers={**PD_HEADERS, "From": as_email}, timeout=10
        )

    def hackerone(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.hackerone_url,
            auth=("jirasync-sim", "h1-sim-token-0123456789abcdef"),
            timeout=10,
        )

    # -- set-up --------------------------------------------------------------------------------
    def apply(self, document: dict[str, Any]) -> None:
        applied = asyncio.run(self._store(lambda db, secrets: apply(db, secrets, document)))
        self.connections.update(applied.connections)

    def check(self, fix: bool = True) -> list[Report]:
        async def run(db: Database, secrets: SecretBox) -> list[Report]:
            runtime = SyncRuntime(db, secrets)
            try:
                return await check_webhooks(runtime, secrets, self.jirasync_url, fix)
            finally:
                await runtime.close()

        reports: list[Report] = asyncio.run(self._store(run))
        return reports

    def on_store(self, work: Callable[[Database, SecretBox], Any]) -> Any:
        """Run `work` on jirasync's database and secrets (as the CLI would, beside the app)."""
        return asyncio.run(self._store(work))

    async def _store(self, work: Callable[[Database, SecretBox], Any]) -> Any:
        db = Database(self.settings.database)
        secrets = SecretBox(load_or_create_key(self.settings.secret_key, self.settings.data_dir))
        try:
            await upgrade(db)
            return await work(db, secrets)
        finally:
            await db.dispose()

    # -- waiting and counting ------------------------------------------------------------------
    def settle(self, timeout: float = 15.0) -> None:
        """Until every simulator has delivered its webhooks and jirasync's queue is empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for url in (self.jira_url, self.pagerduty_url, self.hackerone_url):
                httpx.post(f"{url}/_sim/webhooks/drain", params={"timeout": 5}, timeout=10)
            if self.queue_idle():
                for url in (self.jira_url, self.pagerduty_url, self.hackerone_url):
                    log = httpx.get(
                        f"{url}/_sim/webhooks", params={"state": "pending", "body": "false"}
                    ).json()
                    if log["deliveries"]:
                        break
                else:
                    return
            time.sleep(0.05)
        raise AssertionError(f"not settled after {timeout} s: {self.events()}")

    def queue_idle(self) -> bool:
        return not any(e["status"] in ("pending", "retrying", "running") for e in self.events())

    def events(self) -> list[dict[str, Any]]:
        async def read(db: Database, _: SecretBox) -> list[dict[str, Any]]:
            async with db.read() as conn:
                rows = await conn.exec_driver_sql(
                    "SELECT id, source, status, reason, attempts, ordering_key"
                    " FROM inbox_events ORDER BY id"
                )
                return [dict(r._mapping) for r in rows]

        events: list[dict[str, Any]] = asyncio.run(self._store(read))
        return events

    def requests(self, url: str) -> dict[str, int]:
        counts: dict[str, int] = httpx.get(f"{url}/_sim/requests").json()["counts"]
        return counts

    def reset_counts(self) -> None:
        for url in (self.jira_url, self.pagerduty_url, self.hackerone_url):
            httpx.delete(f"{url}/_sim/requests")


def wait_for(check: Callable[[], Any], timeout: float = 15.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def stack_settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'jirasync.db'}",
        data_dir=tmp_path / "data",
        worker=WorkerSettings(concurrency=8, lease_seconds=10, poll_interval_seconds=0.05),
        retry=RetrySettings(max_attempts=5, backoff_base_seconds=0.05, backoff_max_seconds=0.5),
        log_level="warning",
    )


@dataclass(frozen=True)
class Ports:
    """Where each part listens on 127.0.0.1; 0 lets the OS choose a free port."""

    jirasync: int = 0
    jira: int = 0
    pagerduty: int = 0
    hackerone: int = 0


@dataclass(frozen=True)
class SimSetup:
    """What a simulator starts from: a seed (None: its built-in default seed) and options."""

    seed: dict[str, Any] | None = None
    options: dict[str, Any] = field(default_factory=dict)


class PortInUse(OSError):
    """A part of the stack could not listen: another process holds its port."""

    def __init__(self, part: str, port: int) -> None:
        super().__init__(errno.EADDRINUSE, f"port {port} ({part}) is already in use")
        self.part = part
        self.port = port


def bind_ports(ports: Ports, host: str = "127.0.0.1") -> dict[str, socket.socket]:
    """A listening socket per part, all claimed before anything starts."""
    bound: dict[str, socket.socket] = {}
    try:
        for part in ("jira", "pagerduty", "hackerone", "jirasync"):
            port = getattr(ports, part)
            try:
                bound[part] = bind_socket(host, port)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise PortInUse(part, port) from exc
    except BaseException:
        for sock in bound.values():
            sock.close()
        raise
    return bound


@contextmanager
def serving_stack(
    settings: Settings,
    ports: Ports = Ports(),
    *,
    jira: SimSetup = SimSetup(),
    pagerduty: SimSetup = SimSetup(),
    hackerone: SimSetup = SimSetup(),
    prepare: Callable[[], None] | None = None,
) -> Iterator[Stack]:
    """The simulators and jirasync (its `public_url` set to where it listens), stopped in
    reverse order. `prepare` runs once every port is claimed, before anything starts."""
    sockets = bind_ports(ports)
    with ExitStack() as stack:
        for sock in sockets.values():
            stack.callback(sock.close)  # only matters until a server owns it
        if prepare is not None:
            prepare()
        sims = {
            name: stack.enter_context(ServerThread(_simulator(app, setup), sock=sockets[name]))
            for name, app, setup in (
                ("jira", jira_app, jira),
                ("pagerduty", pagerduty_app, pagerduty),
                ("hackerone", hackerone_app, hackerone),
            )
        }
        holder: dict[str, Any] = {}

        def make_app(url: str) -> Any:
            holder["settings"] = settings.model_copy(update={"public_url": url})
            holder["service"] = Service(holder["settings"])
            return jirasync_app(holder["service"])

        app = stack.enter_context(ServerThread(make_app, sock=sockets["jirasync"]))
        yield Stack(
            holder["settings"],
            sims["jira"].url,
            sims["pagerduty"].url,
            sims["hackerone"].url,
            app.url,
            holder["service"],
        )


def _simulator(create_app: Callable[[SimConfig], Any], setup: SimSetup) -> Callable[[str], Any]:
    return lambda url: create_app(SimConfig(base_url=url, seed=setup.seed, options=setup.options))


@contextmanager
def running_stack(tmp_path: Path) -> Iterator[Stack]:
    fast_webhooks = {"webhook_backoff_s": [0.05, 0.1, 0.2], "webhook_attempts": 4}
    with serving_stack(
        stack_settings(tmp_path), pagerduty=SimSetup(options=fast_webhooks)
    ) as stack:
        # The PagerDuty default seed's demo subscription points at port 8000: not ours here.
        httpx.delete(f"{stack.pagerduty_url}/webhook_subscriptions/PWHSUB1", headers=PD_HEADERS)
        yield stack
