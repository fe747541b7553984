"""PagerDuty's Jira Server guide, step by step, against the simulators over HTTP: configure,
write a rule, trigger an incident → issue; acknowledge → In Progress; note → comment; Jira
comment → note; resolve in Jira → incident resolved; and the reverse direction from JQL."""

from __future__ import annotations

from typing import Any

from jirasync.devstack import PD_FROM, Stack, wait_for

SERVICE = "PSVC001"  # Checkout API in the PagerDuty simulator's default seed


def issue_type_id(stack: Stack, project: str, name: str) -> str:
    with stack.jira("admin") as jira:
        types = jira.get(f"/rest/api/2/project/{project}", params={"expand": "issueTypes"}).json()[
            "issueTypes"
        ]
    return next(t["id"] for t in types if t["name"] == name)


def status_id(stack: Stack, name: str) -> str:
    with stack.jira("admin") as jira:
        return next(s["id"] for s in jira.get("/rest/api/2/status").json() if s["name"] == name)


def setup_document(stack: Stack, rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "connections": [
            {
                "name": "jira",
                "kind": "jira",
                "base_url": stack.jira_url,
                "credentials": {"auth": "basic", "username": "admin", "password": "admin"},
            },
            {
                "name": "pagerduty",
                "kind": "pagerduty",
                "base_url": stack.pagerduty_url,
                "credentials": {"api_key": "pdsim-account-key-0001"},
                "options": {"from_email": PD_FROM, "own_user_ids": ["PBOT001"]},
            },
        ],
        "rules": {"pagerduty": [{"connection": "pagerduty", "jira": "jira", "rule": rule}]},
    }


def guide_rule(stack: Stack) -> dict[str, Any]:
    bug = issue_type_id(stack, "SUP", "Bug")
    return {
        "name": "Checkout incidents",
        "enabled": True,
        "config": {
            "sync_comments": True,
            "services": [{"id": SERVICE, "type": "service_reference"}],
            "projects": [{"key": "SUP"}],
            "issue_types": [{"id": bug, "label": "Bug"}],
            "autocreate_issues": True,
            "autocreate_issues_config": [
                {
                    "condition": {"pd_events": ["incident.trigger"]},
                    "actions": [{"key": "jira_append_description"}],
                    "actions_params": {
                        "jira_append_description": [
                            {"key": "incident.title", "icon": "pd"},
                            {"key": "incident.html_url", "icon": "pd"},
                        ]
                    },
                }
            ],
            "react_on_incident_event": True,
            "react_on_incident_event_config": [
                {
                    "condition": {"pd_events": ["incident.acknowledge"]},
                    "actions": [{"key": "jira_change_status"}],
                    "actions_params": {
                        "jira_change_status": {
                            "id": status_id(stack, "In Progress"),
                            "label": "In Progress",
                        }
                    },
                }
            ],
            "react_on_issue_status_change": True,
            "react_on_issue_status_change_config": [
                {"jira_status_categories": ["done"], "actions": [{"key": "pd_resolve"}]},
            ],
            "autocreate_incidents": True,
            "autocreate_incidents_config": [
                {
                    "jql": "project = SUP AND priority = Highest",
                    "on_create": True,
                    "on_update": True,
                    "target_service": {"id": SERVICE, "type": "service_reference"},
                },
            ],
        },
    }


def trigger(stack: Stack, title: str) -> dict[str, Any]:
    body = {
        "incident": {
            "type": "incident",
            "title": title,
            "service": {"id": SERVICE, "type": "service_reference"},
            "urgency": "high",
        }
    }
    with stack.pagerduty() as pd:
        response = pd.post("/incidents", json=body)
    assert response.status_code == 201, response.text
    return response.json()["incident"]


def issue_of(stack: Stack, incident_id: str) -> dict[str, Any] | None:
    with stack.jira("admin") as jira:
        found = jira.post(
            "/rest/api/2/search",
            json={
                "jql": f'labels = "pagerduty-{incident_id.lower()}"',
                "fields": ["status", "summary", "description", "comment"],
            },
        )
    issues = found.json()["issues"]
    return issues[0] if issues else None


