"""`jirasync bench` with tiny N: every workload runs end to end and its report counts what was
done (items, events, calls, duplicates, lost, echoes). Counts only: times depend on the machine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from jirasync.bench import hackerone
from jirasync.bench.report import route
from jirasync.cli import app


def by_name(workloads: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {w["name"].split()[0]: w for w in workloads}


def test_routes_are_templated() -> None:
    assert route("/rest/api/2/issue/SUP-12/transitions?expand=x") == (
        "/rest/api/2/issue/{key}/transitions"
    )
    assert route("/rest/api/2/issue/10001") == "/rest/api/2/issue/{id}"
    assert route("http://127.0.0.1:1234/incidents/Q1B2C3D/notes") == "/incidents/{id}/notes"
    assert route("/v1/reports/100004/activities") == "/v1/reports/{id}/activities"
    assert route("/priorities") == "/priorities"


def test_pagerduty_workloads_through_the_command(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    result = CliRunner().invoke(
        app, ["bench", "pagerduty", "--n", "3", "--n-other", "2", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert {"machine_before", "machine_after", "pagerduty"} <= set(document)
    w = by_name(document["pagerduty"])

    assert (w["W1"]["items"], w["W1"]["events"], w["W1"]["statuses"]) == (3, 3, {"done": 3})
    assert (w["W1"]["duplicates"], w["W1"]["lost"]) == (0, 0)
    routes = w["W1"]["calls_per_item_by_route"]
    assert routes["jira POST /rest/api/2/issue"] == 1
    assert routes["pagerduty POST /incidents/{id}/notes"] == 1
    assert w["W1"]["writes_per_item"] == {"jira": 2, "pagerduty": 1}
    assert w["W1"]["latency_ms"]["measured_events"] == 3

    assert (w["W2"]["items"], w["W2"]["statuses"]) == (2, {"done": 2})
    assert w["W2"]["issues_in_progress"] == 2
    assert w["W2"]["calls_per_item_by_route"]["jira POST /rest/api/2/issue/{key}/transitions"] == 1

    assert (w["W3"]["items"], w["W3"]["statuses"]) == (2, {"done": 2})
    assert w["W3"]["calls_per_item"] == {"jira": 1}

    replay = w["W4"]
    assert (replay["replayed"], replay["writes_total"], replay["duplicates"]) == (3, 0, 0)
    assert replay["dropped_as_redelivered"] + replay["new_inbox_events"] >= 3
    assert all(not calls for calls in replay["simulator_counts"].values())

    again = by_name(document["pagerduty"][4:5])["W4b"]
    assert (again["items"], again["events"], again["statuses"]) == (3, 3, {"ignored": 3})
    assert (again["writes_total"], again["duplicates"], again["lost"]) == (0, 0, 0)
    # after the restart only metadata caches fill (statuses, priorities), nothing per item
    assert again["warm_calls_per_item"] == {}

    echo = w["W5"]
    # issue created + link note per incident, transition per ack, one per comment (its
    # comment_created and issue_commented webhooks are one change: the second is a duplicate)
    assert echo["events"] == 3 * 2 + 2 + 2
    assert echo["writes_total"] == 0
    assert all(t["met"] for t in echo["targets"])


@pytest.fixture(scope="module")
def h1_workloads() -> dict[str, dict[str, Any]]:
    return by_name([x.as_dict() for x in hackerone.run(3)])


def test_hackerone_workloads(h1_workloads: dict[str, dict[str, Any]]) -> None:
    w = h1_workloads

    assert (w["H0"]["events"], w["H0"]["calls_total"]) == (3, 0)
    assert (w["H1"]["items"], w["H1"]["statuses"]) == (3, {"done": 3})
    assert (w["H1"]["duplicates"], w["H1"]["lost"]) == (0, 0)
    assert w["H1"]["writes_per_item"] == {"hackerone": 1, "jira": 2}
    assert w["H2"]["calls_per_item"] == {"jira": 1}
    assert w["H3"]["items"] == 3
    assert w["H3"]["calls_per_item"] == {"hackerone": 1}
    assert (w["H4"]["replayed"], w["H4"]["writes_total"], w["H4"]["duplicates"]) == (3, 0, 0)
    assert (w["H4b"]["items"], w["H4b"]["events"], w["H4b"]["duplicates"]) == (3, 3, 0)
    assert w["H5"]["writes_total"] == 0
    assert w["H5"]["events"] > 0


def test_hackerone_replay_under_new_delivery_ids_writes_nothing(
    h1_workloads: dict[str, dict[str, Any]],
) -> None:
    assert h1_workloads["H4b"]["writes_total"] == 0
