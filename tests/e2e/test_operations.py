"""What an operator watches, on the whole stack over HTTP: a PagerDuty incident moves the
counters of /metrics (webhook answers, events, attempts, remote calls by route template,
webhook-to-write latency) and leaves the queue empty and the service ready; its JSON log lines
name the event and the link."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from jirasync import cli
from jirasync.devstack import Stack, wait_for
from jirasync.log import configure_logging

EXAMPLE = Path(__file__).parents[2] / "examples" / "setup-simulators.yaml"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def example_document(stack: Stack) -> dict[str, Any]:
    text = EXAMPLE.read_text(encoding="utf-8")
    for port, url in (("8080", stack.jira_url), ("8081", stack.pagerduty_url)):
        text = text.replace(f"http://127.0.0.1:{port}", url)
    text = text.replace("http://127.0.0.1:8082", stack.hackerone_url)
    document: dict[str, Any] = yaml.safe_load(text)
    return document


def scrape(stack: Stack) -> Samples:
    response = httpx.get(f"{stack.jirasync_url}/metrics")
    assert response.status_code == 200
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def grown(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def trigger(stack: Stack, title: str) -> str:
    body = {
        "incident": {
            "type": "incident",
            "title": title,
            "service": {"id": "PSVC001", "type": "service_reference"},
        }
    }
    with stack.pagerduty() as pd:
        response = pd.post("/incidents", json=body)
    assert response.status_code == 201, response.text
    incident_id: str = response.json()["incident"]["id"]
    return incident_id


def issues_of(stack: Stack, incident_id: str) -> list[dict[str, Any]]:
    with stack.jira("admin") as jira:
        found = jira.post(
            "/rest/api/2/search", json={"jql": f'labels = "pagerduty-{incident_id.lower()}"'}
        )
    issues: list[dict[str, Any]] = found.json()["issues"]
    return issues


def test_an_incident_moves_the_metrics(stack: Stack) -> None:
    stack.apply(example_document(stack))
    stack.check(fix=True)
    stack.settle()
    before = scrape(stack)

    incident_id = trigger(stack, "Checkout answers 502")
    wait_for(lambda: issues_of(stack, incident_id), what="the incident's issue")
    stack.settle()
    after = scrape(stack)

    pagerduty = {"source": "pagerduty"}
    assert grown(before, after, "jirasync_webhooks_total", **pagerduty, outcome="accepted") >= 1
    assert grown(before, after, "jirasync_events_received_total", **pagerduty, duplicate="false")
    assert grown(before, after, "jirasync_event_attempts_total", **pagerduty, status="done") >= 1
    assert grown(before, after, "jirasync_event_sync_seconds_count", **pagerduty) >= 1
    create = {"system": "jira", "method": "POST", "route": "/rest/api/2/issue"}
    assert grown(before, after, "jirasync_remote_calls_total", **create, status="201") == 1
    assert grown(before, after, "jirasync_remote_call_seconds_count", **create) == 1
    assert after[("jirasync_queue_events", frozenset({("status", "pending")}))] == 0

    # Route templates, never raw paths: an issue key or incident id would grow a series each.
    issue_key = issues_of(stack, incident_id)[0]["key"]
    routes = {dict(labels).get("route", "") for _, labels in after}
    assert not [r for r in routes if incident_id in r or issue_key in r]

    ready = httpx.get(f"{stack.jirasync_url}/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["queue"]["status"] == "ok"


def test_the_events_command_shows_the_queue_and_what_an_event_did(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    stack.apply(example_document(stack))
    stack.check(fix=True)
    incident_id = trigger(stack, "Checkout answers 504")
    issue_key = wait_for(lambda: issues_of(stack, incident_id), what="the issue")[0]["key"]
    stack.settle()
    monkeypatch.setenv("JIRASYNC_DATABASE_URL", stack.settings.database)
    monkeypatch.setenv("JIRASYNC_LOG_LEVEL", "warning")
    [created] = [e for e in stack.events() if e["source"] == "pagerduty" and e["status"] == "done"]

    listed = CliRunner().invoke(cli.app, ["events", "--status", "done"])
    assert listed.exit_code == 0, listed.output
    assert "pending: 0" in listed.output
    assert f"#{created['id']}  pagerduty  done" in listed.output
    assert incident_id in listed.output

    shown = CliRunner().invoke(cli.app, ["events", str(created["id"])])
    assert shown.exit_code == 0, shown.output
    assert f"created Jira issue {issue_key}" in shown.output
    assert "POST /rest/api/2/issue → 201" in shown.output

    missing = CliRunner().invoke(cli.app, ["events", "999999"])
    assert missing.exit_code == 1 and "no event 999999" in missing.output


@pytest.fixture
def json_logs() -> Iterator[list[dict[str, Any]]]:
    """The service's log lines as rendered in production (JSON), collected in memory."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    configure_logging("info", "json")
    lines: list[dict[str, Any]] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    collect = Collect()
    collect.setFormatter(root.handlers[0].formatter)
    root.handlers[:] = [collect]
    # Finished events are logged at debug (only failures at info and above).
    worker_log = logging.getLogger("jirasync.engine.worker")
    worker_log.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        worker_log.setLevel(logging.NOTSET)
        root.handlers[:], root.level = saved


def test_log_lines_of_an_event_name_it_and_its_link(stack: Stack, json_logs: list) -> None:
    stack.apply(example_document(stack))
    stack.check(fix=True)
    stack.settle()

    incident_id = trigger(stack, "Checkout answers 503")
    issue = wait_for(lambda: issues_of(stack, incident_id), what="the incident's issue")[0]
    stack.settle()

    [created] = [e for e in stack.events() if e["source"] == "pagerduty" and e["status"] == "done"]
    lines = [line for line in json_logs if line.get("event_id") == created["id"]]
    finished = [line for line in lines if line["event"] == "event.finished"]
    assert len(finished) == 1
    assert finished[0]["status"] == "done"
    assert finished[0]["issue_key"] == issue["key"]
    assert isinstance(finished[0]["link_id"], int)
