"""Incidents: create (dedup), get by id or number, list filters and pagination, updates."""

from __future__ import annotations

from typing import Any

from pd_sim_helpers import CHECKOUT, PAYMENTS, Api


def test_create_then_duplicate_incident_key_on_same_service_is_400(api: Api) -> None:
    incident = api.create(incident_key="JIRA-1")
    assert incident["status"] == "triggered"
    assert incident["incident_key"] == "JIRA-1"
    assert incident["self"] == f"{api.base_url}/incidents/{incident['id']}"
    assert incident["assignments"][0]["assignee"]["id"] == "PUSER01"  # policy level 1
    body = {
        "type": "incident",
        "title": "again",
        "incident_key": "JIRA-1",
        "service": {"id": CHECKOUT, "type": "service_reference"},
    }
    duplicate = api.post(
        "/incidents", json={"incident": body}, headers={"From": "alice@example.com"}
    )
    assert duplicate.status_code == 400
    assert duplicate.json()["error"]["code"] == 2001
    assert "dedup key" in duplicate.json()["error"]["errors"][0]
    assert api.create(incident_key="JIRA-1", service=PAYMENTS)["incident_key"] == "JIRA-1"
    api.update(incident["id"], status="resolved")
    assert api.create(incident_key="JIRA-1")["id"] != incident["id"]  # resolved ones don't count


def test_create_validation(api: Api) -> None:
    def post(body: Any) -> Any:
        return api.post("/incidents", json=body, headers={"From": "alice@example.com"})

    service = {"id": CHECKOUT, "type": "service_reference"}
    assert post({"incident": {"type": "incident", "title": "", "service": service}}).json() == {
        "error": {
            "message": "Invalid Input Provided",
            "code": 2001,
            "errors": ["Title cannot be empty."],
        }
    }
    assert post({"incident": {"type": "incident", "title": "x"}}).status_code == 400
    assert post({"nope": 1}).status_code == 400
    assert (
        api.post(
            "/incidents", content=b"{not json", headers={"From": "alice@example.com"}
        ).status_code
        == 400
    )
    bad_priority = {
        "type": "incident",
        "title": "x",
        "service": service,
        "priority": {"id": "NOPE", "type": "priority_reference"},
    }
    assert post({"incident": bad_priority}).json()["error"]["code"] == 1020


def test_self_assigned_incident_starts_acknowledged(api: Api) -> None:
    incident = api.create(assignments=[{"assignee": {"id": "PBOT001", "type": "user_reference"}}])
    assert incident["status"] == "acknowledged"
    assert incident["assigned_via"] == "direct_assignment"


def test_get_by_id_or_number(api: Api) -> None:
    incident = api.create()
    by_number = api.get(f"/incidents/{incident['incident_number']}").json()["incident"]
    assert by_number["id"] == incident["id"]
    assert api.get("/incidents/NOPE").json() == {"error": {"message": "Not Found", "code": 2100}}


def test_list_filters(api: Api) -> None:
    a = api.create("a", incident_key="K-A")
    b = api.create("b", service=PAYMENTS)
    api.update(b["id"], status="acknowledged")

    def ids(**params: Any) -> list[str]:
        response = api.get("/incidents", params=params)
        assert response.status_code == 200, response.text
        return [i["id"] for i in response.json()["incidents"]]

    assert ids(incident_key="K-A") == [a["id"]]
    assert ids(**{"statuses[]": ["acknowledged"]}) == [b["id"]]
    assert ids(**{"service_ids[]": [PAYMENTS]}) == [b["id"]]
    assert set(ids(**{"user_ids[]": ["PBOT001"]})) == {b["id"]}  # acknowledger joins assignees
    assert ids(**{"sort_by": "incident_number:desc"})[:2] == [b["id"], a["id"]]
    assert ids(since="2000-01-01T00:00:00Z", until="2000-02-01T00:00:00Z") == []
    assert (
        api.get("/incidents", params={"since": "2000-01-01", "until": "2001-01-01"}).status_code
        == 400
    )
    assert len(ids(date_range="all")) == 3
    assert api.get("/incidents", params={"statuses[]": "open"}).status_code == 400
    assert api.get("/incidents", params={"sort_by": "title"}).status_code == 400


