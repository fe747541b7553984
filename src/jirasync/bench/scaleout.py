"""Scale-out: the same PagerDuty W1 workload (N incidents triggered → N issues) handled by 1 and
by 3 `jirasync worker` processes on PostgreSQL, with every simulator answer delayed 20 ms as a
remote system on the network would be. The web app in the bench process only stores the
webhooks; with no worker running, all N are stored first, then the workers start on the
backlog, and the rate runs from the first handler run to the last event finished (a
live-trigger rate would be bounded by how fast the driver triggers).

With remote latency a worker mostly waits, so more processes (each with the same concurrency)
should handle more events per second until the CPU runs out: on this machine the simulators,
the driver and the web app share the same two cores with the workers.
"""

from __future__ import annotations

import asyncio
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from jirasync.bench import pagerduty
from jirasync.bench.driver import Driver, Request, expect
from jirasync.bench.harness import BenchStack, bench_stack
from jirasync.bench.pgcluster import create_database, temporary_cluster
from jirasync.bench.report import Workload, first_attempt, read_events, split
from jirasync.devstack import PD_HEADERS, Stack


def latency(stack: Stack, ms: int) -> None:
    """Every request to Jira and PagerDuty waits `ms` before it is served."""
    for url in (stack.jira_url, stack.pagerduty_url):
        rule = {"kind": "latency", "latency_ms": ms, "path": "*"}
        httpx.post(f"{url}/_sim/faults", json=rule).raise_for_status()


def run(
    n: int = 500,
    latency_ms: int = 20,
    counts: tuple[int, ...] = (1, 3),
    concurrency: int = 8,
    cluster_url: str | None = None,
) -> list[Workload]:
    """W1 with each number of worker processes in `counts`, one after another on one stack.
    `cluster_url`: a running PostgreSQL cluster's base URL (default: a temporary one)."""
    with ExitStack() as stack:
        base = cluster_url or stack.enter_context(temporary_cluster())
        url = asyncio.run(create_database(base))
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        bench = stack.enter_context(
            bench_stack(Path(tmp), concurrency, database_url=url, run_worker=False)
        )
        bench.stack.apply(pagerduty.setup_document(bench.stack))
        bench.stack.check(fix=True)
        latency(bench.stack, latency_ms)
        workloads = [one(bench, workers, n, latency_ms, concurrency) for workers in counts]
    single = workloads[0].rate()
    for w in workloads:
        rate = w.rate()
        w.extra["vs_first"] = round(rate / single, 2) if rate and single else None
    return workloads


def one(bench: BenchStack, workers: int, n: int, latency_ms: int, concurrency: int) -> Workload:
    """N incidents triggered and their webhooks stored with no worker running, then `workers`
    processes started on the backlog: the clock runs from the first attempt to the last."""
    stack = bench.stack
    bench.stop_processes()
    after = bench.last_event_id()
    stack.reset_counts()
    service = {"id": pagerduty.SERVICE, "type": "service_reference"}
    requests = [
        Request(
            "POST",
            "/incidents",
            "POST /incidents",
            json={"incident": {"type": "incident", "title": f"scale {i}", "service": service}},
        )
        for i in range(n)
    ]
    headers = {**PD_HEADERS, "From": "alice@example.com"}
    answers = Driver(16).run(stack.pagerduty_url, requests, headers=headers)
    expect(answers, 201)
    incidents = [a.json()["incident"]["id"] for a in answers]
    httpx.post(f"{stack.pagerduty_url}/_sim/webhooks/drain", params={"timeout": 60}, timeout=90)
    started = [bench.start_worker() for _ in range(workers)]
    stack.settle(timeout=120 + n)
    events = read_events(stack.settings, after)
    mine, echo = split(events, pagerduty.driven)
    first = first_attempt(stack.settings, after)
    w = Workload(
        f"{workers} worker{'s' if workers > 1 else ''}",
        f"{n} stored incident.triggered webhooks → {n} issues, {workers} process(es)",
        mine,
        echo,
        items=n,
        started_at=first,
    )
    counts = pagerduty.issues_by_incident(stack)
    w.duplicates = sum(max(0, counts.get(i, 0) - 1) for i in incidents)
    w.lost = sum(1 for i in incidents if counts.get(i, 0) == 0)
    w.extra.update(
        {
            "workers": workers,
            "concurrency_per_worker": concurrency,
            "remote_latency_ms": latency_ms,
            # start-up included (imports: about 2 CPU s per process on this machine)
            "worker_cpu_seconds": round(sum(p.cpu_seconds() for p in started), 2),
            "echo_events_per_s": _round(w.all_rate()),
        }
    )
    w.notes.append(
        "latency here includes the wait in the backlog (all webhooks were stored before the "
        "workers started)"
    )
    return w


def _round(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def summary(workloads: list[Workload]) -> dict[str, Any]:
    """Events per second by process count, and each against the first."""
    found = {}
    for w in workloads:
        found[w.name] = {"events_per_s": w.as_dict()["events_per_s"], "ratio": w.extra["vs_first"]}
    return found
