"""The other report endpoints: comments, reference, assignee, rewards, severity, weakness,
scope, title, close comments, disclosure, attachments; permissions and their status codes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

TRIAGE = ("jirasync-sim-triage", "h1-sim-triage-token")  # Report Management only


def doc(type_: str | None = None, **attributes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"attributes": attributes}
    if type_:
        data["type"] = type_
    return {"data": data}


def newest_activity(api: httpx.Client, report_id: int) -> dict[str, Any]:
    activities: list[dict[str, Any]] = api.get(f"/reports/{report_id}").json()["data"][
        "relationships"
    ]["activities"]["data"]
    return activities[0]


def test_internal_and_public_comments(api: httpx.Client) -> None:
    for internal in (True, False):
        response = api.post(
            "/reports/100001/activities",
            json=doc("activity-comment", message=f"internal={internal}", internal=internal),
        )
        assert response.status_code == 201
        activity = response.json()["data"]
        assert activity["type"] == "activity-comment"
        assert activity["attributes"]["internal"] is internal
        assert (
            activity["relationships"]["actor"]["data"]["attributes"]["username"] == "jirasync-api"
        )
    missing = api.post("/reports/100001/activities", json=doc(message="no internal flag"))
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["source"] == {"parameter": "internal"}


def test_comment_with_attachment(api: httpx.Client, sim_url: str) -> None:
    upload = api.post("/reports/attachments", files={"file": ("poc.txt", b"proof", "text/plain")})
    assert upload.status_code == 201
    attachment = upload.json()["data"]
    assert attachment["attributes"]["file_size"] == 5
    response = api.post(
        "/reports/100001/activities",
        json=doc(
            "activity-comment",
            message=f"see {{F{attachment['id']}}}",
            internal=False,
            attachment_ids=[int(attachment["id"])],
        ),
    )
    assert response.status_code == 201
    files = response.json()["data"]["relationships"]["attachments"]["data"]
    assert [f["attributes"]["file_name"] for f in files] == ["poc.txt"]
    assert httpx.get(files[0]["attributes"]["expiring_url"]).content == b"proof"
    bad = api.post(
        "/reports/100001/activities",
        json=doc("activity-comment", message="x", internal=True, attachment_ids=[999999]),
    )
    assert bad.status_code == 400
    assert api.post("/reports/attachments", content=b"x").status_code == 400


def test_reference_has_the_odd_response_shape(api: httpx.Client) -> None:
    response = api.post(
        "/reports/100002/issue_tracker_reference_id",
        json=doc("issue-tracker-reference-id", reference="SEC-7", message="created in Jira"),
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"relationships"}
    report = body["relationships"]["report"]["data"]
    assert report["attributes"]["issue_tracker_reference_id"] == "SEC-7"
    activity = report["relationships"]["activities"]["data"][0]
    assert activity["type"] == "activity-reference-id-added"
    assert activity["attributes"]["reference"] == "SEC-7"
    assert activity["attributes"]["message"] == "created in Jira"
    listed = api.get(
        "/reports",
        params={"filter[program][]": "acme", "filter[issue_tracker_reference_id]": "SEC-7"},
    ).json()["data"]
    assert [r["id"] for r in listed] == ["100002"]
    assert api.post("/reports/100002/issue_tracker_reference_id", json=doc()).status_code == 400


def test_assignee_user_group_nobody(api: httpx.Client) -> None:
    user = api.put("/reports/100001/assignee", json={"data": {"type": "user", "id": 4955}})
    assert user.status_code == 200
    assignee = user.json()["data"]["relationships"]["assignee"]["data"]
    assert (assignee["type"], assignee["attributes"]["username"]) == ("user", "bob-sec")
    assert newest_activity(api, 100001)["relationships"]["assigned_user"]["data"]["id"] == "4955"

    group = api.put("/reports/100001/assignee", json={"data": {"type": "group", "id": "2003"}})
    assert (
        group.json()["data"]["relationships"]["assignee"]["data"]["attributes"]["name"] == "Triage"
    )

    nobody = api.put("/reports/100001/assignee", json={"data": {"type": "nobody"}})
    assert "assignee" not in nobody.json()["data"]["relationships"]
    assert newest_activity(api, 100001)["type"] == "activity-nobody-assigned-to-bug"


@pytest.mark.parametrize(
    "data",
    [
        {"type": "user", "id": 185283},  # API users cannot be assigned
        {"type": "user", "id": 3683},  # a hacker, not a member
        {"type": "group", "id": 2101},  # another program's group
        {"type": "robot", "id": 1},
        {"type": "user"},
    ],
)
def test_assignee_refusals(data: dict[str, Any], api: httpx.Client) -> None:
    assert api.put("/reports/100001/assignee", json={"data": data}).status_code == 400


def test_bounty_and_suggestion(api: httpx.Client) -> None:
    bounty = api.post(
        "/reports/100002/bounties",
        json={"data": {"message": "thanks", "amount": 1330, "bonus_amount": 7}},
    )
    assert bounty.status_code == 201
    assert bounty.json()["data"]["attributes"]["amount"] == "1330.00"
    awarded = newest_activity(api, 100002)
    assert awarded["type"] == "activity-bounty-awarded"
    assert awarded["relationships"]["actor"]["data"]["type"] == "program"
    report = api.get("/reports/100002").json()["data"]
    assert report["attributes"]["bounty_awarded_at"] is not None
    assert len(report["relationships"]["bounties"]["data"]) == 1

    suggestion = api.post(
        "/reports/100002/bounty_suggestions",
        json={"data": {"message": "pay", "amount": 5000, "bonus_amount": 2500}},
    )
    assert suggestion.status_code == 201
    attributes = suggestion.json()["data"]["attributes"]
    assert (attributes["bounty_amount"], attributes["bonus_amount"]) == ("5,000", "2,500")
    assert attributes["internal"] is True
    listed = api.get("/reports/100002/bounty_suggestions").json()["data"]
    assert [s["type"] for s in listed] == ["activity-bounty-suggested"]

    for body in (
        {"data": {"amount": 5}},
        {"data": {"message": "x", "amount": -5}},
        {"data": {"message": "x", "amount": "lots"}},
    ):
        assert api.post("/reports/100002/bounties", json=body).status_code == 400


def test_reward_endpoints_answer_404_without_reward_management(sim_url: str) -> None:
    with httpx.Client(base_url=f"{sim_url}/v1", auth=TRIAGE) as triage:
        assert (
            triage.post(
                "/reports/100002/bounties", json={"data": {"message": "x", "amount": 1}}
            ).status_code
            == 404
        )
        assert (
            triage.post(
                "/reports/100002/bounty_suggestions", json={"data": {"message": "x"}}
            ).status_code
            == 404
        )
        assert (
            triage.post("/reports/100002/swags", json={"data": {"message": "x"}}).status_code == 404
        )
        # Report Management is enough for comments and state changes.
        comment = doc("activity-comment", message="ok", internal=False)
        assert triage.post("/reports/100002/activities", json=comment).status_code == 201


def test_no_bounty_for_ineligible_reports(api: httpx.Client) -> None:
    marked = api.put(
        "/reports/100001/ineligible_for_bounty",
        json={"data": {"type": "report-ineligible-for-bounty"}},
    )
    assert marked.status_code == 200
    assert newest_activity(api, 100001)["type"] == "activity-not-eligible-for-bounty"
    refused = api.post("/reports/100001/bounties", json={"data": {"message": "x", "amount": 10}})
    assert refused.status_code == 403


def test_swag(api: httpx.Client) -> None:
    response = api.post("/reports/100003/swags", json={"data": {"message": "enjoy"}})
    assert response.status_code == 201
    swag = response.json()["data"]
    assert swag["type"] == "swag" and swag["attributes"]["sent"] is False
    activity = newest_activity(api, 100003)
    assert activity["relationships"]["swag"]["data"]["id"] == swag["id"]
    sent = api.put(
        f"/programs/1001/swag/{swag['id']}",
        json={"data": {"type": "swag", "attributes": {"sent": True}}},
    )
    assert sent.status_code == 200 and sent.json()["attributes"]["sent"] is True


def test_severity(api: httpx.Client) -> None:
    response = api.post(
        "/reports/100001/severities", json=doc("severity", rating="critical", message="worse")
    )
    assert response.status_code == 200
    severity = response.json()["data"]
    assert severity["attributes"]["rating"] == "critical"
    assert severity["attributes"]["author_type"] == "Team"
    activity = newest_activity(api, 100001)
    assert activity["type"] == "activity-report-severity-updated"
    partial = doc("severity", attack_vector="network", calculation_method="cvss_3_1")
    assert api.post("/reports/100001/severities", json=partial).status_code == 400
    assert (
        api.post(
            "/reports/100001/severities", json=doc("severity", rating="apocalyptic")
        ).status_code
        == 400
    )
    assert api.post("/reports/100001/severities", json=doc("severity")).status_code == 400


def test_weakness_scope_title(api: httpx.Client) -> None:
    weakness = api.put("/reports/100001/weakness", json=doc("report-weakness", weakness_id=67))
    assert weakness.status_code == 200
    assert weakness.json()["data"]["relationships"]["weakness"]["data"]["id"] == "67"
    scope = api.put(
        "/reports/100001/structured_scope",
        json=doc("report-structured-scope", structured_scope_id=58),
    )
    assert (
        scope.json()["data"]["relationships"]["structured_scope"]["data"]["attributes"][
            "asset_identifier"
        ]
        == "api.acme.test"
    )
    title = api.put("/reports/100001/title", json=doc("report-title", title="Better title"))
    assert title.json()["data"]["attributes"]["title"] == "Better title"
    activity = newest_activity(api, 100001)
    assert activity["type"] == "activity-report-title-updated"
    assert activity["attributes"]["old_title"] == "Stored XSS in profile bio"
    assert api.put("/reports/100001/weakness", json=doc(weakness_id=12345)).status_code == 400
    assert api.put("/reports/100001/title", json=doc(title="")).status_code == 400


def test_close_comments_needs_a_closed_report_and_happens_once(api: httpx.Client) -> None:
    lock = {"data": {"type": "activity-comments-closed"}}
    assert api.put("/reports/100001/close_comments", json=lock).status_code == 400  # still open
    response = api.put("/reports/100003/close_comments", json=lock)
    assert response.status_code == 200
    assert response.json()["data"]["type"] == "activity-comments-closed"
    assert api.put("/reports/100003/close_comments", json=lock).status_code == 400
    public = doc("activity-comment", message="late", internal=False)
    assert api.post("/reports/100003/activities", json=public).status_code == 400


def test_program_disclosure_request_and_cancel(api: httpx.Client) -> None:
    request = doc(substate="full", message="let's publish")
    assert api.post("/reports/100001/disclosure_requests", json=request).status_code == 400  # open
    response = api.post("/reports/100003/disclosure_requests", json=request)
    assert response.status_code == 201
    assert response.json()["data"]["type"] == "activity-agreed-on-going-public"
    cancelled = api.request(
        "DELETE", "/reports/100003/disclosure_requests", json=doc(message="not yet")
    )
    assert cancelled.status_code == 200
    assert cancelled.json()["data"]["type"] == "activity-cancelled-disclosure-request"
    assert (
        api.post("/reports/100003/disclosure_requests", json=doc(substate="some")).status_code
        == 400
    )


def test_report_becomes_public_through_the_control_route(
    api: httpx.Client, control: httpx.Client
) -> None:
    assert control.post("/reports/100003/disclose").status_code == 200
    attributes = api.get("/reports/100003").json()["data"]["attributes"]
    assert attributes["disclosed_at"] is not None
    assert newest_activity(api, 100003)["type"] == "activity-report-became-public"
    assert control.post("/reports/100003/disclose").status_code == 409


def test_scope_change_links_old_and_new_scope(api: httpx.Client) -> None:
    body = doc("report-structured-scope", structured_scope_id=58)
    assert api.put("/reports/100001/structured_scope", json=body).status_code == 200
    activity = newest_activity(api, 100001)
    assert activity["type"] == "activity-changed-scope"
    rels = activity["relationships"]
    assert (rels["old_scope"]["data"]["id"], rels["new_scope"]["data"]["id"]) == ("57", "58")


def test_cves(api: httpx.Client) -> None:
    response = api.put("/reports/100001/cves", json=doc("report-cves", cve_ids=["CVE-2026-12345"]))
    assert response.status_code == 200
    assert response.json()["data"]["attributes"]["cve_ids"] == ["CVE-2026-12345"]
    assert newest_activity(api, 100001)["type"] == "activity-cve-id-added"
    assert api.put("/reports/100001/cves", json=doc(cve_ids=["nope"])).status_code == 400


def test_severity_from_cvss_metrics_is_scored(api: httpx.Client) -> None:
    # The metrics and score of the recorded report 200 (recorded-vcr/report.json): 6.5 medium.
    metrics = {
        "attack_vector": "network",
        "attack_complexity": "high",
        "privileges_required": "none",
        "user_interaction": "none",
        "scope": "changed",
        "confidentiality": "low",
        "integrity": "low",
        "availability": "low",
    }
    response = api.post("/reports/100001/severities", json=doc("severity", **metrics))
    assert response.status_code == 200
    attributes = response.json()["data"]["attributes"]
    assert (attributes["score"], attributes["rating"]) == (6.5, "medium")
    assert attributes["attack_complexity"] == "high"
    critical = {
        **metrics,
        "attack_complexity": "low",
        "confidentiality": "high",
        "integrity": "high",
        "availability": "high",
    }
    response = api.post("/reports/100001/severities", json=doc("severity", **critical))
    assert (
        response.json()["data"]["attributes"]["score"],
        response.json()["data"]["attributes"]["rating"],
    ) == (10.0, "critical")
    bad = api.post(
        "/reports/100001/severities", json=doc("severity", **{**metrics, "scope": "galactic"})
    )
    assert bad.json()["errors"][0]["source"] == {"parameter": "scope"}


def test_needs_more_info_report_goes_inactive(api: httpx.Client, control: httpx.Client) -> None:
    assert control.post("/reports/100001/inactive").status_code == 409  # still new
    asked = doc("state-change", state="needs-more-info", message="steps?")
    api.post("/reports/100001/state_changes", json=asked)
    closed = control.post("/reports/100001/inactive").json()["data"]
    assert closed["attributes"]["state"] == "informative"
    activity = newest_activity(api, 100001)
    assert activity["type"] == "activity-bug-inactive"
    assert "actor" not in activity["relationships"]