def test_include_expands_references(api: Api) -> None:
    api.create()
    params = {"include[]": ["services", "assignees", "priorities"]}
    incident = api.get("/incidents", params=params).json()["incidents"][0]
    assert incident["service"]["type"] == "service"
    assert incident["assignments"][0]["assignee"]["type"] == "user"
    assert api.get("/incidents", params={"include[]": "bogus"}).status_code == 400


def test_classic_pagination(api: Api) -> None:
    for n in range(5):
        api.create(f"i{n}")
    first = api.get("/incidents", params={"limit": 2, "total": "true"}).json()
    assert [first[k] for k in ("limit", "offset", "more", "total")] == [2, 0, True, 6]
    last = api.get("/incidents", params={"limit": 2, "offset": 4}).json()
    assert last["more"] is False and last["total"] is None and len(last["incidents"]) == 2
    assert api.get("/incidents", params={"limit": 500}).json()["limit"] == 100
    capped = api.get("/incidents", params={"limit": 100, "offset": 9950})
    assert capped.status_code == 400
    assert api.get("/incidents", params={"limit": "x"}).status_code == 400


def test_status_machine(api: Api) -> None:
    incident_id = api.create()["id"]
    acked = api.update(incident_id, status="acknowledged", frm="bob@example.com").json()["incident"]
    assert acked["status"] == "acknowledged"
    assert acked["acknowledgements"][0]["acknowledger"]["id"] == "PUSER02"
    unacked = api.update(incident_id, status="triggered").json()["incident"]
    assert unacked["status"] == "triggered" and unacked["acknowledgements"] == []
    resolved = api.update(incident_id, status="resolved", resolution="fixed").json()["incident"]
    assert resolved["status"] == "resolved" and resolved["assignments"] == []
    assert resolved["resolved_at"] is not None
    again = api.update(incident_id, status="resolved")
    assert again.status_code == 400 and again.json()["error"]["code"] == 1001
    reopened = api.update(incident_id, status="acknowledged", frm="carol@example.com").json()[
        "incident"
    ]
    assert reopened["status"] == "acknowledged"
    assert [a["assignee"]["id"] for a in reopened["assignments"]] == ["PUSER03"]
    assert api.update(incident_id, status="open").json()["error"]["code"] == 1003
    entries = api.get(f"/incidents/{incident_id}/log_entries", params={"limit": 100}).json()
    types = [e["type"] for e in entries["log_entries"]]
    assert types[0] == "acknowledge_log_entry"  # newest first
    for kind in ("trigger", "assign", "acknowledge", "unacknowledge", "resolve", "reopen"):
        assert f"{kind}_log_entry" in types
    resolve = next(e for e in entries["log_entries"] if e["type"] == "resolve_log_entry")
    assert resolve["note"] == "fixed"
    assert resolve["agent"]["id"] == "PBOT001"


def test_routing_priority_title_and_urgency(api: Api) -> None:
    incident_id = api.create()["id"]
    user = {"id": "PUSER03", "type": "user_reference"}
    reassigned = api.update(incident_id, assignments=[{"assignee": user}]).json()["incident"]
    assert reassigned["assigned_via"] == "direct_assignment"
    escalated = api.update(incident_id, escalation_level=2).json()["incident"]
    assert {a["assignee"]["id"] for a in escalated["assignments"]} == {"PUSER02", "PUSER03"}
    assert api.update(incident_id, escalation_level=9).json()["error"]["code"] == 1006
    by_name = api.update(incident_id, priority="P1", title="New title", urgency="low").json()[
        "incident"
    ]
    assert by_name["priority"]["summary"] == "P1"
    assert by_name["title"] == "New title" and by_name["summary"].endswith("New title")
    assert by_name["urgency"] == "low"
    cleared = api.update(incident_id, priority=None).json()["incident"]
    assert cleared["priority"] is None
    missing = api.update(
        incident_id, assignments=[{"assignee": {"id": "NOPE", "type": "user_reference"}}]
    )
    assert missing.json()["error"]["code"] == 1007


