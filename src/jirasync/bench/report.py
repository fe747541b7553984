"""What a workload measured, read back from jirasync's own records, and how it is shown.

Every webhook is a row of `inbox_events` (`received_at`); each run of a handler an
`event_attempts` row; each call it made to Jira, PagerDuty or HackerOne a `remote_calls` row
(`at` = when the answer came). So per event: latency = last remote write - received, and its
calls by system and route. The simulators' own request counters are kept beside them as a
cross-check (they also see calls made outside an event, e.g. at start-up).
"""

from __future__ import annotations

import asyncio
import json
import re
import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from jirasync.config import Settings
from jirasync.store.db import Database
from jirasync.store.models import EventAttempt, InboxEvent, RemoteCall

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Reads that fill a metadata cache (per connection, or per workflow and status): a handful per
# run, not per item. "Warm" figures leave them out.
CACHE_FILLS = frozenset(
    {
        "jira GET /rest/api/2/status",
        "jira GET /rest/api/2/priority",
        "jira GET /rest/api/2/field",
        "jira GET /rest/api/2/issue/{key}/transitions",
        "pagerduty GET /priorities",
    }
)


@dataclass(frozen=True)
class Call:
    system: str
    method: str
    route: str
    status: int | None
    at: datetime

    @property
    def write(self) -> bool:
        return self.method in WRITE_METHODS

    @property
    def label(self) -> str:
        return f"{self.system} {self.method} {self.route}"


@dataclass
class Event:
    id: int
    source: str
    status: str
    received_at: datetime
    finished_at: datetime | None
    body: bytes
    duplicates: int
    reason: str | None
    attempts: int = 0
    calls: list[Call] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def writes(self) -> list[Call]:
        return [c for c in self.calls if c.write]

    def latency_ms(self) -> float | None:
        """Webhook received → last remote write; None when the event wrote nothing."""
        writes = self.writes
        if not writes:
            return None
        return (max(c.at for c in writes) - self.received_at).total_seconds() * 1000


_JIRA_KEY = re.compile(r"[A-Z][A-Z0-9_]*-\d+")
_KEEP = frozenset({"v1", "v2", "v3"})


def route(path: str) -> str:
    """`/rest/api/2/issue/SUP-12/transitions?x=1` → `/rest/api/2/issue/{key}/transitions`."""
    path = path.split("?", 1)[0]
    if "://" in path:
        path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
    out: list[str] = []
    for segment in path.split("/"):
        if (out and out[-1] == "api") or segment in _KEEP or not any(c.isdigit() for c in segment):
            out.append(segment)
        elif _JIRA_KEY.fullmatch(segment):
            out.append("{key}")
        else:
            out.append("{id}")
    return "/".join(out)


async def _read_events(settings: Settings, after_id: int) -> list[Event]:
    db = Database(settings.database)
    try:
        async with db.read() as conn:
            rows = await conn.execute(
                select(
                    InboxEvent.id,
                    InboxEvent.source,
                    InboxEvent.status,
                    InboxEvent.received_at,
                    InboxEvent.finished_at,
                    InboxEvent.body,
                    InboxEvent.duplicates,
                    InboxEvent.reason,
                    InboxEvent.attempts,
                )
                .where(InboxEvent.id > after_id)
                .order_by(InboxEvent.id)
            )
            events = {r.id: Event(*r) for r in rows}
            calls = await conn.execute(
                select(
                    EventAttempt.event_id,
                    RemoteCall.system,
                    RemoteCall.method,
                    RemoteCall.path,
                    RemoteCall.status,
                    RemoteCall.at,
                )
                .join(RemoteCall, RemoteCall.attempt_id == EventAttempt.id)
                .where(EventAttempt.event_id > after_id)
                .order_by(RemoteCall.id)
            )
            for c in calls:
                events[c.event_id].calls.append(
                    Call(c.system, c.method.upper(), route(c.path), c.status, c.at)
                )
    finally:
        await db.dispose()
    return list(events.values())


def read_events(settings: Settings, after_id: int) -> list[Event]:
    return asyncio.run(_read_events(settings, after_id))


def first_attempt(settings: Settings, after_id: int) -> datetime | None:
    """When the first handler run on an event after `after_id` began (a drain's start)."""

    async def read() -> datetime | None:
        db = Database(settings.database)
        try:
            async with db.read() as conn:
                query = select(func.min(EventAttempt.started_at))
                found: datetime | None = (
                    await conn.execute(query.where(EventAttempt.event_id > after_id))
                ).scalar_one()
                return found
        finally:
            await db.dispose()

    return asyncio.run(read())


