"""Webhooks v3: one signed event per POST for every incident change, subscription filters,
retries with per-incident ordering, disabling after 3 consecutive drops, enable, ping, and
the legacy v2 mode without a priority event."""

from __future__ import annotations

import json
import time
from typing import Any

from pd_sim_helpers import CHECKOUT, PAYMENTS, SECRET, Api, Receiver

from jirasync.sim.pagerduty import DEFAULT_SEED, PagerDutySimulator, verify


def _events_after(api: Api, receiver: Receiver, count: int) -> list[str]:
    api.drain()
    receiver.wait_for(count)
    return receiver.events()


def test_every_change_emits_its_event(api: Api, receiver: Receiver) -> None:
    incident_id = api.create()["id"]
    api.update(incident_id, status="acknowledged")
    api.update(incident_id, status="triggered")
    api.update(incident_id, priority="P1")
    api.update(incident_id, assignments=[{"assignee": {"id": "PUSER03", "type": "user_reference"}}])
    api.update(incident_id, escalation_level=2)
    api.update(
        incident_id, escalation_policy={"id": "PEPOL01", "type": "escalation_policy_reference"}
    )
    api.post(
        f"/incidents/{incident_id}/notes",
        json={"note": {"content": "n"}},
        headers={"From": "alice@example.com"},
    )
    api.post(
        f"/incidents/{incident_id}/status_updates",
        json={"message": "m"},
        headers={"From": "alice@example.com"},
    )
    target = {"responder_request_target": {"id": "PUSER02", "type": "user_reference"}}
    api.post(
        f"/incidents/{incident_id}/responder_requests",
        json={"requester_id": "PUSER01", "message": "help", "responder_request_targets": [target]},
        headers={"From": "alice@example.com"},
    )
    api.update(incident_id, status="resolved")
    api.update(incident_id, status="triggered")
    expected = [
        "incident.triggered",
        "incident.acknowledged",
        "incident.unacknowledged",
        "incident.priority_updated",
        "incident.reassigned",
        "incident.escalated",
        "incident.delegated",
        "incident.annotated",
        "incident.status_update_published",
        "incident.responder.added",
        "incident.resolved",
        "incident.reopened",
    ]
    assert _events_after(api, receiver, len(expected)) == expected


def test_headers_signature_and_agent(api: Api, receiver: Receiver) -> None:
    incident_id = api.create()["id"]
    api.update(incident_id, status="acknowledged", frm="bob@example.com")
    received = receiver.wait_for(2)
    api.drain()
    for hook in received:
        assert hook.headers["user-agent"] == "PagerDuty-Webhook/V3.0"
        assert hook.headers["x-webhook-subscription"] == "PWHSUB1"
        assert hook.headers["content-type"] == "application/json"
        assert verify(hook.headers["x-pagerduty-signature"], SECRET, hook.body)
    assert received[0].headers["x-webhook-id"] != received[1].headers["x-webhook-id"]
    ack = received[1].json["event"]
    assert ack["agent"]["id"] == "PUSER02"  # the From user
    assert ack["data"]["status"] == "acknowledged"
    assert ack["data"]["id"] == incident_id
    assert received[0].json["event"]["agent"]["id"] == "PBOT001"


def test_one_v1_signature_per_secret(api: Api, receiver: Receiver, sim: PagerDutySimulator) -> None:
    sim.state.subscriptions["PWHSUB1"].secrets = [SECRET, "rotated-secret"]
    api.create()
    hook = receiver.wait_for(1)[0]
    header = hook.headers["x-pagerduty-signature"]
    assert header.count("v1=") == 2
    assert verify(header, SECRET, hook.body) and verify(header, "rotated-secret", hook.body)


def test_subscription_filters_and_event_lists(api: Api, receiver: Receiver) -> None:
    api.delete("/webhook_subscriptions/PWHSUB1")
    body = {
        "type": "webhook_subscription",
        "delivery_method": {"type": "http_delivery_method", "url": receiver.url},
        "events": ["incident.resolved"],
        "filter": {"type": "service_reference", "id": PAYMENTS},
    }
    api.post("/webhook_subscriptions", json={"webhook_subscription": body}).raise_for_status()
    checkout = api.create(service=CHECKOUT)["id"]
    payments = api.create(service=PAYMENTS)["id"]
    api.update(checkout, status="resolved")
    api.update(payments, status="resolved")
    api.drain()
    received = receiver.wait_for(1)
    assert [(r.json["event"]["event_type"], r.json["event"]["data"]["id"]) for r in received] == [
        ("incident.resolved", payments)
    ]


def test_retries_on_5xx_keep_per_incident_order(api: Api, receiver: Receiver) -> None:
    receiver.statuses.extend([500, 503])  # the first webhook fails twice, then succeeds
    incident_id = api.create()["id"]
    api.update(incident_id, status="acknowledged")
    received = receiver.wait_for(4)
    api.drain()
    ids = [r.headers["x-webhook-id"] for r in received]
    types = [r.json["event"]["event_type"] for r in received]
    assert types == ["incident.triggered"] * 3 + ["incident.acknowledged"]
    assert len(set(ids[:3])) == 1  # a retry repeats X-Webhook-Id
    log = api.get("/_sim/webhooks", params={"body": "false"}).json()["deliveries"]
    assert [d["state"] for d in log] == ["delivered", "delivered"]
    assert [a["status"] for a in log[0]["attempts"]] == [500, 503, 202]


