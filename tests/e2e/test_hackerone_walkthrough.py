"""HackerOne's Jira integration, step by step, against the simulators over HTTP: escalate a
report (by hand and on triage) → issue with mapped fields and a reference back; each HackerOne
activity → a Jira comment; each Jira change → an internal comment; the closed status resolves
the report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
import yaml
from typer.testing import CliRunner

from jirasync import cli
from jirasync.connectors.jira import OAuth1RsaAuth
from jirasync.core.errors import RemoteError
from jirasync.crypto import SecretBox
from jirasync.devstack import Stack, wait_for
from jirasync.sim.hackerone.default_seed import default_seed
from jirasync.store.db import Database
from jirasync.sync import applink
from jirasync.sync import escalate as manual
from jirasync.sync.runtime import SyncRuntime
from jirasync.sync.setup import SetupError

PROGRAM = "acme"
H1_TOKEN = ("jirasync-sim", "h1-sim-token-0123456789abcdef")
# A person on the program's security team (HackerOne's web UI), not jirasync's API token.
ALICE_TOKEN = ("alice-ui", "alice-ui-token")
DESCRIPTION = "{{details_jira}}\n\nReported by {{reporter_username}}: {{report_link}}"


# -- set-up --------------------------------------------------------------------------------------
def seed_hackerone(stack: Stack) -> None:
    """The built-in seed plus an API token acting as alice-sec (a human triager)."""
    seed = default_seed()
    acme = next(p for p in seed["programs"] if p["handle"] == PROGRAM)
    acme["api_tokens"].append(
        {
            "identifier": ALICE_TOKEN[0],
            "token": ALICE_TOKEN[1],
            "user": "alice-sec",
            "groups": ["Standard"],
        }
    )
    answer = httpx.put(
        f"{stack.hackerone_url}/_sim/seed",
        content=yaml.safe_dump(seed),
        headers={"Content-Type": "application/yaml"},
    )
    assert answer.status_code == 200, answer.text


def h1(stack: Stack, token: tuple[str, str] = ALICE_TOKEN) -> httpx.Client:
    return httpx.Client(base_url=f"{stack.hackerone_url}/v1", auth=token, timeout=10)


def issue_type_id(stack: Stack, project: str, name: str) -> str:
    with stack.jira("admin") as jira:
        types = jira.get(f"/rest/api/2/project/{project}", params={"expand": "issueTypes"})
    return next(t["id"] for t in types.json()["issueTypes"] if t["name"] == name)


def status_id(stack: Stack, name: str) -> str:
    with stack.jira("admin") as jira:
        return next(s["id"] for s in jira.get("/rest/api/2/status").json() if s["name"] == name)


def escalation(stack: Stack, **overrides: Any) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": "acme to OPS",
        "program": PROGRAM,
        "project_key": "OPS",
        "issue_type_id": issue_type_id(stack, "OPS", "Bug"),
        "auto": {"on_states": ["triaged"]},
        "fields": {
            "summary": "[H1 #{{report_id}}] {{title}}",
            "description": DESCRIPTION,
            "labels": ["security", "h1-{{severity_rating}}"],
        },
        "severity_to_priority": {
            "critical": "Highest",
            "high": "High",
            "medium": "Medium",
            "low": "Low",
        },
        "hackerone_to_jira": {
            "comments": True,
            "internal_comments": True,
            "state_changes": True,
            "rewards": True,
            "assignee": True,
            "disclosure": True,
            "attachments": True,
        },
        "jira_to_hackerone": {
            "status": True,
            "resolution": True,
            "priority": True,
            "assignee": True,
            "comments": True,
        },
        "closed": {"status_ids": [status_id(stack, "Closed")]},
    }
    rule.update(overrides)
    return rule


def jira_connection(stack: Stack) -> dict[str, Any]:
    return {
        "name": "jira",
        "kind": "jira",
        "base_url": stack.jira_url,
        "credentials": {"auth": "basic", "username": "admin", "password": "admin"},
    }


def setup_document(
    stack: Stack, rule: dict[str, Any], jira: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "connections": [
            jira or jira_connection(stack),
            {
                "name": "hackerone",
                "kind": "hackerone",
                "base_url": stack.hackerone_url,
                "credentials": {
                    "identifier": H1_TOKEN[0],
                    "token": H1_TOKEN[1],
                    "webhook_secret": "h1-sim-webhook-secret",
                },
                "options": {
                    "program": PROGRAM,
                    "web_base": "https://hackerone.com",
                    "retry_backoff_s": 0.05,  # HackerOne's 429 has no Retry-After: wait briefly
                },
            },
        ],
        "rules": {"hackerone": [{"connection": "hackerone", "jira": "jira", "escalation": rule}]},
    }


def configure(stack: Stack, rule: dict[str, Any], jira: dict[str, Any] | None = None) -> None:
    seed_hackerone(stack)
    stack.apply(setup_document(stack, rule, jira))
    stack.check(fix=True)  # the Jira webhook (HackerOne's is pasted by hand: below)
    url = f"{stack.jirasync_url}/webhooks/hackerone/{stack.connections['hackerone']}"
    answer = httpx.put(
        f"{stack.hackerone_url}/_sim/programs/{PROGRAM}/webhooks",
        json={"webhooks": [{"url": url, "secret": "h1-sim-webhook-secret", "events": "all"}]},
    )
    assert answer.status_code == 200, answer.text


def with_runtime(stack: Stack, work: Callable[[SyncRuntime], Awaitable[Any]]) -> Any:
    async def run(db: Database, secrets: SecretBox) -> Any:
        runtime = SyncRuntime(db, secrets)
        try:
            return await work(runtime)
        finally:
            await runtime.close()

    return asyncio.run(stack._store(run))


def escalate(stack: Stack, report_id: str) -> manual.Escalated:
    h1_id = stack.connections["hackerone"]
    result: manual.Escalated = with_runtime(
        stack, lambda runtime: manual.escalate(runtime, h1_id, report_id)
    )
    return result


# -- reading state -------------------------------------------------------------------------------
def issue(stack: Stack, key: str) -> dict[str, Any]:
    with stack.jira("admin") as jira:
        found = jira.get(f"/rest/api/2/issue/{key}")
        assert found.status_code == 200, found.text
        return dict(found.json())


def issues_of(stack: Stack, report_id: str) -> list[str]:
    with stack.jira("admin") as jira:
        found = jira.post(
            "/rest/api/2/search", json={"jql": f'labels = "hackerone-{report_id}"', "fields": []}
        )
    return [i["key"] for i in found.json()["issues"]]


def comments(stack: Stack, key: str) -> list[str]:
    return [c["body"] for c in issue(stack, key)["fields"]["comment"]["comments"]]


def report(stack: Stack, report_id: str) -> dict[str, Any]:
    with h1(stack, H1_TOKEN) as client:
        answer = client.get(f"/reports/{report_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json()["data"])


def internal_comments(stack: Stack, report_id: str) -> list[str]:
    activities = report(stack, report_id)["relationships"]["activities"]["data"]
    return [
        a["attributes"]["message"]
        for a in reversed(activities)
        if a["type"] == "activity-comment" and a["attributes"].get("internal")
    ]


def writes(stack: Stack, url: str) -> dict[str, int]:
    return {k: n for k, n in stack.requests(url).items() if not k.startswith("GET ")}


def new_report(stack: Stack, title: str, details: str, severity: str = "high") -> str:
    answer = httpx.post(
        f"{stack.hackerone_url}/_sim/programs/{PROGRAM}/reports",
        json={
            "reporter": "demo-hacker",
            "title": title,
            "vulnerability_information": details,
            "severity_rating": severity,
            "weakness_id": 60,
            "structured_scope_id": 57,
        },
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["data"]["id"])


def change_state(stack: Stack, report_id: str, state: str, message: str = "", **extra: Any) -> None:
    attributes = {"state": state, "message": message, **extra}
    with h1(stack) as client:
        answer = client.post(
            f"/reports/{report_id}/state_changes",
            json={"data": {"type": "state-change", "attributes": attributes}},
        )
    assert answer.status_code == 201, answer.text


def jira_transition(stack: Stack, key: str, to_status: str, user: str = "alice") -> None:
    with stack.jira(user) as jira:
        offered = jira.get(
            f"/rest/api/2/issue/{key}/transitions", params={"expand": "transitions.fields"}
        ).json()["transitions"]
        step = next(t for t in offered if t["to"]["name"] == to_status)
        body: dict[str, Any] = {"transition": {"id": step["id"]}}
        if "resolution" in (step.get("fields") or {}):
            body["fields"] = {"resolution": {"name": "Fixed"}}
        done = jira.post(f"/rest/api/2/issue/{key}/transitions", json=body)
        assert done.status_code == 204, done.text


MARKDOWN = "Steps:\n\n1. Open **profile**\n2. Paste `<script>`\n\n## Impact\n\nSession theft."


# -- the walkthrough -----------------------------------------------------------------------------
def test_manual_escalation_creates_the_mapped_issue_and_the_reference(stack: Stack) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "Stored XSS in bio", MARKDOWN, severity="critical")
    stack.settle()
    assert issues_of(stack, report_id) == []  # no automatic escalation configured

    stack.reset_counts()
    escalated = escalate(stack, report_id)
    assert escalated.created
    jira_calls, h1_calls = writes(stack, stack.jira_url), stack.requests(stack.hackerone_url)
    key = escalated.issue_key
    fields = issue(stack, key)["fields"]
    assert fields["summary"] == f"[H1 #{report_id}] Stored XSS in bio"
    assert fields["description"] == (
        "Steps:\n\n# Open *profile*\n# Paste {{<script>}}\n\nh2. Impact\n\nSession theft."
        f"\n\nReported by demo-hacker: https://hackerone.com/reports/{report_id}"
    )
    assert fields["priority"]["name"] == "Highest"
    assert sorted(fields["labels"]) == sorted(["security", "h1-critical", f"hackerone-{report_id}"])
    assert fields["project"]["key"] == "OPS"
    assert fields["issuetype"]["name"] == "Bug"
    assert report(stack, report_id)["attributes"]["issue_tracker_reference_id"] == key
    with stack.jira("admin") as jira:
        links = jira.get(f"/rest/api/2/issue/{key}/remotelink").json()
    assert [link["object"]["url"] for link in links] == [
        f"https://hackerone.com/reports/{report_id}"
    ]
    # Few calls: read the report, create, remote link, reference.
    assert jira_calls == {
        "POST /rest/api/2/issue": 1,
        "POST /rest/api/2/issue/{issueIdOrKey}/remotelink": 1,
    }, jira_calls
    assert h1_calls == {
        "GET /v1/reports/{report_id}": 1,
        "POST /v1/reports/{report_id}/issue_tracker_reference_id": 1,
    }, h1_calls

    # Escalating again finds the link: no second issue.
    again = escalate(stack, report_id)
    assert (again.created, again.issue_key) == (False, key)
    stack.settle()
    assert issues_of(stack, report_id) == [key]


def test_triage_escalates_automatically(stack: Stack) -> None:
    configure(stack, escalation(stack))
    report_id = new_report(stack, "SQLi in search", "The `q` parameter.", severity="medium")
    stack.settle()
    assert issues_of(stack, report_id) == []  # new reports are not escalated
    stack.reset_counts()
    change_state(stack, report_id, "triaged", "Confirmed.")
    stack.settle()
    # The webhook carries the report: no read; create, remote link, reference.
    assert stack.requests(stack.hackerone_url) == {
        "POST /v1/reports/{report_id}/state_changes": 1,  # the triager's
        "POST /v1/reports/{report_id}/issue_tracker_reference_id": 1,
    }
    assert writes(stack, stack.jira_url) == {
        "POST /rest/api/2/issue": 1,
        "POST /rest/api/2/issue/{issueIdOrKey}/remotelink": 1,
    }
    [key] = issues_of(stack, report_id)
    fields = issue(stack, key)["fields"]
    assert fields["priority"]["name"] == "Medium"
    assert fields["summary"] == f"[H1 #{report_id}] SQLi in search"
    assert report(stack, report_id)["attributes"]["issue_tracker_reference_id"] == key
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()
    # The triage that escalated is not posted again as a comment; later activity is.
    change_state(stack, report_id, "needs-more-info", "Which endpoint?")
    stack.settle()
    assert comments(stack, key) == [
        "[HackerOne] Alice Security changed the report state to needs-more-info.\nWhich endpoint?"
    ]


def hacker_comment(stack: Stack, report_id: str, message: str, attachments: list[int]) -> None:
    answer = httpx.post(
        f"{stack.hackerone_url}/_sim/reports/{report_id}/comments",
        json={"message": message, "attachment_ids": attachments},
    )
    assert answer.status_code in (200, 201), answer.text


def upload(stack: Stack, report_id: str, name: str, content: bytes) -> int:
    with h1(stack) as client:
        answer = client.post(
            f"/reports/{report_id}/attachments", files=[("files[]", (name, content, "text/plain"))]
        )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["data"]["id"])


def h1_write(stack: Stack, method: str, path: str, body: dict[str, Any]) -> None:
    with h1(stack) as client:
        answer = client.request(method, path, json=body)
    assert answer.status_code in (200, 201), answer.text


def test_each_hackerone_event_becomes_its_jira_comment(stack: Stack) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "IDOR on invoices", "Change the `id`.")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    stack.settle()
    assert comments(stack, key) == []

    poc = upload(stack, report_id, "poc.txt", b"GET /invoices/2")
    hacker_comment(stack, report_id, "Here is the PoC.", [poc])
    h1_write(
        stack,
        "POST",
        f"/reports/{report_id}/activities",
        {
            "data": {
                "type": "activity-comment",
                "attributes": {"message": "Looks real", "internal": True},
            }
        },
    )
    change_state(stack, report_id, "triaged", "Thanks, confirmed.")
    h1_write(
        stack,
        "PUT",
        f"/reports/{report_id}/assignee",
        {"data": {"type": "user", "id": 4955, "attributes": {"message": "Bob takes it"}}},
    )
    h1_write(
        stack,
        "POST",
        f"/reports/{report_id}/bounties",
        {"data": {"message": "Nice find", "amount": 500, "bonus_amount": 50}},
    )
    h1_write(stack, "POST", f"/reports/{report_id}/swags", {"data": {"message": "A t-shirt"}})
    change_state(stack, report_id, "resolved", "Fixed in 2.3.")
    answer = httpx.post(
        f"{stack.hackerone_url}/_sim/reports/{report_id}/disclosure_requests",
        json={"message": "Can we disclose?"},
    )
    assert answer.status_code in (200, 201), answer.text
    stack.settle()

    assert comments(stack, key) == [
        "[HackerOne] [Demo Hacker]: Here is the PoC.",
        "[HackerOne] [Alice Security] (internal): Looks real",
        "[HackerOne] Alice Security changed the report state to triaged.\nThanks, confirmed.",
        "[HackerOne] Alice Security: assigned to bob-sec.\nBob takes it",
        "[HackerOne] acme: bounty 500.00 + bonus 50.00 awarded.\nNice find",
        "[HackerOne] Alice Security: swag awarded.\nA t-shirt",
        "[HackerOne] Alice Security changed the report state to resolved.\nFixed in 2.3.",
        "[HackerOne] Demo Hacker: agreed on going public.\nCan we disclose?",
    ]
    attachments = issue(stack, key)["fields"]["attachment"]
    assert [a["filename"] for a in attachments] == ["poc.txt"]
    assert attachments[0]["size"] == len(b"GET /invoices/2")
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


def test_each_jira_change_becomes_an_internal_comment_and_closing_resolves(stack: Stack) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "Open redirect", "`next=` accepts any URL.", severity="low")
    change_state(stack, report_id, "triaged", "Confirmed.")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    stack.settle()
    assert issue(stack, key)["fields"]["priority"]["name"] == "Low"
    before = set(comments(stack, key))

    with stack.jira("alice") as jira:
        assert (
            jira.put(f"/rest/api/2/issue/{key}/assignee", json={"name": "alice"}).status_code == 204
        )
    stack.settle()
    jira_transition(stack, key, "In Progress")
    stack.settle()
    stack.reset_counts()
    with stack.jira("alice") as jira:
        assert (
            jira.put(
                f"/rest/api/2/issue/{key}", json={"fields": {"priority": {"name": "High"}}}
            ).status_code
            == 204
        )
    stack.settle()
    # One write per change, nothing read back, and our comment's webhook changes nothing.
    assert stack.requests(stack.hackerone_url) == {"POST /v1/reports/{report_id}/activities": 1}
    assert writes(stack, stack.jira_url) == {"PUT /rest/api/2/issue/{issueIdOrKey}": 1}
    with stack.jira("alice") as jira:
        assert (
            jira.post(
                f"/rest/api/2/issue/{key}/comment", json={"body": "Fix deployed to staging"}
            ).status_code
            == 201
        )
    stack.settle()
    jira_transition(stack, key, "Resolved")
    stack.settle()
    jira_transition(stack, key, "Closed")
    stack.settle()

    assert internal_comments(stack, report_id) == [
        f"[Jira {key}] Alice Example: assignee changed from none to Alice Example.",
        f"[Jira {key}] Alice Example: status changed from Open to In Progress.",
        f"[Jira {key}] Alice Example: priority changed from Low to High.",
        f"[Jira {key}] [Alice Example]: Fix deployed to staging",
        f"[Jira {key}] Alice Example: status changed from In Progress to Resolved; "
        "resolution changed from none to Fixed.",
        f"[Jira {key}] Alice Example: status changed from Resolved to Closed.",
    ]
    state = report(stack, report_id)
    assert state["attributes"]["state"] == "resolved"
    resolved = [
        a
        for a in state["relationships"]["activities"]["data"]
        if a["type"] == "activity-bug-resolved"
    ]
    assert [a["attributes"]["message"] for a in resolved] == [
        f"The issue {key} was closed in Jira."
    ]
    # No echo: jirasync's own comments and state change do not come back to Jira.
    assert set(comments(stack, key)) == before | {"Fix deployed to staging"}
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- invariants ----------------------------------------------------------------------------------
def fault(url: str, method: str, path: str, status: int, count: int) -> None:
    answer = httpx.post(
        f"{url}/_sim/faults",
        json={"method": method, "path": path, "status": status, "count": count},
    )
    assert answer.status_code in (200, 201), answer.text


def test_a_redelivered_webhook_is_applied_once(stack: Stack) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "CSRF on settings", "No token.")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    stack.settle()
    stack.reset_counts()
    hacker_comment(stack, report_id, "Any news?", [])
    stack.settle()
    # One call per comment: the webhook carries everything (no report read back).
    assert stack.requests(stack.jira_url) == {"POST /rest/api/2/issue/{issueIdOrKey}/comment": 1}
    assert stack.requests(stack.hackerone_url) == {}
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: Any news?"]

    [delivery] = httpx.get(
        f"{stack.hackerone_url}/_sim/webhooks", params={"event": "report_comment_created"}
    ).json()["deliveries"]
    again = httpx.post(delivery["url"], content=delivery["body"], headers=delivery["headers"])
    assert again.status_code in (200, 202), again.text
    stack.settle()
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: Any news?"]


def test_a_crash_before_the_reference_is_written_leaves_one_issue(stack: Stack) -> None:
    configure(stack, escalation(stack))
    report_id = new_report(stack, "RCE in upload", "Upload a `.phar`.", severity="critical")
    stack.settle()
    fault(stack.hackerone_url, "POST", "/v1/reports/{report_id}/issue_tracker_reference_id", 500, 1)
    change_state(stack, report_id, "triaged", "Confirmed.")
    stack.settle()
    [key] = issues_of(stack, report_id)
    assert report(stack, report_id)["attributes"]["issue_tracker_reference_id"] == key
    with stack.jira("admin") as jira:
        links = jira.get(f"/rest/api/2/issue/{key}/remotelink").json()
    assert len(links) == 1
    assert comments(stack, key) == []  # the triage escalated; it is not news on the issue
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()
    assert max(e["attempts"] for e in stack.events()) == 2  # the fault was met and retried


def test_a_manual_escalation_that_died_before_the_reference_is_finished_by_the_next(
    stack: Stack,
) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "SSRF in webhooks", "Point it at `169.254.169.254`.")
    stack.settle()
    fault(stack.hackerone_url, "POST", "/v1/reports/{report_id}/issue_tracker_reference_id", 500, 1)
    with pytest.raises(RemoteError, match="HTTP 500"):
        escalate(stack, report_id)
    [key] = issues_of(stack, report_id)
    assert "issue_tracker_reference_id" not in report(stack, report_id)["attributes"]
    again = escalate(stack, report_id)
    assert (again.issue_key, again.created) == (key, False)
    assert report(stack, report_id)["attributes"]["issue_tracker_reference_id"] == key
    assert issues_of(stack, report_id) == [key]
    with stack.jira("admin") as jira:
        assert len(jira.get(f"/rest/api/2/issue/{key}/remotelink").json()) == 1


def test_escalating_by_hand_while_a_triage_escalates_makes_one_issue(stack: Stack) -> None:
    configure(stack, escalation(stack))
    report_id = new_report(stack, "Cache poisoning", "`X-Forwarded-Host`.")
    stack.settle()
    slow = {"kind": "latency", "method": "POST", "path": "/rest/api/2/issue", "count": 1}
    answer = httpx.post(f"{stack.jira_url}/_sim/faults", json={**slow, "latency_ms": 800})
    assert answer.status_code in (200, 201), answer.text
    change_state(stack, report_id, "triaged", "Confirmed.")
    wait_for(
        lambda: any(e["status"] == "running" for e in stack.events()),
        what="the triage being escalated",
    )
    by_hand = escalate(stack, report_id)  # meanwhile, a person escalates it too
    stack.settle()
    assert issues_of(stack, report_id) == [by_hand.issue_key]
    assert not by_hand.created


def test_rate_limit_storms_still_apply_each_effect_once(stack: Stack) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "XXE in import", "DOCTYPE.", severity="high")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    stack.settle()
    stack.reset_counts()
    fault(stack.hackerone_url, "POST", "/v1/reports/{report_id}/activities", 429, 6)
    fault(stack.jira_url, "POST", "/rest/api/2/issue/{issueIdOrKey}/comment", 429, 4)
    hacker_comment(stack, report_id, "Ping", [])
    stack.settle()
    with stack.jira("alice") as jira:
        assert (
            jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "Patched"}).status_code
            == 201
        )
    stack.settle(timeout=30)
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: Ping", "Patched"]
    assert internal_comments(stack, report_id) == [f"[Jira {key}] [Alice Example]: Patched"]
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- application link ----------------------------------------------------------------------------
def test_application_link_oauth_dance_then_sync_with_its_credentials(stack: Stack) -> None:
    keys = applink.generate_key_pair()
    registered = httpx.post(
        f"{stack.jira_url}/_sim/jira/applinks",
        json={
            "consumerKey": applink.CONSUMER_KEY,
            "name": "HackerOne",
            "publicKey": keys.public_pem,
        },
    )
    assert registered.status_code == 201, registered.text
    link = applink.AppLink(stack.jira_url, keys.private_pem)

    async def dance() -> dict[str, Any]:
        request = await link.request_token()
        url = link.authorize_url(request)
        assert url.startswith(f"{stack.jira_url}/plugins/servlet/oauth/authorize?oauth_token=")
        with pytest.raises(RemoteError, match="permission_unknown"):
            await link.access_token(request)  # nobody approved it yet
        approved = httpx.post(
            f"{stack.jira_url}/_sim/jira/oauth/approve",
            json={"token": request.token, "user": "admin"},
        )
        assert approved.status_code == 200, approved.text
        return link.credentials(await link.access_token(request, approved.json()["verifier"]))

    credentials = asyncio.run(dance())
    assert credentials["consumer_key"] == "HackerOne JIRA Client"
    # The access token signs REST calls as the approving user; a wrong key is refused.
    signed = OAuth1RsaAuth(
        credentials["consumer_key"],
        credentials["private_key"],
        credentials["access_token"],
        credentials["token_secret"],
    )
    with httpx.Client(base_url=stack.jira_url, auth=signed) as jira:
        assert jira.get("/rest/api/2/myself").json()["name"] == "admin"
    stranger = OAuth1RsaAuth(
        credentials["consumer_key"],
        applink.generate_key_pair().private_pem,
        credentials["access_token"],
        credentials["token_secret"],
    )
    with httpx.Client(base_url=stack.jira_url, auth=stranger) as jira:
        assert jira.get("/rest/api/2/myself").status_code == 401

    jira_doc = {**jira_connection(stack), "credentials": credentials}
    configure(stack, escalation(stack, auto=None), jira=jira_doc)
    report_id = new_report(stack, "Auth bypass", "Drop the `session` cookie.")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    assert issue(stack, key)["fields"]["reporter"]["name"] == "admin"
    hacker_comment(stack, report_id, "Still there?", [])
    stack.settle()
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: Still there?"]
    assert internal_comments(stack, report_id) == []  # our Jira comment did not come back
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- bad configuration ---------------------------------------------------------------------------
def test_an_unmapped_required_field_is_refused_when_saved(stack: Stack) -> None:
    seed_hackerone(stack)
    rule = escalation(stack, fields={"description": DESCRIPTION})  # no summary
    with pytest.raises(SetupError) as refused:
        stack.apply(setup_document(stack, rule))
    assert refused.value.problems == [
        "rules.hackerone[0].escalation.fields: summary (Summary) is required by Jira but not mapped"
    ]
    bad_type = escalation(stack, fields={"summary": "{{title}}", "customfield_10102": "{{title}}"})
    with pytest.raises(SetupError, match="customfield_10102 is a number field"):
        stack.apply(setup_document(stack, bad_type))
    typo = escalation(stack, fields={"summary": "{{titel}}"})
    with pytest.raises(SetupError, match="unknown variable"):
        stack.apply(setup_document(stack, typo))
    assert "hackerone" not in stack.connections  # nothing written


def test_a_jira_refusal_is_shown_with_jiras_message_on_the_event(stack: Stack) -> None:
    rule = escalation(stack, severity_to_priority={"high": "Urgent"})  # no such priority
    configure(stack, rule)
    report_id = new_report(stack, "Session fixation", "Set the cookie.", severity="high")
    change_state(stack, report_id, "triaged", "Confirmed.")
    stack.settle()
    assert issues_of(stack, report_id) == []
    failed = [e for e in stack.events() if e["status"] == "dead"]
    assert len(failed) == 1, stack.events()
    assert failed[0]["attempts"] == 1  # a 400 is not retried
    assert "jira POST /rest/api/2/issue → HTTP 400" in failed[0]["reason"]
    assert "priority: The priority selected is invalid." in failed[0]["reason"]


# -- duplicates, linking an existing issue, removing a reference ---------------------------------
def test_a_duplicate_comments_on_the_original_issue(stack: Stack) -> None:
    configure(stack, escalation(stack))
    original = new_report(stack, "XSS in search", "`<svg onload>`")
    change_state(stack, original, "triaged", "Confirmed.")
    stack.settle()
    [key] = issues_of(stack, original)
    duplicate = new_report(stack, "Reflected XSS in search", "Same `<svg>`.")
    stack.settle()
    change_state(stack, duplicate, "duplicate", "Same as the first.", original_report_id=original)
    stack.settle()
    assert issues_of(stack, duplicate) == []
    assert comments(stack, key) == [
        f"[HackerOne] Report #{duplicate} was closed as a duplicate of this issue's report."
        "\nSame as the first."
    ]
    assert "issue_tracker_reference_id" not in report(stack, duplicate)["attributes"]


def test_link_an_existing_issue_then_remove_the_reference(stack: Stack) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "Weak TLS", "TLS 1.0 enabled.")
    stack.settle()
    with stack.jira("alice") as jira:
        created = jira.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "OPS"},
                    "summary": "TLS hardening",
                    "issuetype": {"id": issue_type_id(stack, "OPS", "Task")},
                }
            },
        )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    h1_id = stack.connections["hackerone"]
    linked = with_runtime(stack, lambda rt: manual.link_existing(rt, h1_id, report_id, key))
    assert linked == key
    assert report(stack, report_id)["attributes"]["issue_tracker_reference_id"] == key
    with stack.jira("admin") as jira:
        links = jira.get(f"/rest/api/2/issue/{key}/remotelink").json()
    assert [link["object"]["url"] for link in links] == [
        f"https://hackerone.com/reports/{report_id}"
    ]
    hacker_comment(stack, report_id, "Also SSLv3.", [])
    stack.settle()
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: Also SSLv3."]

    removed = with_runtime(stack, lambda rt: manual.unlink(rt, h1_id, report_id))
    assert removed == key
    assert not report(stack, report_id)["attributes"].get("issue_tracker_reference_id")
    hacker_comment(stack, report_id, "Hello?", [])
    stack.settle()
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: Also SSLv3."]  # unlinked
    # Escalating now makes a new issue (the old one keeps its history).
    again = escalate(stack, report_id)
    assert again.created and again.issue_key != key
    assert issues_of(stack, report_id) == [again.issue_key]


def test_an_attachment_that_failed_is_copied_on_retry_without_a_second_comment(
    stack: Stack,
) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "Path traversal", "`../../etc/passwd`")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    stack.settle()
    fault(stack.jira_url, "POST", "/rest/api/2/issue/{issueIdOrKey}/attachments", 500, 1)
    poc = upload(stack, report_id, "passwd.txt", b"root:x:0:0")
    hacker_comment(stack, report_id, "See the file.", [poc])
    stack.settle()
    assert comments(stack, key) == ["[HackerOne] [Demo Hacker]: See the file."]
    assert [a["filename"] for a in issue(stack, key)["fields"]["attachment"]] == ["passwd.txt"]
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


def test_the_escalate_command(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    configure(stack, escalation(stack, auto=None))
    report_id = new_report(stack, "Clickjacking", "No `X-Frame-Options`.")
    stack.settle()
    monkeypatch.setenv("JIRASYNC_DATABASE_URL", stack.settings.database)
    monkeypatch.setenv("JIRASYNC_DATA_DIR", str(stack.settings.data_dir))
    result = CliRunner().invoke(cli.app, ["escalate", report_id])
    assert result.exit_code == 0, result.output
    [key] = issues_of(stack, report_id)
    assert f"report {report_id} → {key}" in result.output
    again = CliRunner().invoke(cli.app, ["escalate", report_id, "--connection", "hackerone"])
    assert f"report {report_id} → {key} (already)" in again.output


def test_switched_off_events_are_not_posted_either_way(stack: Stack) -> None:
    rule = escalation(
        stack,
        auto=None,
        hackerone_to_jira={"comments": False, "attachments": False},
        jira_to_hackerone={"comments": False, "priority": False},
        closed={"status_category": "done", "message": "Done in {{issue_key}}."},
    )
    configure(stack, rule)
    report_id = new_report(stack, "Info leak", "Stack traces.")
    stack.settle()
    key = escalate(stack, report_id).issue_key
    poc = upload(stack, report_id, "trace.txt", b"Traceback")
    hacker_comment(stack, report_id, "Any update?", [poc])
    change_state(stack, report_id, "triaged", "Yes.")  # state changes stay on
    stack.settle()
    assert comments(stack, key) == [
        "[HackerOne] Alice Security changed the report state to triaged.\nYes."
    ]
    assert issue(stack, key)["fields"]["attachment"] == []
    with stack.jira("alice") as jira:
        jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "internal note"})
        jira.put(f"/rest/api/2/issue/{key}", json={"fields": {"priority": {"name": "Low"}}})
    stack.settle()
    assert internal_comments(stack, report_id) == []
    with stack.jira("alice") as jira:
        jira.put(f"/rest/api/2/issue/{key}/assignee", json={"name": "alice"})
    stack.settle()
    jira_transition(stack, key, "In Progress")
    jira_transition(stack, key, "Resolved")  # Resolved is in the done category
    stack.settle()
    assert report(stack, report_id)["attributes"]["state"] == "resolved"
    assert internal_comments(stack, report_id)[-1].endswith(
        "status changed from In Progress to Resolved; resolution changed from none to Fixed."
    )
