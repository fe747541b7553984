"""`jirasync demo` as a real process: it starts on free ports, prints where everything is,
answers, plays the scripted story for a second process, and stops cleanly on Ctrl-C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from jirasync import cli

PLACE = re.compile(
    r"^\s+(jirasync|web UI|Jira simulator|PagerDuty simulator|HackerOne simulator)\s+(\S+)"
)


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("JIRASYNC_")}


def _demo(*args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jirasync", "demo", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _lines(stream) -> queue.Queue[str | None]:
    """The stream's lines as they come, then None at its end."""
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    return lines


def _banner(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> dict[str, str]:
    """The places the banner names, read until its last line (bounded)."""
    places: dict[str, str] = {}
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, process.communicate()
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no complete banner after 60 s: {places}") from None
        assert line is not None, "the demo closed its output"
        if found := PLACE.match(line):
            places[found[1]] = found[2]
        if "backfill" in line:
            return places


def test_the_demo_runs_on_free_ports_until_ctrl_c(tmp_path: Path) -> None:
    free = ["--port", "0", "--jira-port", "0", "--pagerduty-port", "0", "--hackerone-port", "0"]
    process = _demo(*free, "--data-dir", "demo-data", cwd=tmp_path)
    out = _lines(process.stdout)
    try:
        places = _banner(process, out)
        jirasync, jira = places["jirasync"], places["Jira simulator"]
        pagerduty, hackerone = places["PagerDuty simulator"], places["HackerOne simulator"]
        assert httpx.get(f"{jirasync}/healthz").json() == {"status": "ok"}
        assert httpx.get(f"{jirasync}/readyz").status_code == 200

        # The banner's one-time login link signs a browser in as the demo's admin, once.
        link = places["web UI"]
        assert link.startswith(f"{jirasync}/login/link/")
        with httpx.Client(follow_redirects=True) as browser:
            home = browser.get(link)
            assert home.status_code == 200 and "demo-admin" in home.text
        assert httpx.get(link).status_code == 403

        # Each simulator answers with the credentials the banner gives, seeded with the demo's
        # data, and has exactly the webhooks jirasync needs.
        jira_hooks = httpx.get(f"{jira}/rest/webhooks/1.0/webhook", auth=("admin", "admin"))
        assert [h["url"].startswith(f"{jirasync}/webhooks/jira/") for h in jira_hooks.json()] == [
            True
        ]
        dana = httpx.get(f"{jira}/rest/api/2/myself", auth=("dana", "dana"))
        assert dana.json()["emailAddress"] == "dana@example.com"
        pd_headers = {"Authorization": "Token token=pdsim-account-key-0001"}
        subscriptions = httpx.get(f"{pagerduty}/webhook_subscriptions", headers=pd_headers)
        assert sorted(s["filter"]["id"] for s in subscriptions.json()["webhook_subscriptions"]) == [
            "PSVC001",
            "PSVC002",
        ]
        incidents = httpx.get(
            f"{pagerduty}/incidents", headers=pd_headers, params={"date_range": "all"}
        )
        assert {i["service"]["id"] for i in incidents.json()["incidents"]} == {
            "PSVC001",
            "PSVC002",
        }
        report = httpx.get(
            f"{hackerone}/v1/reports/100004", auth=("alice-sec-demo", "h1-sim-alice-sec-token")
        )
        assert report.json()["data"]["attributes"]["state"] == "needs-more-info"
        [h1_hook] = httpx.get(f"{hackerone}/_sim/programs/acme/webhooks").json()["webhooks"]
        assert h1_hook["url"].startswith(f"{jirasync}/webhooks/hackerone/")

        # The story, told to this running demo (by the command, in this process).
        ports = [
            *("--jira-port", jira.rsplit(":", 1)[1]),
            *("--pagerduty-port", pagerduty.rsplit(":", 1)[1]),
            *("--hackerone-port", hackerone.rsplit(":", 1)[1]),
        ]
        story = CliRunner().invoke(cli.app, ["demo", "--scenario", "--against-running", *ports])
        assert story.exit_code == 0, story.output
        assert "All 10 steps observed." in story.output
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    err = process.stderr.read()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    rest = list(iter(lambda: out.get(timeout=10), None))
    assert [line.strip() for line in rest[-2:]] == ["Stopping…", "Stopped."]
    assert (tmp_path / "demo-data" / "demo.db").is_file()