def test_the_guide_walkthrough(stack: Stack) -> None:
    stack.apply(setup_document(stack, guide_rule(stack)))
    reports = stack.check(fix=True)
    assert {r.kind: [f.kind for f in r.findings] for r in reports} == {
        "jira": ["missing"],
        "pagerduty": ["missing"],
    }
    assert all(r.healthy for r in stack.check(fix=False))

    # Trigger an incident → one issue with the mapped fields, linked both ways.
    incident = trigger(stack, "Checkout latency over 2 s")
    issue = wait_for(lambda: issue_of(stack, incident["id"]), what="the issue of the incident")
    stack.settle()
    assert issue["fields"]["summary"] == "Checkout latency over 2 s"
    assert incident["html_url"] in issue["fields"]["description"]
    key = issue["key"]
    with stack.jira("admin") as jira:
        links = jira.get(f"/rest/api/2/issue/{key}/remotelink").json()
    assert [link["object"]["url"] for link in links] == [incident["html_url"]]
    with stack.pagerduty() as pd:
        notes = pd.get(f"/incidents/{incident['id']}/notes").json()["notes"]
    assert [n["content"] for n in notes] == [f"Jira issue {key}: {stack.jira_url}/browse/{key}"]

    # Acknowledge → the issue moves to In Progress.
    with stack.pagerduty() as pd:
        ack = pd.put(
            f"/incidents/{incident['id']}",
            json={"incident": {"type": "incident_reference", "status": "acknowledged"}},
        )
        assert ack.status_code == 200, ack.text
    wait_for(
        lambda: (
            (issue_of(stack, incident["id"]) or {}).get("fields", {}).get("status", {}).get("name")
            == "In Progress"
        ),
        what="In Progress",
    )

    # A note → a comment on the issue, attributed.
    with stack.pagerduty() as pd:
        pd.post(
            f"/incidents/{incident['id']}/notes",
            json={"note": {"content": "Rolled back the deploy"}},
        )
    stack.settle()
    comments = [c["body"] for c in issue_of(stack, incident["id"])["fields"]["comment"]["comments"]]
    assert comments == ["PagerDuty [Alice Admin]: Rolled back the deploy"]

    # A Jira comment → a note on the incident, attributed.
    with stack.jira("alice") as jira:
        assert (
            jira.post(
                f"/rest/api/2/issue/{key}/comment", json={"body": "Latency back to normal"}
            ).status_code
            == 201
        )
    stack.settle()
    with stack.pagerduty() as pd:
        notes = [n["content"] for n in pd.get(f"/incidents/{incident['id']}/notes").json()["notes"]]
    assert "[Jira] [Alice Example]: Latency back to normal" in notes
    assert len(notes) == 3  # link note, the PagerDuty note, the Jira comment: nothing echoed

    # Resolve in Jira → the incident is resolved.
    with stack.jira("alice") as jira:
        transitions = jira.get(f"/rest/api/2/issue/{key}/transitions").json()["transitions"]
        resolve = next(t for t in transitions if t["to"]["statusCategory"]["key"] == "done")
        done = jira.post(
            f"/rest/api/2/issue/{key}/transitions",
            json={"transition": {"id": resolve["id"]}},
        )
        assert done.status_code == 204, done.text
    stack.settle()
    with stack.pagerduty() as pd:
        assert pd.get(f"/incidents/{incident['id']}").json()["incident"]["status"] == "resolved"
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


def test_the_reverse_direction_from_a_jql_rule(stack: Stack) -> None:
    stack.apply(setup_document(stack, guide_rule(stack)))
    stack.check(fix=True)
    bug = issue_type_id(stack, "SUP", "Bug")
    with stack.jira("alice") as jira:
        low = jira.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "SUP"},
                    "issuetype": {"id": bug},
                    "summary": "Typo on the pricing page",
                    "priority": {"name": "Low"},
                }
            },
        )
        high = jira.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "SUP"},
                    "issuetype": {"id": bug},
                    "summary": "Payments failing",
                    "priority": {"name": "Highest"},
                }
            },
        )
        assert low.status_code == high.status_code == 201, (low.text, high.text)
    stack.settle()
    with stack.pagerduty() as pd:
        incidents = pd.get(
            "/incidents", params={"date_range": "all", "statuses[]": ["triggered"]}
        ).json()["incidents"]
    mine = [i for i in incidents if i["title"].startswith("[SUP-")]
    assert [i["title"] for i in mine] == [f"[{high.json()['key']}] Payments failing"]
    assert mine[0]["incident_key"] == f"jira-{stack.connections['jira']}-{high.json()['id']}"

    # Updating the issue again (it still matches) does not trigger a second incident.
    with stack.jira("alice") as jira:
        jira.put(
            f"/rest/api/2/issue/{high.json()['key']}",
            json={"fields": {"summary": "Payments failing (EU)"}},
        )
    stack.settle()
    with stack.pagerduty() as pd:
        incidents = pd.get("/incidents", params={"date_range": "all"}).json()["incidents"]
    assert len([i for i in incidents if i["title"].startswith("[SUP-")]) == 1
