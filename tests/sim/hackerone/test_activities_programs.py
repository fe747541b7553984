"""Incremental activities (the polling feed), single activities, programs with groups and
members, users, and the configurable rate limits."""

from __future__ import annotations

from typing import Any

import httpx


def comment(message: str) -> dict[str, Any]:
    return {
        "data": {"type": "activity-comment", "attributes": {"message": message, "internal": True}}
    }


def test_incremental_activities_poll(api: httpx.Client) -> None:
    first = api.get("/incremental/activities", params={"handle": "acme"}).json()
    assert [a["id"] for a in first["data"]] == ["900003", "900004", "900001", "900002"]
    assert first["data"][0]["attributes"]["report_id"] == "100003"
    cursor = first["meta"]["max_updated_at"]
    assert cursor == first["data"][-1]["attributes"]["updated_at"]

    quiet = api.get(
        "/incremental/activities", params={"handle": "acme", "updated_at_after": cursor}
    ).json()
    assert quiet["data"] == [] and quiet["meta"] == {"max_updated_at": None}

    api.post("/reports/100001/activities", json=comment("one"))
    api.post("/reports/100002/activities", json=comment("two"))
    fresh = api.get(
        "/incremental/activities", params={"handle": "acme", "updated_at_after": cursor}
    ).json()
    assert [a["attributes"]["message"] for a in fresh["data"]] == ["one", "two"]
    assert fresh["meta"]["max_updated_at"] > cursor

    one_report = api.get(
        "/incremental/activities", params={"handle": "acme", "report_id": "100002"}
    ).json()
    assert {a["attributes"]["report_id"] for a in one_report["data"]} == {"100002"}


def test_incremental_pages_and_errors(api: httpx.Client, sim_url: str) -> None:
    page = api.get("/incremental/activities", params={"handle": "acme", "page[size]": "3"}).json()
    assert len(page["data"]) == 3
    assert page["links"]["next"].startswith(f"{sim_url}/v1/incremental/activities?")
    rest = api.get(page["links"]["next"]).json()
    assert len(rest["data"]) == 1
    assert api.get("/incremental/activities").status_code == 400  # handle is required
    assert api.get("/incremental/activities", params={"handle": "globex"}).status_code == 403
    for params in (
        {"updated_at_after": "soon"},
        {"page[size]": "0"},
        {"sort": "colour"},
        {"order": "up"},
    ):
        assert (
            api.get("/incremental/activities", params={"handle": "acme", **params}).status_code
            == 400
        )


def test_submissions_appear_in_the_feed_but_not_in_the_report(
    api: httpx.Client, control: httpx.Client
) -> None:
    report = control.post(
        "/programs/acme/reports", json={"reporter": "demo-hacker", "title": "New"}
    ).json()
    report_id = report["data"]["id"]
    feed = api.get(
        "/incremental/activities", params={"handle": "acme", "report_id": report_id}
    ).json()
    assert [a["type"] for a in feed["data"]] == ["activity-bug-filed"]
    assert (
        api.get(f"/reports/{report_id}").json()["data"]["relationships"]["activities"]["data"] == []
    )


def test_get_activity(api: httpx.Client) -> None:
    activity = api.get("/activities/900001").json()["data"]
    assert activity["type"] == "activity-bug-triaged"
    assert api.get("/activities/1").status_code == 404


def test_programs_with_groups_and_members(api: httpx.Client) -> None:
    mine = api.get("/me/programs").json()
    assert [p["attributes"]["handle"] for p in mine["data"]] == ["acme"]
    program = api.get(f"/programs/{mine['data'][0]['id']}").json()["data"]
    groups = program["relationships"]["groups"]["data"]
    assert [g["attributes"]["name"] for g in groups] == ["Standard", "Admin", "Triage"]
    assert "report_management" in groups[0]["attributes"]["permissions"]
    members = program["relationships"]["members"]["data"]
    assert members[0]["type"] == "member"
    assert members[0]["relationships"]["user"]["data"]["attributes"]["username"] == "alice-sec"
    assert api.get("/programs/1002").status_code == 403
    reporters = api.get("/programs/1001/reporters").json()["data"]
    assert {u["attributes"]["username"] for u in reporters} == {"demo-hacker", "second-hacker"}


def test_users(api: httpx.Client) -> None:
    user = api.get("/users/demo-hacker").json()["data"]
    assert user["type"] == "user" and user["attributes"]["reputation"] == 433
    assert api.get("/users/nobody-here").status_code == 404


def test_rate_limits_are_generous_by_default_and_configurable(
    api: httpx.Client, control: httpx.Client
) -> None:
    assert control.get("/rate_limits").json()["writes_per_20s"] >= 1000
    control.put(
        "/rate_limits", json={"reads_per_minute": 3, "writes_per_20s": 2}
    ).raise_for_status()
    statuses = [api.get("/reports/100001").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    writes = [
        api.post("/reports/100001/activities", json=comment("w")).status_code for _ in range(3)
    ]
    assert writes == [201, 201, 429]
    assert api.get("/reports/100001").json() == {"errors": [{"status": 429}]}
    assert control.put("/rate_limits", json={"reads_per_minute": 0}).status_code == 400


def test_request_counts_use_route_templates(api: httpx.Client, control: httpx.Client) -> None:
    api.get("/reports/100001")
    api.get("/reports/100002")
    counts = control.get("/requests").json()["counts"]
    assert counts["GET /v1/reports/{report_id}"] == 2


def test_injected_fault_has_hackerone_error_shape(api: httpx.Client, control: httpx.Client) -> None:
    control.post(
        "/faults",
        json={"method": "GET", "path": "/v1/reports/{report_id}", "status": 503, "count": 1},
    )
    response = api.get("/reports/100001")
    assert response.status_code == 503
    assert response.json() == {"errors": [{"status": 503}]}
    assert api.get("/reports/100001").status_code == 200
