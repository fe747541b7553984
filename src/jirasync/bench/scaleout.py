"""Scale-out: the same PagerDuty W1 workload (N incidents triggered → N issues) handled by 1 and
by 3 `jirasync worker` processes on PostgreSQL, with every simulator answer delayed 20 ms as a
remote system on the network would be. The web app in the bench process only stores the
webhooks; the workers, started and idle before the first incident, do the rest.

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
from jirasync.bench.harness import BenchStack, bench_stack
from jirasync.bench.pgcluster import create_database, temporary_cluster
from jirasync.bench.report import Workload
from jirasync.devstack import Stack


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
    """W1 with each number of worker processes in `counts` (rising), one stack: the workers of
    a round stay for the next, which adds the missing ones. `cluster_url`: a running
    PostgreSQL cluster's base URL (default: a temporary one)."""
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
        workloads = [
            one(bench, workers, n, latency_ms, concurrency) for workers in sorted(set(counts))
        ]
    single = workloads[0].rate()
    for w in workloads:
        rate = w.rate()
        w.extra["vs_first"] = round(rate / single, 2) if rate and single else None
    return workloads


def one(bench: BenchStack, workers: int, n: int, latency_ms: int, concurrency: int) -> Workload:
    started = [bench.start_worker() for _ in range(workers - len(bench.children))]
    for process in started:
        process.wait_idle()
    cpu = {p.pid: p.cpu_seconds() for p in bench.children}
    w = pagerduty.PagerDutyBench(bench, 16).w1_create(n)
    w.name = f"{workers} worker{'s' if workers > 1 else ''}"
    w.extra.update(
        {
            "workers": workers,
            "concurrency_per_worker": concurrency,
            "remote_latency_ms": latency_ms,
            "worker_cpu_seconds": round(
                sum(p.cpu_seconds() - cpu[p.pid] for p in bench.children), 2
            ),
        }
    )
    w.targets = []
    return w


def summary(workloads: list[Workload]) -> dict[str, Any]:
    """Events per second by process count, and each against the first."""
    found = {}
    for w in workloads:
        found[w.name] = {"events_per_s": w.as_dict()["events_per_s"], "ratio": w.extra["vs_first"]}
    return found