def test_disabled_after_three_consecutive_drops_then_enable(api: Api, receiver: Receiver) -> None:
    receiver.default_status = 400  # other 4xx: dropped without retry
    for n in range(3):
        api.create(f"drop {n}")
    api.drain()
    assert len(receiver.wait_for(3)) == 3
    sub = api.get("/webhook_subscriptions/PWHSUB1").json()["webhook_subscription"]
    assert sub["delivery_method"]["temporarily_disabled"] is True
    api.create("while disabled")
    api.drain()
    assert len(receiver.received) == 3  # nothing is enqueued while disabled
    receiver.default_status = 202
    later = api.post("/_sim/pagerduty/clock", json={"advance_s": 23 * 3600}).json()
    assert later["subscriptions_reenabled"] == 0
    enabled = api.post("/webhook_subscriptions/PWHSUB1/enable")
    assert (
        enabled.json()["webhook_subscription"]["delivery_method"]["temporarily_disabled"] is False
    )
    api.create("after enable")
    assert receiver.wait_for(4)[-1].json["event"]["data"]["title"] == "after enable"


def test_drop_fault_counts_as_a_drop(api: Api, receiver: Receiver) -> None:
    fault = {"kind": "drop_webhook", "path": "incident.triggered", "count": 3}
    api.post("/_sim/faults", json=fault).raise_for_status()
    for n in range(3):
        api.create(f"x{n}")
    api.drain()
    assert receiver.received == []
    log = api.get("/_sim/webhooks", params={"body": "false"}).json()["deliveries"]
    assert [d["state"] for d in log] == ["dropped"] * 3
    sub = api.get("/webhook_subscriptions/PWHSUB1").json()["webhook_subscription"]
    assert sub["delivery_method"]["temporarily_disabled"] is True
    # PagerDuty re-enables a disabled subscription after 24 hours
    day = api.post("/_sim/pagerduty/clock", json={"advance_s": 24 * 3600}).json()
    assert day["subscriptions_reenabled"] == 1


def test_queued_webhooks_are_dropped_when_disabled(api: Api, receiver: Receiver) -> None:
    receiver.default_status = 500  # retried: later events for the incident wait behind it
    incident_id = api.create()["id"]
    api.update(incident_id, status="acknowledged")
    api.update(incident_id, priority="P1")
    api.update(incident_id, status="resolved")
    api.drain()
    log = api.get("/_sim/webhooks", params={"body": "false"}).json()["deliveries"]
    # three failures (each after all its attempts) disable the subscription; what still
    # waited behind them is dropped unsent
    assert [d["state"] for d in log] == ["failed", "failed", "failed", "dropped"]
    assert log[3]["attempts"] == []


def test_ping(api: Api, receiver: Receiver) -> None:
    assert api.post("/webhook_subscriptions/PWHSUB1/ping").status_code == 202
    hook = receiver.wait_for(1)[0]
    assert hook.json["event"]["event_type"] == "pagey.ping"
    assert hook.json["event"]["data"] == {
        "message": "Hello from your friend Pagey!",
        "type": "ping",
    }
    assert api.post("/webhook_subscriptions/NOPE/ping").status_code == 404


def test_v2_mode_has_no_priority_event(api: Api, receiver: Receiver) -> None:
    seed: dict[str, Any] = json.loads(json.dumps(DEFAULT_SEED))
    seed["webhook_subscriptions"][0]["version"] = "v2"
    api.post("/_sim/seed", json=seed).raise_for_status()
    incident_id = api.create()["id"]
    api.update(incident_id, priority="P1")
    api.update(incident_id, status="acknowledged")
    api.drain()
    received = receiver.wait_for(2)
    time.sleep(0.05)
    messages = [r.json["messages"][0] for r in receiver.received]
    assert [m["event"] for m in messages] == ["incident.trigger", "incident.acknowledge"]
    assert receiver.received[0].headers["user-agent"] == "PagerDuty-Webhook/V2.0"
    assert messages[1]["incident"]["priority"]["summary"] == "P1"
    assert messages[1]["log_entries"][0]["type"] == "acknowledge_log_entry"
    assert len(received) == 2


def test_team_filter_and_custom_headers(api: Api, receiver: Receiver) -> None:
    api.delete("/webhook_subscriptions/PWHSUB1")
    body = {
        "type": "webhook_subscription",
        "delivery_method": {
            "type": "http_delivery_method",
            "url": receiver.url,
            "custom_headers": [{"name": "X-Sync-Token", "value": "t0k"}],
        },
        "events": ["incident.triggered"],
        "filter": {"type": "team_reference", "id": "PTEAM01"},
    }
    created = api.post("/webhook_subscriptions", json={"webhook_subscription": body}).json()
    secret = created["webhook_subscription"]["delivery_method"]["secret"]
    api.create()
    hook = receiver.wait_for(1)[0]
    assert hook.headers["x-sync-token"] == "t0k"
    assert verify(hook.headers["x-pagerduty-signature"], secret, hook.body)


def test_retried_on_429_and_on_timeout(api: Api, receiver: Receiver) -> None:
    receiver.statuses.append(429)
    receiver.delays.extend([0.0, 1.0])  # the second attempt outlasts the 0.5 s timeout
    api.create()
    api.drain()
    log = api.get("/_sim/webhooks", params={"body": "false"}).json()["deliveries"]
    attempts = log[0]["attempts"]
    assert log[0]["state"] == "delivered"
    assert attempts[0]["status"] == 429
    assert attempts[1]["status"] is None and "Timeout" in attempts[1]["error"]
    assert attempts[2]["status"] == 202
