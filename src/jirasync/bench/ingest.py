"""Webhook ingest: how many signed webhooks a `jirasync serve --no-worker` process accepts per
second at fixed offered rates, and how long each waits for its 202 (receiver and durable inbox
write only); then how long a worker takes to drain the backlog.

The bodies are real ones the simulators sent (a PagerDuty `incident.triggered`, a Jira
`issue_updated` of a SUP issue), made unique per request (event, incident, changelog ids) and
signed as their senders sign them. They are events no rule acts on (the incident's service has
no rule, the issues no link), so the drain measures the worker's dispatch and planning without
remote writes; W1 of the PagerDuty suite measures events that write.

The receiver runs in its own process; the load driver (open loop: each request leaves at its
time, whatever the answers) and the idle simulators share the bench process. The drain runs in
the bench process, as the PagerDuty and HackerOne workloads do.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from jirasync.bench import pagerduty
from jirasync.bench.driver import Driver, Request
from jirasync.bench.harness import BenchStack, bench_stack
from jirasync.bench.report import Workload, first_attempt, pct, read_events
from jirasync.bench.report import render as render_workloads
from jirasync.crypto import SecretBox
from jirasync.devstack import Stack
from jirasync.sim.pagerduty.signing import signature_header
from jirasync.store.db import Database
from jirasync.store.models import InboxEvent
from jirasync.sync.runtime import SyncRuntime

NO_RULE_SERVICE = "PSVC002"  # the bench rule covers PSVC001 only
ISSUE = "SUP-1"  # a seed issue no incident is linked to
WARM_UP_RATE = 50.0  # webhooks/s for one second before the measured rates (not reported)


@dataclass(frozen=True)
class Template:
    url: str  # jirasync's webhook URL (Jira's carries the connection's token)
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Step:
    """One offered rate."""

    offered_per_s: float
    sent: int
    answers: dict[int, int]
    # perf_counter seconds: (due, sent, answered) per request
    timings: list[tuple[float, float, float]] = field(repr=False)
    errors: dict[str, int] = field(default_factory=dict)  # no answer, by exception
    stored: int = 0
    receiver_cpu_s: float = 0.0
    driver_cpu_s: float = 0.0

    @property
    def accepted(self) -> int:
        return self.answers.get(202, 0)

    def as_dict(self) -> dict[str, Any]:
        first_due = min(t[0] for t in self.timings)
        last_sent = max(t[1] for t in self.timings)
        last_answer = max(t[2] for t in self.timings)
        acks = [(t[2] - t[1]) * 1000 for t in self.timings]
        late = [(t[1] - t[0]) * 1000 for t in self.timings]
        spread = last_sent - min(t[1] for t in self.timings)
        return {
            "offered_per_s": self.offered_per_s,
            "sent": self.sent,
            "achieved_offered_per_s": _round(self.sent / spread if spread else None),
            "accepted": self.accepted,
            "answers": {str(k): v for k, v in sorted(self.answers.items())},
            "no_answer": self.errors,
            "stored_in_inbox": self.stored,
            "seconds": round(last_answer - first_due, 3),
            "accepted_per_s": _round(self.accepted / (last_answer - first_due)),
            "ack_ms": {
                "p50": _round(pct(acks, 50)),
                "p95": _round(pct(acks, 95)),
                "p99": _round(pct(acks, 99)),
                "max": _round(max(acks)),
            },
            "driver_late_ms_p99": _round(pct(late, 99)),
            # CPU per webhook: what the rate would be on an idle core, whatever the load
            "receiver_cpu_ms_per_webhook": round(self.receiver_cpu_s * 1000 / self.sent, 2),
            "driver_cpu_ms_per_webhook": round(self.driver_cpu_s * 1000 / self.sent, 2),
        }


@dataclass
class Result:
    steps: list[Step]
    drain: Workload
    concurrency: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "steps": [s.as_dict() for s in self.steps],
            "driver_concurrency": self.concurrency,
            "drain": self.drain.as_dict(),
        }


def _templates(bench: BenchStack) -> tuple[Template, Template]:
    """One webhook of each kind as the simulators sent it to jirasync."""
    stack = bench.stack
    with stack.jira("alice") as jira:
        changed = jira.put(f"/rest/api/2/issue/{ISSUE}", json={"fields": {"summary": "ingest"}})
        changed.raise_for_status()
    with stack.pagerduty() as pd:
        service = {"id": pagerduty.SERVICE, "type": "service_reference"}
        incident = {"type": "incident", "title": "ingest template", "service": service}
        pd.post("/incidents", json={"incident": incident}).raise_for_status()
    stack.settle(timeout=60)
    found = []
    for url, event in (
        (stack.pagerduty_url, "incident.triggered"),
        (stack.jira_url, "jira:issue_updated"),
    ):
        log = httpx.get(f"{url}/_sim/webhooks", params={"event": event}, timeout=30).json()
        d = log["deliveries"][0]
        headers = {
            k: v
            for k, v in d["headers"].items()
            if k.lower() not in ("content-length", "x-pagerduty-signature", "x-hub-signature")
        }
        found.append(Template(d["url"], headers, json.loads(d["body"])))
    return found[0], found[1]


def _secrets(stack: Stack) -> tuple[list[str], str | None]:
    """PagerDuty's signing secrets and Jira's (None: Jira webhooks are not signed, the URL
    token authenticates them)."""

    async def read(db: Database, box: SecretBox) -> tuple[list[str], str | None]:
        runtime = SyncRuntime(db, box)
        try:
            pd = await runtime.pool.pagerduty(stack.connections["pagerduty"])
            jira = await runtime.pool.jira(stack.connections["jira"])
            secret = jira.credentials.webhook_secret
            return (
                [s.get_secret_value() for s in pd.credentials.webhook_secrets.values()],
                secret.get_secret_value() if secret is not None else None,
            )
        finally:
            await runtime.close()

    found: tuple[list[str], str | None] = asyncio.run(stack._store(read))
    return found


class Webhooks:
    """Unique, signed webhooks from the two templates, alternating PagerDuty and Jira."""

    def __init__(self, base_url: str, pd: Template, jira: Template, secrets: Any) -> None:
        self.base_url = base_url
        self.pd, self.jira = pd, jira
        self.pd_secrets, self.jira_secret = secrets
        self.made = 0

    def take(self, count: int) -> list[Request]:
        out = [self._one(self.made + i) for i in range(count)]
        self.made += count
        return out

    def _one(self, n: int) -> Request:
        if n % 2 == 0:
            body = json.loads(json.dumps(self.pd.body))
            event = body["event"]
            event["id"] = f"INGEST{n:010d}"
            event["data"]["id"] = f"QING{n:010d}"
            event["data"]["service"]["id"] = NO_RULE_SERVICE
            raw = json.dumps(body).encode()
            headers = {**self.pd.headers, "X-Webhook-Id": f"ingest-{n}"}
            headers["X-PagerDuty-Signature"] = signature_header(self.pd_secrets, raw)
            return self._request(self.pd, "POST /webhooks/pagerduty/{id}", raw, headers)
        body = json.loads(json.dumps(self.jira.body))
        body["timestamp"] = int(time.time() * 1000)
        body["changelog"]["id"] = str(900_000_000 + n)
        # Many issues, as in life: each issue's events run in order, different issues at once.
        body["issue"]["id"] = str(800_000 + n % 1000)
        raw = json.dumps(body).encode()
        headers = dict(self.jira.headers)
        if self.jira_secret is not None:
            headers["X-Hub-Signature"] = _hub_signature(self.jira_secret, raw)
        return self._request(self.jira, "POST /webhooks/jira/{id}/{token}", raw, headers)

    def _request(self, t: Template, route: str, raw: bytes, headers: dict[str, str]) -> Request:
        return Request("POST", t.url.removeprefix(self.base_url), route, None, raw, headers)


def _hub_signature(secret: str, raw: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def offer(webhooks: Webhooks, rate: float, seconds: float, concurrency: int) -> Step:
    requests = webhooks.take(max(1, int(rate * seconds)))
    driver = Driver(concurrency, rate=rate, tolerate_errors=True)
    answers = driver.run(webhooks.base_url, requests)
    codes = Counter(a.status_code for a in answers)
    return Step(rate, len(requests), dict(codes), driver.timings, dict(driver.errors))


def _count_inbox(stack: Stack, after_id: int) -> int:
    async def read() -> int:
        db = Database(stack.settings.database)
        try:
            async with db.read() as conn:
                query = select(func.count()).where(InboxEvent.id > after_id)
                return int((await conn.execute(query)).scalar_one())
        finally:
            await db.dispose()

    return asyncio.run(read())


def run(
    rates: list[float], seconds: float = 5.0, concurrency: int = 256, worker_concurrency: int = 8
) -> Result:
    with tempfile.TemporaryDirectory() as tmp, bench_stack(Path(tmp), worker_concurrency) as bench:
        stack = bench.stack
        stack.apply(pagerduty.setup_document(stack))
        stack.check(fix=True)
        pd, jira = _templates(bench)
        webhooks = Webhooks(stack.jirasync_url, pd, jira, _secrets(stack))
        after = bench.last_event_id()
        receiver = bench.serve_process(worker=False)
        offer(webhooks, WARM_UP_RATE, 1.0, concurrency)  # first connections, first imports
        steps = []
        for rate in rates:
            before = bench.last_event_id()
            cpu, driver_cpu = receiver.cpu_seconds(), time.process_time()
            step = offer(webhooks, rate, seconds, concurrency)
            step.receiver_cpu_s = receiver.cpu_seconds() - cpu
            step.driver_cpu_s = time.process_time() - driver_cpu
            step.stored = _count_inbox(stack, before)
            steps.append(step)
        bench.stop_processes()
        started = time.perf_counter()
        bench.restart()  # jirasync with its worker, in this process, on the same database
        stack.settle(timeout=600)
        wall = time.perf_counter() - started
        events = read_events(stack.settings, after)
        drain = Workload(
            "drain",
            f"{len(events)} stored webhooks handled by jirasync with its worker "
            f"(concurrency {worker_concurrency}), in the bench process",
            events,
            [],
            started_at=first_attempt(stack.settings, after),
        )
        drain.extra["wall_seconds_with_start_up"] = round(wall, 1)
        return Result(steps, drain, concurrency)


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def render(console: Console, result: Result, machine: dict[str, Any]) -> None:
    table = Table(title="Webhook ingest: `jirasync serve --no-worker` (receiver + inbox write)")
    columns = ("offered/s", "sent", "sent/s", "accepted", "accepted/s", "stored", "p50 ms")
    for column in (*columns, "p95 ms", "p99 ms", "other answers", "CPU ms/webhook"):
        table.add_column(column, justify="right")
    for step in result.steps:
        d = step.as_dict()
        others = {k: v for k, v in d["answers"].items() if k != "202"}
        table.add_row(
            f"{d['offered_per_s']:g}",
            str(d["sent"]),
            _fmt(d["achieved_offered_per_s"]),
            str(d["accepted"]),
            _fmt(d["accepted_per_s"]),
            str(d["stored_in_inbox"]),
            _fmt(d["ack_ms"]["p50"]),
            _fmt(d["ack_ms"]["p95"]),
            _fmt(d["ack_ms"]["p99"]),
            ", ".join(f"{k}: {v}" for k, v in others.items()) or "–",
            f"{d['receiver_cpu_ms_per_webhook']:.2f}",
        )
    console.print(table)
    console.print(
        f"driver: open loop, at most {result.concurrency} requests in flight; "
        "'sent/s' below 'offered/s' means the driver (same machine) fell behind its pace"
    )
    render_workloads(console, "Ingest: the backlog drained", [result.drain], machine)


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}"