def duplicate_deliveries(settings: Settings) -> int:
    """Redelivered webhooks dropped at intake so far (sum of `inbox_events.duplicates`)."""

    async def read() -> int:
        db = Database(settings.database)
        try:
            async with db.read() as conn:
                rows = await conn.execute(select(InboxEvent.duplicates))
                return sum(r[0] or 0 for r in rows)
        finally:
            await db.dispose()

    return asyncio.run(read())


def subtract(seen: dict[str, int], driver: Counter[str]) -> dict[str, int]:
    """Simulator request counts minus the load driver's own requests."""
    out = {k: v - driver.get(k, 0) for k, v in seen.items()}
    return {k: v for k, v in sorted(out.items()) if v}


def pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Target:
    what: str
    limit: float
    measured: float

    @property
    def met(self) -> bool:
        return self.measured <= self.limit + 1e-9


@dataclass
class Workload:
    name: str
    description: str
    driven: list[Event]
    echo: list[Event]
    # Simulator-side counts of jirasync's requests during the workload, per system.
    sim_calls: dict[str, dict[str, int]] = field(default_factory=dict)
    duplicates: int | None = None
    lost: int | None = None
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    # What the driver did (incidents triggered, comments posted…): calls are counted per item,
    # the unit of reference/peers.md §6. One item may cause several webhooks (a Jira comment
    # sends comment_created and issue_updated). None: one item per driven event.
    items: int | None = None
    # When the clock starts: the first event received, unless the events waited for a worker
    # on purpose (a backlog drained): then when the work began.
    started_at: datetime | None = None

    @property
    def events(self) -> int:
        return len(self.driven)

    def seconds(self) -> float | None:
        finished = [e.finished_at for e in self.driven if e.finished_at]
        if not self.driven or not finished:
            return None
        first = self.started_at or min(e.received_at for e in self.driven)
        return (max(finished) - first).total_seconds()

    def rate(self) -> float | None:
        seconds = self.seconds()
        return self.events / seconds if seconds else None

    @property
    def item_count(self) -> int:
        return self.items if self.items is not None else len(self.driven)

    def all_rate(self) -> float | None:
        """Every event of the workload (driven and echo) per second of processing."""
        events = self.driven + self.echo
        finished = [e.finished_at for e in events if e.finished_at]
        if not events or not finished:
            return None
        seconds = (max(finished) - min(e.received_at for e in events)).total_seconds()
        return len(events) / seconds if seconds else None

    def cpu_ms_per_event(self) -> float | None:
        """jirasync's CPU (its server thread and its database threads) per event handled."""
        cpu = self.extra.get("cpu_seconds") or {}
        events = len(self.driven) + len(self.echo)
        used = sum(v for k, v in cpu.items() if k == "jirasync" or k.startswith("other"))
        return used * 1000 / events if cpu and events else None

    def calls_per_item(self) -> dict[str, float]:
        counts: Counter[str] = Counter(c.label for e in self.driven for c in e.calls)
        n = self.item_count or 1
        return {k: round(v / n, 3) for k, v in sorted(counts.items())}

    def per_item(self, writes_only: bool = False, warm: bool = False) -> dict[str, float]:
        counts: Counter[str] = Counter(
            c.system
            for e in self.driven
            for c in e.calls
            if (c.write or not writes_only) and not (warm and c.label in CACHE_FILLS)
        )
        n = self.item_count or 1
        return {k: round(v / n, 3) for k, v in sorted(counts.items())}

    def statuses(self, events: list[Event]) -> dict[str, int]:
        return dict(sorted(Counter(e.status for e in events).items()))

    def as_dict(self) -> dict[str, Any]:
        latencies = [x for x in (e.latency_ms() for e in self.driven) if x is not None]
        seconds = self.seconds()
        rate = self.rate()
        return {
            "name": self.name,
            "description": self.description,
            "items": self.item_count,
            "events": self.events,
            "event_kinds": dict(sorted(Counter(kind(e) for e in self.driven).items())),
            "statuses": self.statuses(self.driven),
            "seconds": round(seconds, 3) if seconds is not None else None,
            "events_per_s": round(rate, 1) if rate is not None else None,
            "all_events_per_s": _round(self.all_rate()),
            "jirasync_cpu_ms_per_event": _round(self.cpu_ms_per_event()),
            "latency_ms": {
                "measured_events": len(latencies),
                "p50": _round(pct(latencies, 50)),
                "p95": _round(pct(latencies, 95)),
                "p99": _round(pct(latencies, 99)),
            },
            "calls_per_item": self.per_item(),
            "writes_per_item": self.per_item(writes_only=True),
            "warm_calls_per_item": self.per_item(warm=True),
            "calls_per_item_by_route": self.calls_per_item(),
            "calls_total": sum(len(e.calls) for e in self.driven),
            "writes_total": sum(len(e.writes) for e in self.driven),
            "echo": {
                "events": len(self.echo),
                "statuses": self.statuses(self.echo),
                "writes": sum(len(e.writes) for e in self.echo),
                "reads": sum(len(e.calls) - len(e.writes) for e in self.echo),
                "calls_by_route": dict(
                    sorted(Counter(c.label for e in self.echo for c in e.calls).items())
                ),
            },
            "simulator_counts": self.sim_calls,
            "duplicates": self.duplicates,
            "lost": self.lost,
            "targets": [
                {"what": t.what, "target": t.limit, "measured": t.measured, "met": t.met}
                for t in self.targets
            ],
            "notes": self.notes,
            **self.extra,
        }


