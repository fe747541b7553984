"""State changes: HackerOne's allowed-transition table, required messages, and what a change
does to the report (dates, activity, duplicate link)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from jirasync.sim.hackerone import transitions

STATES = [
    "new",
    "triaged",
    "needs-more-info",
    "resolved",
    "not-applicable",
    "informative",
    "duplicate",
    "spam",
    "pending-program-review",
]


def change(state: str, message: str = "because", **extra: Any) -> dict[str, Any]:
    return {
        "data": {
            "type": "state-change",
            "attributes": {"state": state, "message": message, **extra},
        }
    }


SMALL_SEED = """
users:
  - {id: 1, username: hacker}
  - {id: 2, username: api-user}
programs:
  - id: 10
    handle: acme
    groups: [{id: 20, name: Standard, permissions: [report_management]}]
    api_tokens:
      - {identifier: jirasync-sim, token: h1-sim-token-0123456789abcdef, user: api-user,
         groups: [Standard]}
reports:
  - {id: 100001, program: acme, title: one, state: STATE, reporter: hacker}
  - {id: 100002, program: acme, title: two, reporter: hacker}
"""


def seed_in_state(control: httpx.Client, state: str) -> None:
    """A small seed (quick to load) with report 100001 in `state`."""
    control.put("/seed", content=SMALL_SEED.replace("STATE", state)).raise_for_status()


@pytest.mark.parametrize("current", STATES)
def test_transition_table_over_http(current: str, api: httpx.Client, control: httpx.Client) -> None:
    for target in [*STATES, "retesting"]:
        seed_in_state(control, current)
        response = api.post(
            "/reports/100001/state_changes", json=change(target, original_report_id=100002)
        )
        allowed = target in transitions.ALLOWED[current]
        assert response.status_code == (201 if allowed else 400), (current, target, response.text)
        if allowed:
            assert response.json()["data"]["attributes"]["state"] == target
        else:
            error = response.json()["errors"][0]
            assert error["title"] == "Invalid Parameter"
            assert error["source"] == {"parameter": "state"}


def test_table_matches_the_published_one() -> None:
    closed = {"duplicate", "informative", "not-applicable", "resolved", "spam"}
    for state in closed:
        assert transitions.ALLOWED[state] == {"new", "triaged"}
    assert "triaged" in transitions.ALLOWED["triaged"]
    assert "new" not in transitions.ALLOWED["new"]
    assert "retesting" not in transitions.SETTABLE


@pytest.mark.parametrize("target", ["needs-more-info", "informative", "duplicate"])
def test_message_required(target: str, api: httpx.Client) -> None:
    for message in (None, "", "   "):
        attributes = {"state": target} if message is None else {"state": target, "message": message}
        response = api.post(
            "/reports/100001/state_changes",
            json={"data": {"type": "state-change", "attributes": attributes}},
        )
        assert response.status_code == 400
        assert response.json()["errors"][0]["source"] == {"parameter": "message"}
    assert api.get("/reports/100001").json()["data"]["attributes"]["state"] == "new"


def test_resolved_without_message_is_fine(api: httpx.Client) -> None:
    response = api.post(
        "/reports/100001/state_changes", json={"data": {"attributes": {"state": "resolved"}}}
    )
    assert response.status_code == 201


def test_unknown_state_and_bad_body(api: httpx.Client) -> None:
    assert api.post("/reports/100001/state_changes", json=change("exploded")).status_code == 400
    assert api.post("/reports/100001/state_changes", json=change(7)).status_code == 400  # type: ignore[arg-type]


def test_triage_then_close_then_reopen(api: httpx.Client) -> None:
    triaged = api.post("/reports/100001/state_changes", json=change("triaged")).json()["data"]
    assert triaged["attributes"]["triaged_at"] is not None
    assert triaged["relationships"]["activities"]["data"][0]["type"] == "activity-bug-triaged"

    closed = api.post(
        "/reports/100001/state_changes", json=change("duplicate", original_report_id="100002")
    ).json()["data"]
    assert closed["attributes"]["closed_at"] is not None
    assert closed["attributes"]["main_state"] == "closed"
    newest = closed["relationships"]["activities"]["data"][0]
    assert newest["type"] == "activity-bug-duplicate"
    assert newest["attributes"]["original_report_id"] == 100002
    assert newest["attributes"]["message"] == "because"

    reopened = api.post("/reports/100001/state_changes", json=change("new")).json()["data"]
    assert reopened["attributes"]["closed_at"] is None
    assert reopened["relationships"]["activities"]["data"][0]["type"] == "activity-bug-reopened"


def test_state_change_from_another_program_is_403(sim_url: str) -> None:
    limited = ("globex-sim", "h1-sim-globex-token")
    response = httpx.post(
        f"{sim_url}/v1/reports/100001/state_changes", json=change("triaged"), auth=limited
    )
    assert response.status_code == 403
