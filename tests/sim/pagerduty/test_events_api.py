"""Events API v2: alerts by dedup_key open, acknowledge and resolve incidents."""

from __future__ import annotations

from typing import Any

import httpx
from pd_sim_helpers import CHECKOUT, Api, Receiver

ROUTING_KEY = "a0c4e0f5d6b74f1c9e8d7c6b5a493827"  # Checkout API in the default seed


def enqueue(api: Api, action: str, dedup_key: str | None = None, **payload: Any) -> httpx.Response:
    event: dict[str, Any] = {"routing_key": ROUTING_KEY, "event_action": action}
    if dedup_key:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        event["payload"] = {
            "summary": "CPU high",
            "source": "web-1",
            "severity": "critical",
            **payload,
        }
    # no Authorization: the routing key is the credential
    return httpx.post(f"{api.base_url}/v2/enqueue", json=event)


def test_trigger_acknowledge_resolve_by_dedup_key(api: Api, receiver: Receiver) -> None:
    response = enqueue(api, "trigger", "disk-1")
    assert response.status_code == 202
    assert response.json() == {
        "status": "success",
        "message": "Event processed",
        "dedup_key": "disk-1",
    }
    assert enqueue(api, "trigger", "disk-1").status_code == 202  # deduplicated: same incident
    found = api.get("/incidents", params={"incident_key": "disk-1"}).json()["incidents"]
    assert len(found) == 1 and found[0]["service"]["id"] == CHECKOUT
    assert found[0]["alert_counts"] == {"all": 1, "triggered": 1, "resolved": 0}
    incident_id = found[0]["id"]
    alerts = api.get(f"/incidents/{incident_id}/alerts").json()["alerts"]
    assert alerts[0]["alert_key"] == "disk-1" and alerts[0]["severity"] == "critical"
    enqueue(api, "acknowledge", "disk-1")
    assert api.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "acknowledged"
    enqueue(api, "resolve", "disk-1")
    assert api.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "resolved"
    enqueue(api, "trigger", "disk-1")  # after resolve: a new incident
    assert len(api.get("/incidents", params={"incident_key": "disk-1"}).json()["incidents"]) == 2
    api.drain()
    hooks = receiver.wait_for(4)
    first = hooks[0].json["event"]
    assert first["event_type"] == "incident.triggered"
    assert first["agent"]["type"] == "inbound_integration_reference"


def test_generated_dedup_key_and_unknown_keys(api: Api) -> None:
    key = enqueue(api, "trigger", severity="warning").json()["dedup_key"]
    incident = api.get("/incidents", params={"incident_key": key}).json()["incidents"][0]
    assert incident["urgency"] == "low"
    assert enqueue(api, "resolve", "never-seen").status_code == 202  # dropped silently


def test_invalid_events(api: Api) -> None:
    url = f"{api.base_url}/v2/enqueue"
    bad_json = httpx.post(url, content=b"{oops")
    assert bad_json.status_code == 400
    assert bad_json.json() == {
        "status": "Unrecognized object",
        "message": "Event object format is unrecognized",
        "errors": ["JSON parse error"],
    }
    missing = enqueue(api, "trigger", "k", severity="fatal", summary="")
    assert missing.status_code == 400
    assert len(missing.json()["errors"]) == 2
    unknown_key = httpx.post(
        url,
        json={
            "routing_key": "f" * 32,
            "event_action": "trigger",
            "payload": {"summary": "s", "source": "s", "severity": "info"},
        },
    )
    assert unknown_key.status_code == 400
    assert (
        httpx.post(url, json={"routing_key": ROUTING_KEY, "event_action": "ack"}).status_code == 400
    )
