"""`jirasync bench [pagerduty|hackerone|engine|ingest|soak|memory|scaleout|all]`: the end-to-end
workloads against the simulators over HTTP (and the engine's no-op throughput), as tables and a
JSON report. `all` runs the shorter suites with shortened defaults (see `ALL_DEFAULTS`)."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

# Wide enough for the route tables when the output goes to a file or a pipe.
console = Console(width=None if sys.stdout.isatty() else 150)


class Suite(StrEnum):
    PAGERDUTY = "pagerduty"
    HACKERONE = "hackerone"
    ENGINE = "engine"
    INGEST = "ingest"
    SOAK = "soak"
    MEMORY = "memory"
    SCALEOUT = "scaleout"
    ALL = "all"


# `all`: every suite but scale-out (it needs PostgreSQL: with --postgres), shortened.
ALL_DEFAULTS = {"soak_seconds": 60.0, "links": 10_000, "events": 100_000}


def _rates(value: str) -> list[float]:
    try:
        rates = [float(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"comma-separated numbers expected, not {value!r}") from None
    if not rates or any(r <= 0 for r in rates):
        raise typer.BadParameter("rates must be positive")
    return rates


def _counts(value: str) -> list[int]:
    try:
        counts = [int(x) for x in value.split(",") if x.strip()]
    except ValueError:
        raise typer.BadParameter(f"comma-separated whole numbers expected, not {value!r}") from None
    if not counts or any(c < 1 for c in counts):
        raise typer.BadParameter("process counts must be 1 or more")
    return counts


def bench_command(
    suite: Annotated[Suite, typer.Argument(help="Which workloads to run.")] = Suite.ALL,
    n: Annotated[
        int | None,
        typer.Option(
            "--n",
            help="PagerDuty W1 and scale-out incidents (default 500), HackerOne reports "
            "(default 200).",
        ),
    ] = None,
    n_other: Annotated[
        int | None,
        typer.Option(help="Items for the PagerDuty status/notes workloads (default: min(N, 200))."),
    ] = None,
    concurrency: Annotated[int, typer.Option(help="Requests the load driver sends at once.")] = 16,
    rate: Annotated[
        float | None,
        typer.Option(help="Pace the driver at this many items/s (default: a burst)."),
    ] = None,
    engine_events: Annotated[int, typer.Option(help="Events for the engine benchmark.")] = 2000,
    postgres: Annotated[
        bool, typer.Option(help="Engine benchmark also on a temporary PostgreSQL cluster.")
    ] = False,
    rates: Annotated[
        str, typer.Option(help="Ingest: offered webhooks/s, comma-separated.")
    ] = "100,250,500,1000",
    step_seconds: Annotated[float, typer.Option(help="Ingest: seconds per offered rate.")] = 5.0,
    ingest_concurrency: Annotated[
        int, typer.Option(help="Ingest: most webhooks in flight (open loop).")
    ] = 256,
    seconds: Annotated[
        float | None, typer.Option(help="Soak: seconds of mixed load (default 300).")
    ] = None,
    people: Annotated[int, typer.Option(help="Soak: people playing stories at once.")] = 6,
    seed: Annotated[int | None, typer.Option(help="Soak: the stories' seed.")] = None,
    links: Annotated[
        int | None, typer.Option(help="Memory: links in the store (default 100,000).")
    ] = None,
    events: Annotated[
        int | None, typer.Option(help="Memory: events in the store (default 1,000,000).")
    ] = None,
    live: Annotated[int, typer.Option(help="Memory: live incidents handled.")] = 300,
    workers: Annotated[str, typer.Option(help="Scale-out: worker process counts.")] = "1,3",
    latency_ms: Annotated[int, typer.Option(help="Scale-out: simulated remote latency.")] = 20,
    json_path: Annotated[Path | None, typer.Option("--json", help="Write the report here.")] = None,
) -> None:
    """Measure throughput, latency and remote calls per event, end to end."""
    from jirasync.bench import report
    from jirasync.bench.harness import machine
    from jirasync.log import configure_logging

    configure_logging("warning")
    offered, process_counts = _rates(rates), _counts(workers)
    document: dict[str, Any] = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "driver": {"concurrency": concurrency, "rate_per_s": rate},
    }
    document["machine_before"] = machine()
    if suite in (Suite.PAGERDUTY, Suite.ALL):
        from jirasync.bench import pagerduty

        size = n or 500
        workloads = pagerduty.run(size, n_other or min(size, 200), concurrency, rate)
        report.render(console, f"PagerDuty ⇄ Jira, N = {size}", workloads, machine())
        document["pagerduty"] = [w.as_dict() for w in workloads]
    if suite in (Suite.HACKERONE, Suite.ALL):
        from jirasync.bench import hackerone

        size = n or 200
        workloads = hackerone.run(size, concurrency, rate)
        report.render(console, f"HackerOne ⇄ Jira, N = {size}", workloads, machine())
        document["hackerone"] = [w.as_dict() for w in workloads]
    if suite in (Suite.ENGINE, Suite.ALL):
        document["engine"] = _engine(engine_events, postgres)
    quick = suite is Suite.ALL
    if suite in (Suite.INGEST, Suite.ALL):
        from jirasync.bench import ingest

        result = ingest.run(offered, step_seconds, ingest_concurrency)
        ingest.render(console, result, machine())
        document["ingest"] = result.as_dict()
    if suite in (Suite.SOAK, Suite.ALL):
        from jirasync.bench import soak

        default = ALL_DEFAULTS["soak_seconds"] if quick else 300.0
        soaked = soak.run(seconds if seconds is not None else default, people, seed)
        report.render(console, "Soak", [soaked], machine())
        soak.render(console, soaked)
        document["soak"] = soaked.as_dict()
    if suite in (Suite.MEMORY, Suite.ALL):
        from jirasync.bench import memory

        stored_links = links or int(ALL_DEFAULTS["links"] if quick else 100_000)
        stored_events = events or int(ALL_DEFAULTS["events"] if quick else 1_000_000)
        measured = memory.run(stored_links, stored_events, live)
        memory.render(console, measured, machine())
        document["memory"] = measured.as_dict()
    if suite is Suite.SCALEOUT or (quick and postgres):
        from jirasync.bench import scaleout

        scaled = scaleout.run(n or 500, latency_ms, tuple(process_counts))
        report.render(console, f"Scale-out, {latency_ms} ms remote latency", scaled, machine())
        document["scaleout"] = {
            "summary": scaleout.summary(scaled),
            "workloads": [w.as_dict() for w in scaled],
        }
    document["machine_after"] = machine()
    if json_path is not None:
        report.write_json(json_path, document)
        console.print(f"report written to {json_path}")


def _engine(events: int, postgres: bool) -> dict[str, Any]:
    """The engine benchmark (no-op handler, worker processes); see jirasync.bench.engine."""
    from jirasync.bench import engine

    async def run() -> tuple[dict[str, list[float]], list[engine.Throughput]]:
        with tempfile.TemporaryDirectory() as tmp:

            def sqlite(name: str) -> str:
                return f"sqlite+aiosqlite:///{tmp}/{name}.db"

            latency = {"SQLite": await engine.receive_latency(sqlite("receive"), 2000)}
            results = [await engine.throughput(sqlite("t1"), "SQLite", 1, events, 1000, 64)]
            if postgres:
                from jirasync.bench.pgcluster import create_database, temporary_cluster

                with temporary_cluster() as base:
                    url = await create_database(base)
                    latency["PostgreSQL"] = await engine.receive_latency(url, 2000)
                    for workers in (1, 3):
                        url = await create_database(base)
                        results.append(
                            await engine.throughput(url, "PostgreSQL", workers, events, 1000, 64)
                        )
        return latency, results

    latency, results = asyncio.run(run())
    engine._report(console, latency, results, 64)
    return {
        "receive_latency_ms": {
            name: {
                "p50": round(engine._percentile(v, 50), 3),
                "p99": round(engine._percentile(v, 99), 3),
            }
            for name, v in latency.items()
        },
        "throughput": [
            {
                "database": r.database,
                "workers": r.workers,
                "events": r.events,
                "seconds": round(r.seconds, 3),
                "events_per_s": round(r.rate, 1),
                "worker_cpu_s": round(r.worker_cpu, 3),
                "events_per_cpu_s": round(r.rate_per_cpu, 1),
            }
            for r in results
        ],
    }


def register(app: typer.Typer) -> None:
    app.command("bench")(bench_command)
