"""The REST API, step by step, against the simulators over HTTP, as an admin's script would use
it: add the three connections, test them (webhooks missing), fix the webhooks, write a
PagerDuty rule with PagerDuty's schema, an escalation and a user mapping; preview the rule on a
real incident; create the incident's issue by hand, trigger an incident from an issue, escalate
a report; find the links and events; unlink and link again."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from jirasync.access.accounts import create_token
from jirasync.devstack import Stack
from jirasync.store.models import AccountRole

EXAMPLE = Path(__file__).parents[2] / "examples" / "setup-simulators.yaml"
H1_SECRET = "h1-sim-webhook-secret"
PD_KEY = "pdsim-account-key-0001"


@pytest.fixture
def client(stack: Stack) -> httpx.Client:
    made = asyncio.run(stack._store(lambda db, _: create_token(db, "e2e", AccountRole.ADMIN)))
    headers = {"Authorization": f"Bearer {made.token.get_secret_value()}"}
    return httpx.Client(base_url=f"{stack.jirasync_url}/api/v1", headers=headers, timeout=30)


def ok(answer: httpx.Response, status: int = 200) -> Any:
    assert answer.status_code == status, (answer.request.url, answer.text)
    return answer.json() if answer.content else None


def example() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    return document


def add_connections(stack: Stack, api: httpx.Client) -> dict[str, int]:
    urls = {
        "jira": stack.jira_url,
        "pagerduty": stack.pagerduty_url,
        "hackerone": stack.hackerone_url,
    }
    ids = {}
    for item in example()["connections"]:
        item["base_url"] = urls[item["kind"]]
        if item["kind"] == "hackerone":
            item["options"]["web_base"] = stack.hackerone_url
        made = ok(api.post("/connections", json=item), 201)
        assert made["has_credentials"] is True
        assert "credentials" not in made
        ids[item["kind"]] = made["id"]
    return ids


def test_an_admin_sets_up_and_works_the_sync_through_the_api(
    stack: Stack, client: httpx.Client
) -> None:
    api = client
    ids = add_connections(stack, api)

    # Rules in PagerDuty's own schema; auto-create off: issues are made by hand here.
    rule = example()["rules"]["pagerduty"][0]["rule"]
    rule["config"]["autocreate_issues"] = False
    created = ok(api.post("/pagerduty/rules", json={"rule": rule}))
    rule_id = created["rule"]["id"]
    assert created["rule"]["pagerduty_connection_id"] == ids["pagerduty"]
    escalation = example()["rules"]["hackerone"][0]["escalation"]
    escalation["auto"] = None
    ok(api.post("/hackerone/escalations", json={"escalation": escalation}), 201)
    mapping = {
        "jira_connection_id": ids["jira"],
        "connection_id": ids["pagerduty"],
        "jira_user": "admin",
        "remote_user": "PBOT001",
        "email": "jirasync@example.com",
        "fallback": True,
    }
    ok(api.post("/user-mappings", json=mapping), 201)

    # Test: everything works but the webhooks, which are not registered yet; fix; test again.
    report = ok(api.post(f"/connections/{ids['jira']}/test"))
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["auth"]["ok"] and checks["project SUP"]["ok"] and checks["project OPS"]["ok"]
    assert not checks["webhooks"]["ok"] and "missing" in checks["webhooks"]["detail"]
    for kind in ("jira", "pagerduty"):
        fixed = ok(api.post(f"/connections/{ids[kind]}/webhooks/fix"))
        assert fixed["fixed"] and not fixed["errors"]
        assert ok(api.get(f"/connections/{ids[kind]}/webhooks"))["healthy"]
        assert ok(api.post(f"/connections/{ids[kind]}/test"))["ok"]
    hackerone = ok(api.post(f"/connections/{ids['hackerone']}/test"))
    assert hackerone["ok"], hackerone
    assert f"/webhooks/hackerone/{ids['hackerone']}" in hackerone["checks"][-1]["detail"]

    # An incident arrives; the rule creates nothing by itself; the preview says so and what an
    # acknowledge would do once linked.
    incident = trigger(stack, "Checkout is down")
    preview = ok(
        api.post(
            "/preview/pagerduty", json={"rule_id": int(rule_id), "incident_id": incident["id"]}
        )
    )
    assert preview["actions"] == []
    assert "no rule creates an issue" in preview["reasons"][0]

    # "More → Create Jira Issue" by hand.
    done = ok(api.post(f"/pagerduty/incidents/{incident['id']}/create-issue", json={}))
    assert done["created"] and done["issue_key"].startswith("SUP-")
    assert any(c["method"] == "POST" and c["status"] == 201 for c in done["calls"])
    again = ok(api.post(f"/pagerduty/incidents/{incident['id']}/create-issue", json={}))
    assert again == {**again, "created": False, "issue_key": done["issue_key"]}
    links = ok(api.get("/links", params={"incident": incident["id"]}))["links"]
    assert [link["issue_key"] for link in links] == [done["issue_key"]]
    assert links[0]["sync_status"] == "ok"
    acknowledge = ok(
        api.post(
            "/preview/pagerduty",
            json={
                "rule_id": int(rule_id),
                "incident_id": incident["id"],
                "event": "incident.acknowledged",
            },
        )
    )
    assert [a["type"] for a in acknowledge["actions"]] == ["TransitionIssue"]
    assert acknowledge["actions"][0]["detail"]["issue_key"] == done["issue_key"]

    # The incident's webhook was received and recorded; its detail shows the attempt.
    stack.settle()
    events = ok(api.get("/events", params={"incident": incident["id"]}))["events"]
    assert events and all(e["status"] in ("done", "ignored") for e in events)
    detail = ok(api.get(f"/events/{events[-1]['id']}"))
    assert detail["body"]["event"]["data"]["id"] == incident["id"]
    assert detail["history"] and detail["history"][0]["actions"]

    # Trigger an incident from an issue (the sidebar), whatever the rule's JQL.
    key = new_issue(stack, "Payment page slow")
    triggered = ok(api.post(f"/jira/issues/{key}/trigger-incident", json={}))
    assert triggered["created"] and triggered["issue_key"] == key
    with stack.pagerduty() as pd:
        found = pd.get(f"/incidents/{triggered['incident_id']}").json()["incident"]
    assert key in found["title"]

    # Escalate a report (HackerOne's References menu) with the escalation.
    report_id = new_report(stack, "SQL injection in search")
    escalated = ok(api.post(f"/hackerone/reports/{report_id}/escalate", json={}))
    assert escalated["created"] and escalated["issue_key"].startswith("OPS-")
    by_report = ok(api.get("/links", params={"report": report_id}))["links"]
    assert by_report[0]["issue_key"] == escalated["issue_key"]

    # Unlink the incident, then link it to the issue again by hand.
    link_id = links[0]["id"]
    assert api.delete(f"/links/{link_id}").status_code == 204
    assert ok(api.get("/links", params={"incident": incident["id"]}))["links"] == []
    relinked = ok(
        api.post(
            "/links",
            json={
                "source_type": "incident",
                "connection_id": ids["pagerduty"],
                "source_id": incident["id"],
                "issue_key": done["issue_key"],
            },
        ),
        201,
    )
    assert relinked["issue_key"] == done["issue_key"]
    by_key = ok(api.get("/links", params={"issue_key": done["issue_key"].lower()}))["links"]
    assert [link["source"]["id"] for link in by_key] == [incident["id"]]


def test_remote_refusals_come_back_with_the_remotes_message(
    stack: Stack, client: httpx.Client
) -> None:
    ids = add_connections(stack, client)
    rule = example()["rules"]["pagerduty"][0]["rule"]
    ok(client.post("/pagerduty/rules", json={"rule": rule}))
    missing = client.post("/pagerduty/incidents/PNOPE42/create-issue", json={})
    assert missing.status_code == 502
    assert (
        "PNOPE42" in missing.json()["error"]["message"]
        or "404" in missing.json()["error"]["message"]
    )
    # Wrong credentials: the test says so, per check, without a 5xx.
    ok(client.patch(f"/connections/{ids['pagerduty']}", json={"credentials": {"api_key": "wrong"}}))
    report = ok(client.post(f"/connections/{ids['pagerduty']}/test"))
    assert report["ok"] is False
    assert report["checks"][0]["name"] == "auth" and not report["checks"][0]["ok"]
    assert "wrong" not in str(report) and PD_KEY not in str(report)


# -- helpers -------------------------------------------------------------------------------------
def trigger(stack: Stack, title: str) -> dict[str, Any]:
    body = {
        "incident": {
            "type": "incident",
            "title": title,
            "service": {"id": "PSVC001", "type": "service_reference"},
            "urgency": "high",
        }
    }
    with stack.pagerduty() as pd:
        answer = pd.post("/incidents", json=body)
    assert answer.status_code == 201, answer.text
    incident: dict[str, Any] = answer.json()["incident"]
    return incident


def new_issue(stack: Stack, summary: str) -> str:
    fields = {"project": {"key": "SUP"}, "issuetype": {"id": "3"}, "summary": summary}
    with stack.jira("alice") as jira:
        answer = jira.post("/rest/api/2/issue", json={"fields": fields})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def new_report(stack: Stack, title: str) -> str:
    answer = httpx.post(
        f"{stack.hackerone_url}/_sim/programs/acme/reports",
        json={
            "reporter": "demo-hacker",
            "title": title,
            "vulnerability_information": "Details.",
            "severity_rating": "high",
            "weakness_id": 60,
            "structured_scope_id": 57,
        },
    )
    assert answer.status_code == 201, answer.text
    report_id = str(answer.json()["data"]["id"])
    return report_id
