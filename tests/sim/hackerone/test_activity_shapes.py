"""Every activity type the simulator records has the shape of the published object of that
type (tests/fixtures/hackerone/h1-python-objects, the objects Uber's `h1` client is tested
against): each of its keys present with the same JSON type."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

OBJECTS = Path(__file__).parents[2] / "fixtures" / "hackerone" / "h1-python-objects"
ShapeCheck = Callable[[Any, Any], list[str]]
Action = Callable[[httpx.Client, httpx.Client], int]  # (api, control) → report id


def state(report_id: int, target: str, **extra: Any) -> Action:
    def act(api: httpx.Client, control: httpx.Client) -> int:
        attributes = {"state": target, "message": "why", **extra}
        response = api.post(
            f"/reports/{report_id}/state_changes", json={"data": {"attributes": attributes}}
        )
        assert response.status_code == 201, response.text
        return report_id

    return act


def call(method: str, report_id: int, path: str, data: dict[str, Any]) -> Action:
    def act(api: httpx.Client, control: httpx.Client) -> int:
        response = api.request(method, f"/reports/{report_id}/{path}", json={"data": data})
        assert response.status_code in (200, 201), response.text
        return report_id

    return act


def commented(api: httpx.Client, control: httpx.Client) -> int:
    upload = api.post("/reports/attachments", files={"file": ("a.txt", b"a", "text/plain")})
    attributes = {
        "message": "hi",
        "internal": False,
        "attachment_ids": [int(upload.json()["data"]["id"])],
    }
    assert (
        api.post(
            "/reports/100001/activities", json={"data": {"attributes": attributes}}
        ).status_code
        == 201
    )
    return 100001


def disclosed(api: httpx.Client, control: httpx.Client) -> int:
    assert control.post("/reports/100003/disclose").status_code == 200
    return 100003


PRODUCERS: dict[str, Action] = {
    "activity-comment": commented,
    "activity-bug-triaged": state(100001, "triaged"),
    "activity-bug-new": state(100002, "new"),
    "activity-bug-needs-more-info": state(100001, "needs-more-info"),
    "activity-bug-resolved": state(100001, "resolved"),
    "activity-bug-not-applicable": state(100001, "not-applicable"),
    "activity-bug-informative": state(100001, "informative"),
    "activity-bug-duplicate": state(100001, "duplicate", original_report_id=100002),
    "activity-bug-spam": state(100001, "spam"),
    "activity-bug-reopened": state(100003, "new"),
    "activity-bounty-awarded": call(
        "POST", 100002, "bounties", {"message": "x", "amount": 5, "bonus_amount": 1}
    ),
    "activity-bounty-suggested": call(
        "POST", 100002, "bounty_suggestions", {"message": "x", "amount": 5, "bonus_amount": 1}
    ),
    "activity-swag-awarded": call("POST", 100002, "swags", {"message": "x"}),
    "activity-user-assigned-to-bug": call("PUT", 100002, "assignee", {"type": "user", "id": 4954}),
    "activity-group-assigned-to-bug": call(
        "PUT", 100001, "assignee", {"type": "group", "id": 2001}
    ),
    "activity-reference-id-added": call(
        "POST",
        100001,
        "issue_tracker_reference_id",
        {"attributes": {"reference": "R-1", "reference_url": "https://jira/R-1"}},
    ),
    "activity-report-title-updated": call("PUT", 100001, "title", {"attributes": {"title": "t"}}),
    "activity-report-severity-updated": call(
        "POST", 100001, "severities", {"attributes": {"rating": "low"}}
    ),
    "activity-report-vulnerability-types-updated": call(
        "PUT", 100001, "weakness", {"attributes": {"weakness_id": 67}}
    ),
    "activity-agreed-on-going-public": call(
        "POST", 100003, "disclosure_requests", {"attributes": {"message": "x"}}
    ),
    "activity-report-became-public": disclosed,
    "activity-not-eligible-for-bounty": call(
        "PUT", 100001, "ineligible_for_bounty", {"type": "report-ineligible-for-bounty"}
    ),
    "activity-comments-closed": call(
        "PUT", 100003, "close_comments", {"type": "activity-comments-closed"}
    ),
}
# Published types with no simulated way to cause them (cloning, external users, mediation,
# manual disclosure by HackerOne staff, bans).
NOT_PRODUCED = {
    "activity-bug-cloned",
    "activity-external-user-invitation-cancelled",
    "activity-external-user-invited",
    "activity-external-user-joined",
    "activity-external-user-removed",
    "activity-hacker-requested-mediation",
    "activity-manually-disclosed",
    "activity-mediation-requested",
    "activity-user-banned-from-program",
}


def published(kind: str) -> dict[str, Any]:
    raw = json.loads((OBJECTS / f"{kind}.json").read_text("utf-8"))
    obj: dict[str, Any] = raw.get("data", raw)
    return obj


def test_every_published_type_is_produced_or_named() -> None:
    kinds = {p.stem for p in OBJECTS.glob("activity-*.json")}
    assert kinds == set(PRODUCERS) | NOT_PRODUCED


@pytest.mark.parametrize("kind", sorted(PRODUCERS))
def test_activity_shape(
    kind: str, api: httpx.Client, control: httpx.Client, shape_mismatches: ShapeCheck
) -> None:
    report_id = PRODUCERS[kind](api, control)
    feed = api.get(
        "/incremental/activities", params={"handle": "acme", "report_id": str(report_id)}
    )
    ours = [a for a in feed.json()["data"] if a["type"] == kind][-1]
    assert shape_mismatches(published(kind), ours) == []
