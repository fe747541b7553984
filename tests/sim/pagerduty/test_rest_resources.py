"""Notes, log entries, directory resources, abilities and webhook subscriptions."""

from __future__ import annotations

from typing import Any

from pd_sim_helpers import CHECKOUT, SECRET, Api

from jirasync.sim.pagerduty import PagerDutySimulator

FROM = {"From": "alice@example.com"}


def test_notes_add_list_edit_delete(api: Api) -> None:
    incident_id = api.create()["id"]
    path = f"/incidents/{incident_id}/notes"
    added = api.post(path, json={"note": {"content": "first"}}, headers=FROM)
    assert added.status_code == 200
    note = added.json()["note"]
    assert note["user"]["id"] == "PUSER01"
    assert note["channel"] == {"summary": "The PagerDuty website or APIs"}
    edited = api.put(f"{path}/{note['id']}", json={"note": {"content": "second"}}, headers=FROM)
    assert edited.json()["note"]["content"] == "second"
    assert [n["content"] for n in api.get(path).json()["notes"]] == ["second"]
    annotate = api.get(f"/incidents/{incident_id}/log_entries").json()["log_entries"][0]
    assert annotate["type"] == "annotate_log_entry"
    assert annotate["channel"]["type"] == "note"
    assert api.delete(f"{path}/{note['id']}").status_code == 204
    assert api.get(path).json() == {"notes": []}
    assert api.delete(f"{path}/{note['id']}").status_code == 404
    empty = api.post(path, json={"note": {"content": ""}}, headers=FROM)
    assert empty.status_code == 400


def test_at_most_2000_notes(api: Api, sim: PagerDutySimulator) -> None:
    incident_id = api.create()["id"]
    sim.state.incidents[incident_id].note_ids.extend(f"N{n}" for n in range(2000))
    response = api.post(
        f"/incidents/{incident_id}/notes", json={"note": {"content": "x"}}, headers=FROM
    )
    assert response.status_code == 400
    assert "2000" in response.json()["error"]["errors"][0]


def test_global_log_entries(api: Api) -> None:
    api.create()
    entries = api.get("/log_entries", params={"total": "true"}).json()
    assert entries["total"] >= 3
    entry = entries["log_entries"][0]
    one = api.get(f"/log_entries/{entry['id']}", params={"include[]": "incidents"}).json()
    assert one["log_entry"]["incident"]["type"] == "incident"
    overview = api.get("/log_entries", params={"is_overview": "true", "limit": 100}).json()
    assert all(e["type"].endswith("_log_entry") for e in overview["log_entries"])
    assert api.get("/log_entries/NOPE").status_code == 404


def test_users_query_matches_name_or_email(api: Api) -> None:
    def names(query: str) -> list[str]:
        return [u["name"] for u in api.get("/users", params={"query": query}).json()["users"]]

    assert names("bob@example") == ["Bob Responder"]
    assert names("carol") == ["Carol Oncall"]
    user = api.get("/users/PUSER01").json()["user"]
    assert user["email"] == "alice@example.com" and user["type"] == "user"
    assert api.get("/users/NOPE").status_code == 404


def test_services_policies_priorities_teams(api: Api) -> None:
    services = api.get("/services").json()["services"]
    assert [s["name"] for s in services] == ["Checkout API", "Payments"]
    service = api.get(f"/services/{CHECKOUT}").json()["service"]
    assert service["escalation_policy"]["id"] == "PEPOL01"
    assert api.get("/services", params={"query": "pay"}).json()["services"][0]["id"] == "PSVC002"
    priorities = api.get("/priorities").json()["priorities"]
    assert [p["name"] for p in priorities] == ["P1", "P2", "P3", "P4", "P5"]
    policy = api.get("/escalation_policies").json()["escalation_policies"][0]
    assert len(policy["escalation_rules"]) == 2
    assert api.get("/teams").json()["teams"][0]["name"] == "Engineering"


def test_abilities(api: Api) -> None:
    assert api.get("/abilities/teams").status_code == 204
    missing = api.get("/abilities/sso")
    assert missing.status_code == 402 and missing.json()["error"]["code"] == 2014
    assert "teams" in api.get("/abilities").json()["abilities"]


def _subscription(**overrides: Any) -> dict[str, Any]:
    body = {
        "type": "webhook_subscription",
        "delivery_method": {
            "type": "http_delivery_method",
            "url": "http://127.0.0.1:9/x",
            "custom_headers": [{"name": "X-Token", "value": "abc"}],
        },
        "events": ["incident.triggered"],
        "filter": {"type": "service_reference", "id": CHECKOUT},
        "description": "test",
    }
    return {"webhook_subscription": {**body, **overrides}}


def test_webhook_subscription_crud(api: Api) -> None:
    created = api.post("/webhook_subscriptions", json=_subscription())
    assert created.status_code == 200
    sub = created.json()["webhook_subscription"]
    assert sub["delivery_method"]["secret"]  # shown once
    assert sub["delivery_method"]["custom_headers"] == [
        {"name": "X-Token", "value": "-- redacted --"}
    ]
    fetched = api.get(f"/webhook_subscriptions/{sub['id']}").json()["webhook_subscription"]
    assert fetched["delivery_method"]["secret"] is None
    listed = api.get(
        "/webhook_subscriptions", params={"filter_type": "service", "filter_id": CHECKOUT}
    )
    assert [s["id"] for s in listed.json()["webhook_subscriptions"]] == [sub["id"]]
    body = {"webhook_subscription": {"events": ["incident.resolved"], "active": False}}
    updated = api.put(f"/webhook_subscriptions/{sub['id']}", json=body).json()[
        "webhook_subscription"
    ]
    assert updated["events"] == ["incident.resolved"] and updated["active"] is False
    assert api.delete(f"/webhook_subscriptions/{sub['id']}").status_code == 204
    assert api.get(f"/webhook_subscriptions/{sub['id']}").status_code == 404


def test_webhook_subscription_validation_and_scope_limit(api: Api) -> None:
    bad_events = _subscription(events=["incident.exploded"])
    assert api.post("/webhook_subscriptions", json=bad_events).status_code == 400
    bad_filter = _subscription(filter={"type": "service_reference", "id": "NOPE"})
    assert api.post("/webhook_subscriptions", json=bad_filter).status_code == 400
    for _ in range(10):
        assert api.post("/webhook_subscriptions", json=_subscription()).status_code == 200
    over = api.post("/webhook_subscriptions", json=_subscription())
    assert over.status_code == 400
    assert over.json()["error"] == {
        "message": "Webhook subscription limit exceeded for the selected scope",
        "code": 2019,
    }


def test_default_seed_credentials(api: Api) -> None:
    creds = api.get("/_sim/credentials").json()
    assert creds["account_api_keys"] == ["pdsim-account-key-0001"]
    assert creds["user_api_keys"]["alice@example.com"] == "pdsim-user-key-alice01"
    assert creds["routing_keys"]["Checkout API"] == "a0c4e0f5d6b74f1c9e8d7c6b5a493827"
    assert creds["webhook_subscriptions"]["PWHSUB1"]["secret"] == SECRET
