"""Soak: PagerDuty ⇄ Jira under a randomised fault schedule (tests/soak/soak.py), on SQLite with
the in-process worker, and on PostgreSQL with three `jirasync worker` processes that get killed.
Short in CI; JIRASYNC_SOAK_SECONDS=300 for a long run, JIRASYNC_SOAK_SEED=N to replay one."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from tests.e2e.test_invariants import set_up, sup_rule
from tests.soak.soak import TIMEOUT_S, Figures, differences, report, soak, soak_seed

from jirasync import devstack
from jirasync.bench.pgcluster import create_database
from jirasync.config import RetrySettings, WorkerSettings
from jirasync.connectors.jira.client import JiraClient
from jirasync.connectors.pagerduty.client import PagerDutyClient
from jirasync.devstack import Stack, running_stack
from jirasync.web.app import create_app

# Long enough to outlast a phase of faults; the backoff stays short so the run stays short.
PATIENT = RetrySettings(max_attempts=30, backoff_base_seconds=0.05, backoff_max_seconds=0.5)


@pytest.fixture
def sqlite_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """The whole stack in this process; jirasync polls every second, and its remote calls time
    out after TIMEOUT_S instead of 15 s so that the `timeout` faults fit in a short run."""
    monkeypatch.setenv("JIRASYNC_RECONCILER__INTERVAL_SECONDS", "1")
    for client in (JiraClient, PagerDutyClient):
        monkeypatch.setitem(client.__init__.__kwdefaults__, "timeout_s", TIMEOUT_S)
    make = devstack.stack_settings
    monkeypatch.setattr(devstack, "stack_settings", lambda path: patient(make, path))
    with running_stack(tmp_path) as running:
        yield running


def patient(make: Any, path: Path, **update: Any) -> Any:
    worker = WorkerSettings(concurrency=8, lease_seconds=10, poll_interval_seconds=0.05)
    return make(path).model_copy(update={"retry": PATIENT, "worker": worker, **update})


def run_and_compare(stack: Stack, capsys: pytest.CaptureFixture[str], **options: Any) -> None:
    seed = soak_seed()
    with capsys.disabled():
        print(f"\nsoak: JIRASYNC_SOAK_SEED={seed}")
    set_up(stack, sup_rule())
    try:
        run = soak(stack, seed, **options)
    except AssertionError as exc:
        events = [(e["id"], e["source"], e["status"], e["reason"]) for e in stack.events()]
        raise AssertionError(f"seed {seed}: {exc}; inbox: {events}") from exc
    problems = differences(stack, run)
    summary = report(stack, run, problems)
    with capsys.disabled():
        print("\n" + summary)
    assert not problems, summary


def test_soak_sqlite(sqlite_stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    run_and_compare(sqlite_stack, capsys, timeouts=True)


# -- PostgreSQL, three worker processes, SIGKILL -------------------------------------------
WORKERS = 3


@pytest.fixture
def postgres_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres_url: str
) -> Iterator[Stack]:
    """jirasync's web app (no worker) on a fresh PostgreSQL database; the test starts the
    workers. Leases are short so a killed worker's events are taken over quickly."""
    url = asyncio.run(create_database(postgres_url))
    make = devstack.stack_settings
    worker = WorkerSettings(concurrency=4, lease_seconds=2, poll_interval_seconds=0.05)
    monkeypatch.setattr(
        devstack,
        "stack_settings",
        lambda path: patient(make, path, database_url=SecretStr(url), worker=worker),
    )
    monkeypatch.setattr(devstack, "jirasync_app", lambda s: create_app(s, run_worker=False))
    with running_stack(tmp_path) as running:
        yield running


class Workers:
    """`jirasync worker` processes on the stack's database; each also runs the reconciler
    loop (one at a time, by advisory lock)."""

    def __init__(self, stack: Stack) -> None:
        settings = stack.settings
        self.env = {
            **os.environ,
            "JIRASYNC_DATABASE_URL": settings.database_url.get_secret_value(),
            "JIRASYNC_DATA_DIR": str(settings.data_dir),
            "JIRASYNC_LOG_LEVEL": "error",
            "JIRASYNC_WORKER__LEASE_SECONDS": str(settings.worker.lease_seconds),
            "JIRASYNC_WORKER__POLL_INTERVAL_SECONDS": "0.05",
            "JIRASYNC_RETRY__MAX_ATTEMPTS": str(PATIENT.max_attempts),
            "JIRASYNC_RETRY__BACKOFF_BASE_SECONDS": str(PATIENT.backoff_base_seconds),
            "JIRASYNC_RETRY__BACKOFF_MAX_SECONDS": str(PATIENT.backoff_max_seconds),
            "JIRASYNC_RECONCILER__INTERVAL_SECONDS": "1",
        }
        self.running: list[subprocess.Popen[bytes]] = []
        self.lock = threading.Lock()

    def start(self) -> None:
        argv = [sys.executable, "-m", "jirasync", "worker", "--concurrency", "4"]
        process = subprocess.Popen(
            argv, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        with self.lock:
            self.running.append(process)

    def kill_one(self, rng: random.Random) -> None:
        with self.lock:
            victim = self.running.pop(rng.randrange(len(self.running)))
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)

    def chaos(self, rng: random.Random, stop: threading.Event, figures: Figures) -> None:
        """Every 4–10 s, SIGKILL a random worker and start a new one in its place."""
        while not stop.wait(rng.uniform(4.0, 10.0)):
            self.kill_one(rng)
            figures.kills += 1
            self.start()

    def stop(self) -> None:
        with self.lock:
            for process in self.running:
                process.send_signal(signal.SIGTERM)
            for process in self.running:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
            self.running.clear()


@pytest.mark.postgres
def test_soak_postgres_three_killed_workers(
    postgres_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    """No `timeout` faults here: the worker processes keep the 15 s client timeout."""
    workers = Workers(postgres_stack)
    for _ in range(WORKERS):
        workers.start()
    try:
        # Short form: the minimum of stories (restarting workers is slow on 2 cores).
        seconds = float(os.environ.get("JIRASYNC_SOAK_SECONDS") or 0)
        run_and_compare(
            postgres_stack, capsys, timeouts=False, chaos=workers.chaos, seconds=seconds
        )
    finally:
        workers.stop()
