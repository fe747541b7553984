"""Reports over HTTP: auth, visibility, JSON:API shape, list filters and pagination, create."""

from __future__ import annotations

from typing import Any

import httpx


def body(type_: str, **attributes: Any) -> dict[str, Any]:
    return {"data": {"type": type_, "attributes": attributes}}


REPORT_DATES = (
    "created_at",
    "last_activity_at",
    "last_program_activity_at",
    "last_reporter_activity_at",
    "triaged_at",
    "swag_awarded_at",
    "bounty_awarded_at",
    "closed_at",
    "disclosed_at",
    "first_program_activity_at",
)


def test_bad_token_is_401(sim_url: str) -> None:
    for auth in (("jirasync-sim", "wrong"), ("nobody", "x")):
        response = httpx.get(f"{sim_url}/v1/reports/100001", auth=auth)
        assert response.status_code == 401
    assert httpx.get(f"{sim_url}/v1/reports/100001").status_code == 401


def test_get_report_embeds_relationships(api: httpx.Client) -> None:
    response = api.get("/reports/100002")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    report = response.json()["data"]
    assert report["id"] == "100002" and report["type"] == "report"
    assert all(name in report["attributes"] for name in REPORT_DATES)
    rels = report["relationships"]
    assert rels["reporter"]["data"]["attributes"]["username"] == "demo-hacker"
    assert rels["assignee"]["data"] == {**rels["assignee"]["data"], "type": "group", "id": "2001"}
    assert rels["program"]["data"]["attributes"]["handle"] == "acme"
    assert rels["severity"]["data"]["attributes"]["rating"] == "critical"
    assert rels["weakness"]["data"]["attributes"]["external_id"] == "cwe-89"
    activities = rels["activities"]["data"]
    assert [a["type"] for a in activities] == [
        "activity-group-assigned-to-bug",
        "activity-bug-triaged",
    ]


def test_unassigned_report_has_no_assignee_key(api: httpx.Client) -> None:
    assert "assignee" not in api.get("/reports/100001").json()["data"]["relationships"]


def test_other_programs_and_unknown_ids_are_403(api: httpx.Client) -> None:
    for report_id in ("100101", "404", "abc"):
        response = api.get(f"/reports/{report_id}")
        assert response.status_code == 403
        assert response.json() == {"errors": [{"status": 403}]}


def test_write_to_unknown_report_names_report_id(api: httpx.Client) -> None:
    response = api.post(
        "/reports/4040000000000000/state_changes", json=body("state-change", state="triaged")
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["source"] == {"parameter": "report_id"}


def test_list_requires_program_filter(api: httpx.Client) -> None:
    assert api.get("/reports").status_code == 400


def test_list_filters(api: httpx.Client) -> None:
    def ids(**params: str | list[str]) -> list[str]:
        response = api.get("/reports", params={"filter[program][]": "acme", **params})
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()["data"]]

    assert ids() == ["100001", "100002", "100003"]
    assert ids(**{"filter[state][]": ["new", "resolved"]}) == ["100001", "100003"]
    assert ids(**{"filter[state][0]": "triaged"}) == ["100002"]  # Ruby-gem spelling
    assert ids(**{"filter[reporter][]": "second-hacker"}) == ["100003"]
    assert ids(**{"filter[severity][]": "critical"}) == ["100002"]
    assert ids(**{"filter[assignee][]": "Standard"}) == ["100002"]
    assert ids(**{"filter[keyword]": "SQL"}) == ["100002"]
    assert ids(**{"filter[created_at__gt]": "2026-11-01T12:00:00Z"}) == ["100002"]
    assert ids(**{"filter[closed_at__null]": "false"}) == ["100003"]
    assert ids(**{"filter[issue_tracker_reference_id__null]": "true"}) == [
        "100001",
        "100002",
        "100003",
    ]
    assert ids(sort="-reports.created_at") == ["100002", "100001", "100003"]
    assert ids(**{"filter[program][]": "globex"}) == []  # other programs stay invisible


def test_list_bad_parameters_are_400(api: httpx.Client) -> None:
    for params in (
        {"filter[created_at__gt]": "yesterday"},
        {"page[size]": "101"},
        {"page[number]": "0"},
        {"filter[color]": "red"},
        {"sort": "reports.colour"},
    ):
        response = api.get("/reports", params={"filter[program][]": "acme", **params})
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["title"] == "Invalid Parameter"


def test_pagination_links_are_absolute_and_complete(api: httpx.Client, sim_url: str) -> None:
    url = "/reports"
    params: dict[str, str] | None = {"filter[program][]": "acme", "page[size]": "1"}
    seen = []
    while True:
        page = api.get(url, params=params).json()
        seen += [r["id"] for r in page["data"]]
        if "next" not in page["links"]:
            break
        assert page["links"]["next"].startswith(f"{sim_url}/v1/reports?")
        assert page["links"]["last"].endswith("page%5Bnumber%5D=3&page%5Bsize%5D=1")
        url, params = page["links"]["next"], None
    assert seen == ["100001", "100002", "100003"]
    single = api.get("/reports", params={"filter[program][]": "acme"}).json()
    assert single["links"] == {}


def test_create_report(api: httpx.Client) -> None:
    attrs = {
        "team_handle": "acme",
        "title": "From the pentest",
        "vulnerability_information": "details",
        "impact": "bad",
        "severity_rating": "medium",
        "weakness_id": 60,
        "source": "pentest",
    }
    response = api.post("/reports", json=body("report", **attrs))
    assert response.status_code == 201
    report = response.json()["data"]
    assert report["attributes"]["vulnerability_information"] == "details\n\n## Impact\n\nbad"
    assert report["attributes"]["state"] == "new"
    assert report["relationships"]["reporter"]["data"]["attributes"]["username"] == "jirasync-api"
    assert api.get(f"/reports/{report['id']}").status_code == 200
    dates = report["attributes"]
    assert dates["last_reporter_activity_at"] == dates["last_program_activity_at"] is not None


def test_create_report_invalid_parameters(api: httpx.Client) -> None:
    good = {
        "team_handle": "acme",
        "title": "t",
        "vulnerability_information": "v",
        "impact": "i",
        "source": "api",
    }
    for key, value in (
        ("severity_rating", "invalid_severity"),
        ("team_handle", "globex"),
        ("weakness_id", 999),
        ("title", 42),
    ):
        response = api.post("/reports", json=body("report", **{**good, key: value}))
        assert response.status_code == 400
        assert response.json()["errors"][0]["source"] == {"parameter": key}
    response = api.post("/reports", json=body("report", title="only"))
    assert response.status_code == 400


def test_malformed_bodies_are_400_not_500(api: httpx.Client) -> None:
    for content in (b"not json", b"[]", b'{"data": 3}', b'{"data": {"attributes": []}}'):
        response = api.post(
            "/reports/100001/activities",
            content=content,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400, content
