"""Program webhooks: signed deliveries for API changes and hacker actions, redelivery with the
same `X-H1-Delivery`, dropped-webhook faults, and per-event filtering."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

Drain = Callable[[], None]


def comment(message: str = "hello", internal: bool = False) -> dict[str, Any]:
    return {
        "data": {
            "type": "activity-comment",
            "attributes": {"message": message, "internal": internal},
        }
    }


def hook(control: httpx.Client, url: str, **extra: Any) -> None:
    response = control.put("/programs/acme/webhooks", json={"webhooks": [{"url": url, **extra}]})
    assert response.status_code == 200, response.text


def test_comment_sends_a_signed_webhook(
    api: Any, control: Any, receiver: Any, drain: Drain
) -> None:
    hook(control, receiver.url)  # no secret given: the program's default secret
    assert api.post("/reports/100001/activities", json=comment()).status_code == 201
    drain()

    assert receiver.verified == [True]
    got = receiver.received[0]
    assert got.headers["x-h1-event"] == "report_comment_created"
    assert uuid.UUID(got.headers["x-h1-delivery"])
    assert got.headers["x-h1-signature"].startswith("sha256=")
    data = json.loads(got.body)["data"]
    assert data["activity"]["type"] == "activity-comment"
    assert data["activity"]["attributes"]["message"] == "hello"
    assert data["report"]["id"] == "100001"
    assert data["report"]["relationships"]["activities"]["data"][0]["id"] == data["activity"]["id"]


def test_custom_secret_is_used(api: Any, control: Any, receiver: Any, drain: Drain) -> None:
    receiver.secret = "another-secret"
    hook(control, receiver.url, secret="another-secret")
    api.post("/reports/100001/activities", json=comment())
    drain()
    assert receiver.verified == [True]


def test_failed_delivery_is_redelivered_with_the_same_id(
    api: Any, control: Any, receiver: Any, drain: Drain
) -> None:
    hook(control, receiver.url)
    receiver.statuses.extend([500, 503])
    api.post("/reports/100001/activities", json=comment())
    drain()

    ids = [r.headers["x-h1-delivery"] for r in receiver.received]
    assert len(ids) == 3 and len(set(ids)) == 1
    assert len({r.body for r in receiver.received}) == 1
    log = control.get("/webhooks").json()["deliveries"]
    assert [d["state"] for d in log] == ["delivered"]
    assert [a["status"] for a in log[0]["attempts"]] == [500, 503, 200]


def test_drop_fault_skips_a_delivery(api: Any, control: Any, receiver: Any, drain: Drain) -> None:
    hook(control, receiver.url)
    fault = {"kind": "drop_webhook", "path": "report_comment_created", "count": 1}
    control.post("/faults", json=fault).raise_for_status()
    api.post("/reports/100001/activities", json=comment("dropped"))
    api.post("/reports/100001/activities", json=comment("delivered"))
    drain()

    messages = [
        json.loads(r.body)["data"]["activity"]["attributes"]["message"] for r in receiver.received
    ]
    assert messages == ["delivered"]
    states = [d["state"] for d in control.get("/webhooks").json()["deliveries"]]
    assert states == ["dropped", "delivered"]


def test_only_selected_events_are_sent(api: Any, control: Any, receiver: Any, drain: Drain) -> None:
    hook(control, receiver.url, events=["report_triaged"])
    api.post("/reports/100001/activities", json=comment())
    change = {"data": {"type": "state-change", "attributes": {"state": "triaged"}}}
    api.post("/reports/100001/state_changes", json=change)
    drain()
    assert [r.headers["x-h1-event"] for r in receiver.received] == ["report_triaged"]


def test_changes_of_one_report_arrive_in_order(
    api: Any, control: Any, receiver: Any, drain: Drain
) -> None:
    hook(control, receiver.url)
    receiver.statuses.append(500)  # the first one is retried; the rest must wait for it
    for n in range(5):
        api.post("/reports/100001/activities", json=comment(f"c{n}"))
    drain()
    messages = [
        json.loads(r.body)["data"]["activity"]["attributes"]["message"] for r in receiver.received
    ]
    assert messages == ["c0", "c0", "c1", "c2", "c3", "c4"]


@pytest.mark.parametrize(
    ("call", "event", "activity"),
    [
        ("assign", "report_user_assigned", "activity-user-assigned-to-bug"),
        ("group", "report_group_assigned", "activity-group-assigned-to-bug"),
        ("bounty", "report_bounty_awarded", "activity-bounty-awarded"),
        ("suggest", "report_bounty_suggested", "activity-bounty-suggested"),
        ("swag", "report_swag_awarded", "activity-swag-awarded"),
        ("resolve", "report_resolved", "activity-bug-resolved"),
    ],
)
def test_api_changes_send_their_event(
    call: str, event: str, activity: str, api: Any, control: Any, receiver: Any, drain: Drain
) -> None:
    hook(control, receiver.url)
    requests = {
        "assign": ("PUT", "assignee", {"data": {"type": "user", "id": "4955"}}),
        "group": ("PUT", "assignee", {"data": {"type": "group", "id": 2003}}),
        "bounty": ("POST", "bounties", {"data": {"message": "thanks", "amount": 100}}),
        "suggest": ("POST", "bounty_suggestions", {"data": {"message": "pay", "amount": 5000}}),
        "swag": ("POST", "swags", {"data": {"message": "shirt"}}),
        "resolve": ("POST", "state_changes", {"data": {"attributes": {"state": "resolved"}}}),
    }
    method, path, payload = requests[call]
    response = api.request(method, f"/reports/100002/{path}", json=payload)
    assert response.status_code in (200, 201), response.text
    drain()
    assert [r.headers["x-h1-event"] for r in receiver.received] == [event]
    assert json.loads(receiver.received[0].body)["data"]["activity"]["type"] == activity


def test_activities_without_an_event_send_nothing(
    api: Any, control: Any, receiver: Any, drain: Drain
) -> None:
    hook(control, receiver.url)
    reference = {"data": {"type": "issue-tracker-reference-id", "attributes": {"reference": "X-1"}}}
    api.post("/reports/100001/issue_tracker_reference_id", json=reference)
    api.put("/reports/100002/assignee", json={"data": {"type": "nobody"}})
    drain()
    assert receiver.received == []


def test_hacker_actions_send_webhooks(control: Any, api: Any, receiver: Any, drain: Drain) -> None:
    hook(control, receiver.url)
    submitted = control.post(
        "/programs/acme/reports",
        json={"reporter": "demo-hacker", "title": "CSRF on settings", "severity_rating": "medium"},
    )
    assert submitted.status_code == 201
    report_id = submitted.json()["data"]["id"]
    said = control.post(f"/reports/{report_id}/comments", json={"message": "any news?"})
    assert said.status_code == 201
    drain()

    events = [r.headers["x-h1-event"] for r in receiver.received]
    assert events == ["report_created", "report_comment_created"]
    created, commented = (json.loads(r.body)["data"] for r in receiver.received)
    assert created["activity"]["type"] == "activity-bug-filed"
    assert created["report"]["attributes"]["title"] == "CSRF on settings"
    actor = commented["activity"]["relationships"]["actor"]["data"]
    assert actor["attributes"]["username"] == "demo-hacker"
    assert commented["activity"]["attributes"]["internal"] is False
    report = api.get(f"/reports/{report_id}").json()["data"]
    assert report["attributes"]["last_reporter_activity_at"] is not None


def test_hacker_disclosure_request(control: Any, api: Any, receiver: Any, drain: Drain) -> None:
    hook(control, receiver.url)
    response = control.post("/reports/100003/disclosure_requests", json={"message": "publish?"})
    assert response.status_code == 201
    drain()
    assert [r.headers["x-h1-event"] for r in receiver.received] == ["report_agreed_on_going_public"]
    attributes = api.get("/reports/100003").json()["data"]["attributes"]
    assert attributes["reporter_agreed_on_going_public_at"] is not None


def test_bad_webhook_configuration_is_400(control: Any) -> None:
    for hooks in (
        [{"url": "ftp://x"}],
        [{"url": "http://x", "events": ["report_exploded"]}],
        [{"secret": "s"}],
        "nope",
    ):
        response = control.put("/programs/acme/webhooks", json={"webhooks": hooks})
        assert response.status_code == 400, hooks
        assert "error" in response.json()
    assert control.put("/programs/nope/webhooks", json={"webhooks": []}).status_code == 404


def test_webhook_report_has_the_recorded_report_shape(
    api: Any, control: Any, receiver: Any, drain: Drain, shape_mismatches: Any
) -> None:
    recorded_path = (
        Path(__file__).parents[2] / "fixtures" / "hackerone" / "recorded-vcr" / "report.json"
    )
    recorded = json.loads(recorded_path.read_text("utf-8"))["response"]["body"]["data"]
    # Bring report 100002 to the recorded situation: reference, CVSS severity, a user assignee.
    reference = {"data": {"attributes": {"reference": "SEC-1", "reference_url": "https://j/SEC-1"}}}
    api.post("/reports/100002/issue_tracker_reference_id", json=reference)
    cvss = {
        "attack_vector": "network",
        "attack_complexity": "high",
        "privileges_required": "none",
        "user_interaction": "none",
        "scope": "changed",
        "confidentiality": "low",
        "integrity": "low",
        "availability": "low",
    }
    api.post("/reports/100002/severities", json={"data": {"attributes": cvss}})
    hook(control, receiver.url)
    api.put("/reports/100002/assignee", json={"data": {"type": "user", "id": 4954}})
    drain()
    sent = json.loads(receiver.received[0].body)["data"]["report"]
    assert shape_mismatches(recorded, sent) == []
