"""Webhook registration and delivery: Server body shapes, URL variables, user params,
signature (DC 10), JQL filters, dropped-webhook faults, no retries, the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import yaml

from jirasync.sim.jira.seed import default_seed

ALL_EVENTS = [
    "jira:issue_created",
    "jira:issue_updated",
    "jira:issue_deleted",
    "comment_created",
    "comment_updated",
    "comment_deleted",
]


def register(jira: httpx.Client, url: str, **extra: Any) -> dict[str, Any]:
    body = {"name": "sync", "url": url, "events": ALL_EVENTS, "excludeBody": False, **extra}
    response = jira.post("/rest/webhooks/1.0/webhook", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def drain(jira: httpx.Client) -> list[dict[str, Any]]:
    jira.post("/_sim/webhooks/drain", params={"timeout": 5}).raise_for_status()
    return list(jira.get("/_sim/webhooks").json()["deliveries"])


def create(jira: httpx.Client, project: str = "OPS") -> str:
    fields = {"project": {"key": project}, "issuetype": {"name": "Task"}, "summary": "hook me"}
    response = jira.post("/rest/api/2/issue", json={"fields": fields})
    assert response.status_code == 201, response.text
    return str(response.json()["key"])


def test_webhook_crud_is_admin_only_and_shaped_like_server(jira: httpx.Client, login: Any) -> None:
    hook = register(
        jira, "https://example.invalid/hook", filters={"issue-related-events-section": ""}
    )
    assert set(hook) == {"name", "url", "excludeBody", "filters", "events", "enabled", "self",
                         "lastUpdatedUser", "lastUpdatedDisplayName", "lastUpdated"}  # fmt: skip
    hook_id = hook["self"].rsplit("/", 1)[1]
    assert jira.get(f"/rest/webhooks/1.0/webhook/{hook_id}").json()["name"] == "sync"
    updated = jira.put(f"/rest/webhooks/1.0/webhook/{hook_id}", json={"enabled": False}).json()
    assert updated["enabled"] is False
    assert login("alice").post("/rest/webhooks/1.0/webhook", json=hook).status_code == 403
    assert jira.delete(f"/rest/webhooks/1.0/webhook/{hook_id}").status_code == 204
    assert jira.get("/rest/webhooks/1.0/webhook").json() == []


def test_issue_and_comment_events_reach_the_receiver(jira: httpx.Client, receiver: Any) -> None:
    register(jira, receiver.url + "/jira/${project.key}/${issue.key}")
    key = create(jira)
    comment = jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "hello"}).json()
    jira.put(f"/rest/api/2/issue/{key}/comment/{comment['id']}", json={"body": "hello!"})
    jira.delete(f"/rest/api/2/issue/{key}/comment/{comment['id']}")
    deliveries = drain(jira)
    assert all(d["state"] == "delivered" for d in deliveries)
    assert receiver.events() == [
        "jira:issue_created",
        "jira:issue_updated", "comment_created",
        "jira:issue_updated", "comment_updated",
        "jira:issue_updated", "comment_deleted",
    ]  # fmt: skip
    first = receiver.calls[0]
    assert first["path"] == f"/jira/OPS/{key}"
    assert first["query"] == {"user_id": "admin", "user_key": "admin"}
    bodies = [c["body"] for c in receiver.calls]
    assert set(bodies[0]) == {
        "timestamp", "webhookEvent", "issue_event_type_name", "user", "issue", "changelog",
    }  # fmt: skip
    created = {i["field"]: i for i in bodies[0]["changelog"]["items"]}
    assert created["status"]["to"] == "1"
    assert (created["summary"]["from"], created["summary"]["toString"]) == (None, "hook me")
    assert isinstance(bodies[0]["timestamp"], int)
    assert bodies[1]["issue_event_type_name"] == "issue_commented"
    assert set(bodies[2]) == {"timestamp", "webhookEvent", "comment"}  # no issue, no user
    assert set(bodies[4]) == {"timestamp", "webhookEvent", "user", "comment"}
    assert bodies[5]["issue_event_type_name"] == "issue_comment_deleted"
    assert "comment" not in bodies[5]


def test_transition_changelog_has_ids_and_names(jira: httpx.Client, receiver: Any) -> None:
    key = create(jira)
    register(jira, receiver.url + "/hook")
    jira.post(
        f"/rest/api/2/issue/{key}/transitions",
        json={"transition": {"id": "5"}, "fields": {"resolution": {"name": "Fixed"}}},
    ).raise_for_status()
    drain(jira)
    body = receiver.calls[0]["body"]
    assert body["issue_event_type_name"] == "issue_resolved"
    items = body["changelog"]["items"]
    assert items[0] == {"field": "status", "fieldtype": "jira", "from": "1", "fromString": "Open",
                        "to": "5", "toString": "Resolved"}  # fmt: skip
    assert items[1]["field"] == "resolution"
    assert (items[1]["to"], items[1]["toString"]) == ("1", "Fixed")
    assert body["user"]["name"] == "admin"
    assert body["user"]["key"] == "admin"


def test_assignee_and_custom_field_changelog(jira: httpx.Client, receiver: Any) -> None:
    register(jira, receiver.url + "/hook", events=["jira:issue_updated"])
    jira.put("/rest/api/2/issue/OPS-1/assignee", json={"name": "bob"}).raise_for_status()
    jira.put(
        "/rest/api/2/issue/OPS-1", json={"fields": {"customfield_10100": {"value": "SEV-1"}}}
    ).raise_for_status()
    drain(jira)
    assigned, custom = (c["body"] for c in receiver.calls)
    assert assigned["issue_event_type_name"] == "issue_assigned"
    item = assigned["changelog"]["items"][0]
    assert (item["from"], item["to"], item["toString"]) == ("alice", "JIRAUSER10101", "Bob Example")
    item = custom["changelog"]["items"][0]
    assert (item["field"], item["fieldtype"], item["toString"]) == ("Severity", "custom", "SEV-1")


def test_no_retry_and_the_delivery_log(jira: httpx.Client, receiver: Any) -> None:
    register(jira, receiver.url + "/hook", events=["jira:issue_created"])
    receiver.status = 503
    create(jira)
    deliveries = drain(jira)
    assert [d["state"] for d in deliveries] == ["failed"]
    assert len(deliveries[0]["attempts"]) == 1
    assert len(receiver.calls) == 1


def test_dropped_webhook_fault(jira: httpx.Client, receiver: Any) -> None:
    register(jira, receiver.url + "/hook", events=["jira:issue_created"])
    fault = {"kind": "drop_webhook", "path": "jira:issue_created", "count": 1}
    jira.post("/_sim/faults", json=fault).raise_for_status()
    create(jira)
    create(jira)
    deliveries = drain(jira)
    assert [d["state"] for d in deliveries] == ["dropped", "delivered"]
    assert len(receiver.calls) == 1


def test_signature_in_dc10_mode(jira: httpx.Client, receiver: Any) -> None:
    seed = default_seed()
    seed["jira"] = {"version": "10.3.0"}
    jira.post("/_sim/seed", content=yaml.safe_dump(seed)).raise_for_status()
    register(jira, receiver.url + "/hook", events=["jira:issue_created"], secret="s3cret")
    create(jira)
    drain(jira)
    call = receiver.calls[0]
    expected = hmac.new(b"s3cret", call["raw"], hashlib.sha256).hexdigest()
    assert call["headers"]["x-hub-signature"] == f"sha256={expected}"
    assert json.loads(call["raw"])["webhookEvent"] == "jira:issue_created"


def test_secret_rejected_before_dc10(jira: httpx.Client) -> None:
    response = jira.post(
        "/rest/webhooks/1.0/webhook",
        json={"name": "x", "url": "https://example.invalid", "events": [], "secret": "s"},
    )
    assert response.status_code == 400


def test_jql_filter_is_respected(jira: httpx.Client, receiver: Any) -> None:
    register(
        jira,
        receiver.url + "/hook",
        events=["jira:issue_created", "jira:issue_updated", "comment_created"],
        filters={"issue-related-events-section": "project = SUP AND issuetype = Bug"},
    )
    create(jira, "OPS")
    create(jira, "SUP")  # a Task
    bug = jira.post(
        "/rest/api/2/issue",
        json={"fields": {"project": {"key": "SUP"}, "issuetype": {"name": "Bug"}, "summary": "b"}},
    ).json()["key"]
    jira.post("/rest/api/2/issue/OPS-1/comment", json={"body": "not sent"})
    jira.post(f"/rest/api/2/issue/{bug}/comment", json={"body": "sent"})
    drain(jira)
    assert receiver.events() == ["jira:issue_created", "jira:issue_updated", "comment_created"]
    assert receiver.calls[0]["body"]["issue"]["key"] == bug


def test_webhook_with_invalid_jql_is_rejected(jira: httpx.Client) -> None:
    response = jira.post(
        "/rest/webhooks/1.0/webhook",
        json={"name": "x", "url": "https://example.invalid", "events": [],
              "filters": {"issue-related-events-section": "project = = OPS"}},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["errorMessages"][0].startswith("Error in the JQL Query:")
