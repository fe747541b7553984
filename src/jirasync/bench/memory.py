"""Memory: the resident set of one `jirasync serve` process (web app and worker) whose store
holds many links and events, while it handles live webhooks and while people page through
the queue and the links in the API.

The store is filled first, straight into SQLite with SQLAlchemy Core in batches: links of
resolved incidents and finished events (PagerDuty and Jira webhook bodies of a realistic size),
spread over the past 90 days. Then the process starts on that file; its RSS (VmRSS) is sampled
every 0.2 s, and the kernel's high-water mark (VmHWM) gives the peak.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, insert
from sqlalchemy.engine import make_url

from jirasync.access.accounts import create_token
from jirasync.bench import pagerduty
from jirasync.bench.driver import Driver, Request, expect
from jirasync.bench.harness import BenchStack, bench_stack
from jirasync.bench.processes import JirasyncProcess
from jirasync.bench.report import Workload, read_events, split
from jirasync.crypto import SecretBox
from jirasync.devstack import PD_HEADERS, Stack
from jirasync.store.db import Database
from jirasync.store.models import AccountRole, InboxEvent, Link
from jirasync.store.types import utcnow

BATCH = 10_000
SPREAD = timedelta(days=90)


# -- filling the store -----------------------------------------------------------------------
def _pd_body(n: int) -> bytes:
    incident = {
        "id": f"QFILL{n:09d}",
        "type": "incident",
        "self": f"https://api.pagerduty.com/incidents/QFILL{n:09d}",
        "html_url": f"https://acme.pagerduty.com/incidents/QFILL{n:09d}",
        "number": n,
        "status": "resolved",
        "title": f"Checkout latency above 2 s on host web-{n % 97:02d} (stored event {n})",
        "service": {"id": pagerduty.SERVICE, "type": "service_reference", "summary": "Checkout"},
        "assignees": [{"id": "PUSER01", "type": "user_reference", "summary": "Alice Admin"}],
        "escalation_policy": {"id": "PEPOL01", "type": "escalation_policy_reference"},
        "teams": [{"id": "PTEAM01", "type": "team_reference", "summary": "Engineering"}],
        "priority": None,
        "urgency": "high",
    }
    event = {
        "id": f"FILL{n:012d}",
        "event_type": "incident.resolved",
        "resource_type": "incident",
        "occurred_at": "2026-01-01T00:00:00Z",
        "agent": {"id": "PUSER01", "type": "user_reference", "summary": "Alice Admin"},
        "data": incident,
    }
    return json.dumps({"event": event}).encode()


def _jira_body(n: int) -> bytes:
    issue = {
        "id": str(50_000_000 + n),
        "key": f"FILL-{n}",
        "fields": {
            "summary": f"Stored issue {n}: checkout latency",
            "status": {"id": "10001", "name": "Done", "statusCategory": {"key": "done"}},
            "project": {"id": "10001", "key": "SUP"},
            "priority": {"id": "3", "name": "Medium"},
            "labels": [f"pagerduty-qfill{n:09d}"],
        },
    }
    changelog = {
        "id": str(n),
        "items": [{"field": "status", "fromString": "In Progress", "toString": "Done"}],
    }
    body = {
        "timestamp": 1_767_225_600_000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"name": "alice", "emailAddress": "alice@example.com"},
        "issue": issue,
        "changelog": changelog,
    }
    return json.dumps(body).encode()


def _link_rows(start: int, stop: int, pd_id: int, jira_id: int) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "source_connection_id": pd_id,
            "source_type": "incident",
            "source_id": f"QFILL{n:09d}",
            "jira_connection_id": jira_id,
            "issue_id": str(50_000_000 + n),
            "issue_key": f"FILL-{n}",
            "last_synced": {"pd.status": "resolved", "jira.status": "Done"},
            "sync_status": "ok",
            "created_at": now - SPREAD * (1 - n / stop),
            "updated_at": now,
        }
        for n in range(start, stop)
    ]


def _event_rows(
    start: int, stop: int, total: int, pd_id: int, jira_id: int
) -> Iterator[dict[str, Any]]:
    now = utcnow()
    for n in range(start, stop):
        at = now - SPREAD * (1 - n / total)
        jira = n % 2 == 1
        source, connection = ("jira", jira_id) if jira else ("pagerduty", pd_id)
        delivery = f"changelog-{n}" if jira else f"FILL{n:012d}"
        yield {
            "source": source,
            "connection_id": connection,
            "delivery_id": delivery,
            "dedup_key": f"{source}:{connection}:{delivery}",
            "ordering_key": f"{source}:{connection}:{n % 100_000}",
            "headers": {"content-type": "application/json", "user-agent": "bench-fill"},
            "body": _jira_body(n) if jira else _pd_body(n),
            "token": uuid.uuid4().hex,
            "status": "done",
            "attempts": 1,
            "received_at": at,
            "available_at": at,
            "finished_at": at + timedelta(milliseconds=150),
        }


@dataclass
class Fill:
    links: int
    events: int
    seconds: float = 0.0


def fill(url: str, links: int, events: int, pd_id: int, jira_id: int) -> Fill:
    """Bulk-insert the links and events (synchronous SQLite: one writer, no event loop)."""
    started = time.perf_counter()
    engine = create_engine(make_url(url).set(drivername="sqlite"))
    try:
        with engine.begin() as conn:
            for start in range(0, links, BATCH):
                stop = min(links, start + BATCH)
                conn.execute(insert(Link), _link_rows(start, stop, pd_id, jira_id))
        for start in range(0, events, BATCH):
            stop = min(events, start + BATCH)
            with engine.begin() as conn:
                rows = list(_event_rows(start, stop, events, pd_id, jira_id))
                conn.execute(insert(InboxEvent), rows)
        # No ANALYZE: jirasync never runs it, and with statistics of a store of finished events
        # SQLite plans the queue's claim as a scan of the whole table (see docs/benchmarks.md).
    finally:
        engine.dispose()
    return Fill(links, events, time.perf_counter() - started)


def store_bytes(url: str) -> int:
    path = Path(str(make_url(url).database))
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


# -- measuring -------------------------------------------------------------------------------
@dataclass
class Phase:
    name: str
    seconds: float
    rss_start_mib: float
    rss_max_mib: float
    peak_mib: float  # the process's high-water mark at the end of the phase
    detail: dict[str, Any] = field(default_factory=dict)


class Sampler:
    """RSS of a process every `interval` seconds, in a thread, while a phase runs."""

    def __init__(self, process: JirasyncProcess, interval: float = 0.2) -> None:
        self.process = process
        self.interval = interval

    def phase(self, name: str, work: Any) -> Phase:
        start = self.process.memory()
        samples = [start.rss_mib]
        stop = threading.Event()

        def sample() -> None:
            while not stop.wait(self.interval):
                samples.append(self.process.memory().rss_mib)

        thread = threading.Thread(target=sample, daemon=True)
        began = time.perf_counter()
        thread.start()
        try:
            detail = work() or {}
        finally:
            stop.set()
            thread.join()
        end = self.process.memory()
        samples.append(end.rss_mib)
        seconds = time.perf_counter() - began
        return Phase(name, round(seconds, 2), start.rss_mib, max(samples), end.peak_mib, detail)


def _token(stack: Stack) -> str:
    async def make(db: Database, _: SecretBox) -> str:
        made = await create_token(db, "bench memory", AccountRole.VIEWER, created_by="bench")
        return made.token.get_secret_value()

    token: str = asyncio.run(stack._store(make))
    return token


def listings(url: str, token: str, pages: int) -> dict[str, Any]:
    """What people look at: the queue (newest first, paged back), its counts, the links (first
    page with the total, a deep page, a search by key). Milliseconds per request."""
    timings: dict[str, float] = {}
    with httpx.Client(
        base_url=f"{url}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=120
    ) as api:

        def get(label: str, path: str, **params: Any) -> Any:
            began = time.perf_counter()
            answer = api.get(path, params=params)
            answer.raise_for_status()
            timings[label] = round((time.perf_counter() - began) * 1000, 1)
            return answer.json()

        get("event counts", "/events/counts")
        page = get("events, first page", "/events", limit=200)
        began = time.perf_counter()
        for _ in range(pages):
            if not page["next_before_id"]:
                break
            page = api.get("/events", params={"limit": 200, "before_id": page["next_before_id"]})
            page = page.raise_for_status().json()
        timings[f"events, next {pages} pages (each)"] = round(
            (time.perf_counter() - began) * 1000 / max(pages, 1), 1
        )
        get("events, done, first page", "/events", status="done", limit=200)
        get("links, first page with total", "/links", limit=100, total=True)
        get("links, a deep page", "/links", limit=100, offset=90_000)
        get("links, by issue key", "/links", issue_key="FILL-12345")
    return {"listing_ms": timings}


def live(bench: BenchStack, count: int, concurrency: int) -> dict[str, Any]:
    """`count` incidents triggered → issues, handled by the process, settled."""
    service = {"id": pagerduty.SERVICE, "type": "service_reference"}
    requests = [
        Request(
            "POST",
            "/incidents",
            "POST /incidents",
            json={"incident": {"type": "incident", "title": f"live {i}", "service": service}},
        )
        for i in range(count)
    ]
    stack = bench.stack
    driver = Driver(concurrency)
    expect(
        driver.run(
            stack.pagerduty_url, requests, headers={**PD_HEADERS, "From": "alice@example.com"}
        ),
        201,
    )
    stack.settle(timeout=60 + count)
    return {"incidents": count}


@dataclass
class Result:
    fill: Fill
    store_mib: float
    phases: list[Phase]
    workload: Workload

    def as_dict(self) -> dict[str, Any]:
        return {
            "links": self.fill.links,
            "events": self.fill.events,
            "fill_seconds": round(self.fill.seconds, 1),
            "store_mib": self.store_mib,
            "phases": [vars(p) for p in self.phases],
            "peak_rss_mib": max(p.peak_mib for p in self.phases),
            "live": self.workload.as_dict(),
        }


def run(links: int = 100_000, events: int = 1_000_000, live_events: int = 300) -> Result:
    with tempfile.TemporaryDirectory() as tmp, bench_stack(Path(tmp)) as bench:
        stack = bench.stack
        stack.apply(pagerduty.setup_document(stack))
        stack.check(fix=True)
        url = stack.settings.database
        filled = fill(url, links, events, stack.connections["pagerduty"], stack.connections["jira"])
        size = round(store_bytes(url) / 2**20, 1)
        token = _token(stack)
        after = bench.last_event_id()
        process = bench.serve_process(worker=True)
        sampler = Sampler(process)
        phases = [
            sampler.phase("idle after start", lambda: time.sleep(2)),
            sampler.phase(f"{live_events} live incidents", lambda: live(bench, live_events, 8)),
            sampler.phase(
                "queue and links listings", lambda: listings(process.url or "", token, 20)
            ),
        ]
        events_seen = read_events(stack.settings, after)
        mine, echo = split(events_seen, pagerduty.driven)
        counts = pagerduty.issues_by_incident(stack)
        w = Workload("memory live", f"{live_events} incidents → issues", mine, echo)
        w.items = live_events
        w.duplicates = sum(max(0, c - 1) for c in counts.values())
        w.lost = live_events - len(counts)
        return Result(filled, size, phases, w)


def render(console: Console, result: Result, machine: dict[str, Any]) -> None:
    d = result.as_dict()
    console.print(
        f"store: {d['links']:,} links, {d['events']:,} events, {d['store_mib']:,.0f} MiB "
        f"(filled in {d['fill_seconds']} s)"
    )
    table = Table(title="Memory of one `jirasync serve` process (web app + worker)")
    for column in ("phase", "seconds", "RSS at start MiB", "RSS max MiB", "peak (VmHWM) MiB"):
        table.add_column(column, justify="left" if column == "phase" else "right")
    for p in result.phases:
        numbers = (p.seconds, p.rss_start_mib, p.rss_max_mib, p.peak_mib)
        table.add_row(p.name, *(f"{x:,.1f}" for x in numbers))
    console.print(table)
    for p in result.phases:
        for label, ms in (p.detail.get("listing_ms") or {}).items():
            console.print(f"  {label}: {ms} ms")
    live_ = d["live"]
    console.print(
        f"live: {live_['events']} events, {live_['events_per_s']} events/s, "
        f"duplicates {live_['duplicates']}, lost {live_['lost']}; "
        f"load average {machine['loadavg_1m']} (1 min)"
    )
