"""The ingest, soak, memory and scale-out suites with tiny sizes: each runs end to end on real
processes and sockets, and its report counts what happened (sent = accepted = stored, nothing
lost or doubled, every figure present). Counts only: times depend on the machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jirasync.bench import scaleout, soak
from jirasync.cli import app

LATENCY_FIELDS = {"measured_events", "p50", "p95", "p99"}


def run_command(tmp_path: Path, *args: str) -> dict[str, Any]:
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(app, ["bench", *args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(out.read_text())
    return document


def test_ingest_accepts_stores_and_drains_every_webhook(tmp_path: Path) -> None:
    report = run_command(tmp_path, "ingest", "--rates", "20,40", "--step-seconds", "0.5")["ingest"]
    steps = report["steps"]
    assert [(s["offered_per_s"], s["sent"]) for s in steps] == [(20, 10), (40, 20)]
    for step in steps:
        assert step["accepted"] == step["stored_in_inbox"] == step["sent"]
        assert step["answers"] == {"202": step["sent"]} and step["no_answer"] == {}
        assert {"p50", "p95", "p99", "max"} <= set(step["ack_ms"])
        assert step["accepted_per_s"] > 0 and step["receiver_cpu_ms_per_webhook"] > 0
    drain = report["drain"]
    warm_up = 50  # one second at 50/s before the measured rates
    assert drain["events"] == warm_up + 30
    # half PagerDuty incidents of a service without a rule, half updates of unlinked issues
    assert drain["event_kinds"] == {
        "jira jira:issue_updated": 40,
        "pagerduty incident.triggered": 40,
    }
    assert drain["statuses"] == {"ignored": 80}
    assert drain["writes_total"] == 0 and drain["events_per_s"] > 0


def test_soak_under_faults_leaves_every_effect_once() -> None:
    # 20% instead of 1% so that a run of a few seconds surely meets faults
    w = soak.run(seconds=3, people=2, seed=7, fault_rate=0.2).as_dict()
    assert w["stories"] >= 2 and w["items"] >= w["stories"]
    assert (w["lost"], w["duplicates"], w["dead_letters"]) == (0, 0, 0), w["notes"]
    assert w["lost_by_kind"] == w["duplicates_by_kind"] == {}
    assert set(w["faults_injected"]) == {
        f"{system} {status}" for system in ("jira", "pagerduty") for status in (429, 500, 503)
    }
    assert sum(w["faults_injected"].values()) > 0
    refused = sum(v for k, v in w["remote_answers"].items() if k in ("429", "500", "503"))
    assert refused > 0 and w["retries"] >= 1
    assert w["statuses"].get("dead", 0) == 0 and w["events"] > 0
    assert set(w["latency_ms"]) == LATENCY_FIELDS and w["latency_ms"]["measured_events"] > 0
    assert w["echo"]["writes"] == 0


def test_memory_reports_rss_per_phase_and_the_store(tmp_path: Path) -> None:
    args = ("memory", "--links", "300", "--events", "2000", "--live", "5")
    report = run_command(tmp_path, *args)["memory"]
    assert (report["links"], report["events"]) == (300, 2000)
    assert report["store_mib"] > 0
    phases = {p["name"]: p for p in report["phases"]}
    assert list(phases) == ["idle after start", "5 live incidents", "queue and links listings"]
    for phase in phases.values():
        assert 0 < phase["rss_start_mib"] <= phase["rss_max_mib"] <= phase["peak_mib"]
    assert report["peak_rss_mib"] == max(p["peak_mib"] for p in phases.values())
    listings = phases["queue and links listings"]["detail"]["listing_ms"]
    assert {"event counts", "links, first page with total", "links, by issue key"} <= set(listings)
    live = report["live"]
    assert (live["items"], live["events"], live["duplicates"], live["lost"]) == (5, 5, 0, 0)
    assert live["writes_per_item"] == {"jira": 2, "pagerduty": 1}


@pytest.mark.postgres
def test_scaleout_one_and_two_worker_processes(postgres_url: str) -> None:
    workloads = scaleout.run(n=4, counts=(1, 2), cluster_url=postgres_url)
    summary = scaleout.summary(workloads)
    assert list(summary) == ["1 worker", "2 workers"]
    assert summary["1 worker"]["ratio"] == 1.0 and summary["2 workers"]["ratio"] > 0
    for w in (x.as_dict() for x in workloads):
        assert (w["items"], w["events"], w["statuses"]) == (4, 4, {"done": 4})
        assert (w["duplicates"], w["lost"]) == (0, 0)
        assert w["writes_per_item"] == {"jira": 2, "pagerduty": 1}
        assert w["remote_latency_ms"] == 20 and w["worker_cpu_seconds"] > 0
