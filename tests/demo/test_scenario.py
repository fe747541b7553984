"""`jirasync demo --scenario` on real stacks over HTTP: the story passes on a stack of its own
(twice on one data folder: each run starts the demo database afresh), a missing effect fails
with the step's expectation, and a busy port is named with the option that moves it."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path

from typer.testing import CliRunner

from jirasync import cli
from jirasync.devstack import running_stack

FREE_PORTS = ["--port", "0", "--jira-port", "0", "--pagerduty-port", "0", "--hackerone-port", "0"]


def _rows(database: Path, table: str) -> int:
    with sqlite3.connect(database) as db:
        return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_the_story_passes_on_its_own_stack_and_again_on_the_same_data_dir(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    data.mkdir()
    (data / "jirasync.db").write_text("not the demo's")  # a real install's database, say
    for _ in range(2):
        result = CliRunner().invoke(cli.app, ["demo", "--scenario", "--data-dir", str(data)])
        assert result.exit_code == 0, result.output
        assert result.output.count("✓") == 10
        assert "All 10 steps observed." in result.output
    # The second run made everything anew; nothing was added twice.
    database = data / "demo.db"
    assert {t: _rows(database, t) for t in ("connections", "rules", "user_mappings")} == {
        "connections": 3,
        "rules": 3,
        "user_mappings": 3,
    }
    assert _rows(database, "links") == 2  # this run's incident and report
    assert (data / "jirasync.db").read_text() == "not the demo's"


def test_a_missing_effect_fails_the_step_with_its_expectation(tmp_path: Path) -> None:
    # Simulators and jirasync, but no rules: the incident never gets its issue.
    with running_stack(tmp_path) as stack:
        ports = [
            *("--jira-port", stack.jira_url.rsplit(":", 1)[1]),
            *("--pagerduty-port", stack.pagerduty_url.rsplit(":", 1)[1]),
            *("--hackerone-port", stack.hackerone_url.rsplit(":", 1)[1]),
        ]
        result = CliRunner().invoke(
            cli.app,
            ["demo", "--scenario", "--against-running", *ports, "--step-timeout", "0.5"],
        )
    assert result.exit_code == 1, result.output
    lines = [line.strip() for line in result.output.splitlines() if line.strip()]
    assert lines[-3:-1] == [
        "✗ PagerDuty: an incident is triggered on Checkout API",
        "expected: a linked Jira issue in SUP",
    ]
    assert lines[-1].startswith("after 0.5 s: no issue for incident Q")


def test_a_busy_port_is_named_with_the_option_that_moves_it(tmp_path: Path) -> None:
    (tmp_path / "demo.db").write_text("a running demo's database")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = str(taken.getsockname()[1])
        ports = [*FREE_PORTS[:4], "--pagerduty-port", busy, *FREE_PORTS[6:]]
        result = CliRunner().invoke(cli.app, ["demo", *ports, "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"✗ port {busy} is already in use, so the PagerDuty simulator cannot listen on it: "
        "stop what holds it, or choose another port with --pagerduty-port PORT (0: any free port)."
    )
    assert (tmp_path / "demo.db").read_text() == "a running demo's database"  # nothing started


def test_against_running_needs_the_scenario() -> None:
    result = CliRunner().invoke(cli.app, ["demo", "--against-running"])
    assert result.exit_code == 2
    assert "only with --scenario" in result.output