def test_bulk_update(api: Api) -> None:
    ids = [api.create(f"b{n}")["id"] for n in range(3)]
    body = {
        "incidents": [{"id": i, "type": "incident_reference", "status": "resolved"} for i in ids]
    }
    response = api.put("/incidents", json=body, headers={"From": "alice@example.com"})
    assert response.status_code == 200
    assert {i["status"] for i in response.json()["incidents"]} == {"resolved"}
    too_many = {"incidents": [{"id": ids[0], "type": "incident_reference"}] * 251}
    response = api.put("/incidents", json=too_many, headers={"From": "alice@example.com"})
    assert response.status_code == 413


def test_custom_field_values(api: Api) -> None:
    incident_id = api.create()["id"]
    body = {"custom_fields": [{"name": "environment", "value": "production"}]}
    response = api.put(f"/incidents/{incident_id}/custom_fields/values", json=body)
    assert response.status_code == 201
    values = api.get(f"/incidents/{incident_id}/custom_fields/values").json()["custom_fields"]
    assert values[0]["value"] == "production"
    bad = {"custom_fields": [{"name": "nope", "value": 1}]}
    assert api.put(f"/incidents/{incident_id}/custom_fields/values", json=bad).status_code == 400


def test_snooze_and_merge(api: Api) -> None:
    frm = {"From": "alice@example.com"}
    target = api.create("target")["id"]
    source = api.create("source")["id"]
    not_acked = api.post(f"/incidents/{target}/snooze", json={"duration": 60}, headers=frm)
    assert not_acked.status_code == 400 and not_acked.json()["error"]["code"] == 1012
    api.update(target, status="acknowledged")
    snoozed = api.post(f"/incidents/{target}/snooze", json={"duration": 60}, headers=frm)
    assert snoozed.status_code == 201
    assert snoozed.json()["incident"]["pending_actions"][0]["type"] == "unacknowledge"
    body = {"source_incidents": [{"id": source, "type": "incident_reference"}]}
    merged = api.put(f"/incidents/{target}/merge", json=body, headers=frm)
    assert merged.status_code == 200
    source_now = api.get(f"/incidents/{source}").json()["incident"]
    assert source_now["status"] == "resolved"
    assert source_now["resolve_reason"]["incident"]["id"] == target
    assert api.put(f"/incidents/{target}/merge", json=body).status_code == 400  # From required


def test_a_bad_field_changes_nothing(api: Api) -> None:
    incident_id = api.create()["id"]
    for bad in (
        {"conference_bridge": "x"},
        {"escalation_level": 7},
        {"incident_type": 3},
        {"service": {"id": "NOPE", "type": "service_reference"}},
    ):
        response = api.update(incident_id, title="changed", priority="P1", **bad)
        assert response.status_code == 400, bad
    incident = api.get(f"/incidents/{incident_id}").json()["incident"]
    assert incident["title"] == "Disk full" and incident["priority"] is None


def test_move_to_another_service_and_change_type(api: Api, receiver: Any) -> None:
    incident_id = api.create()["id"]
    moved = api.update(
        incident_id,
        service={"id": PAYMENTS, "type": "service_reference"},
        incident_type={"name": "security"},
    ).json()["incident"]
    assert moved["service"]["id"] == PAYMENTS
    assert moved["incident_type"] == {"name": "security"}
    api.drain()
    assert receiver.wait_for(3) and receiver.events() == [
        "incident.triggered",
        "incident.incident_type.changed",
        "incident.service_updated",
    ]


def test_clock_advance_expires_snoozes(api: Api, receiver: Any) -> None:
    incident_id = api.create()["id"]
    api.update(incident_id, status="acknowledged")
    api.post(
        f"/incidents/{incident_id}/snooze",
        json={"duration": 600},
        headers={"From": "alice@example.com"},
    )
    early = api.post("/_sim/pagerduty/clock", json={"advance_s": 300}).json()
    assert early["snoozes_expired"] == 0
    assert api.post("/_sim/pagerduty/clock", json={"advance_s": 301}).json()["snoozes_expired"] == 1
    incident = api.get(f"/incidents/{incident_id}").json()["incident"]
    assert incident["status"] == "triggered"
    api.drain()
    assert receiver.wait_for(3) and receiver.events()[-1] == "incident.unacknowledged"
    # the default one-month window moves with the clock
    api.post("/_sim/pagerduty/clock", json={"advance_s": 40 * 86400})
    assert api.get("/incidents").json()["incidents"] == []