def kind(event: Event) -> str:
    """`pagerduty incident.triggered`, `jira comment_created`, `hackerone activity-comment`."""
    body = event.json()
    if event.source == "pagerduty":
        return f"pagerduty {(body.get('event') or {}).get('event_type')}"
    if event.source == "jira":
        return f"jira {body.get('webhookEvent')}"
    if event.source == "hackerone":
        activity = (body.get("data") or {}).get("activity") or {}
        return f"hackerone {activity.get('type')}"
    return event.source


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def split(events: list[Event], driven: Callable[[Event], bool]) -> tuple[list[Event], list[Event]]:
    yes = [e for e in events if driven(e)]
    no = [e for e in events if not driven(e)]
    return yes, no


def render(
    console: Console, title: str, workloads: list[Workload], machine: dict[str, Any]
) -> None:
    table = Table(title=title)
    for column in (
        "workload",
        "items",
        "events",
        "events/s",
        "all ev/s",
        "CPU ms/ev",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "calls/item",
        "writes/item",
        "echo ev (writes)",
        "dup",
        "lost",
    ):
        table.add_column(column, justify="right" if column != "workload" else "left")
    for w in workloads:
        d = w.as_dict()
        lat = d["latency_ms"]
        table.add_row(
            w.name,
            str(d["items"]),
            str(d["events"]),
            _fmt(d["events_per_s"]),
            _fmt(d["all_events_per_s"]),
            _fmt(d["jirasync_cpu_ms_per_event"]),
            _fmt(lat["p50"]),
            _fmt(lat["p95"]),
            _fmt(lat["p99"]),
            _systems(d["calls_per_item"]),
            _systems(d["writes_per_item"]),
            f"{d['echo']['events']} ({d['echo']['writes']})",
            _fmt(w.duplicates),
            _fmt(w.lost),
        )
    console.print(table)
    routes = Table(title=f"{title}: calls per item by route (jirasync's activity log)")
    routes.add_column("workload")
    routes.add_column("call")
    routes.add_column("per item", justify="right")
    for w in workloads:
        for label, value in w.calls_per_item().items():
            routes.add_row(w.name, label, f"{value:.2f}")
    console.print(routes)
    targets = Table(title=f"{title}: targets (reported, not asserted)")
    for column in ("workload", "target", "limit", "measured", ""):
        targets.add_column(column)
    for w in workloads:
        for t in w.targets:
            mark = "[green]met[/green]" if t.met else "[red]exceeded[/red]"
            targets.add_row(w.name, t.what, f"{t.limit:g}", f"{t.measured:.2f}", mark)
    console.print(targets)
    for w in workloads:
        cpu = w.extra.get("cpu_seconds")
        if cpu:
            used = ", ".join(f"{k} {v:.1f}" for k, v in cpu.items() if v)
            console.print(
                f"[bold]{w.name}[/bold]: wall {w.extra.get('wall_seconds', 0):.1f} s; "
                f"CPU s by component: {used}"
            )
        for note in w.notes:
            console.print(f"[bold]{w.name}[/bold]: {note}")
    console.print(
        f"machine: {machine['cores']} cores, load average {machine['loadavg_1m']} (1 min), "
        f"{machine['loadavg_5m']} (5 min); simulators, jirasync and the driver share one process"
    )


def _fmt(value: float | int | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def _systems(values: dict[str, float]) -> str:
    return " + ".join(f"{v:g} {k}" for k, v in values.items()) or "0"


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
