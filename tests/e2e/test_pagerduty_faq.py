"""PagerDuty's Jira Server FAQ and troubleshooting cases (reference/pagerduty.md §7.4), end to end
against the simulators: workflows without a direct To Do → Done, impossible transitions,
required transition and create fields, priority-only changes both ways, several rules matching
one issue. Remote writes are counted with the simulators' request counters."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from jirasync.devstack import PD_FROM, Stack, wait_for
from jirasync.sim.jira.seed import default_seed
from jirasync.store.db import Database

CHECKOUT = "PSVC001"
PAYMENTS = "PSVC002"
BUG, TASK = "1", "3"  # issue type ids of the Jira simulator
TODO, IN_PROGRESS, DONE = "10000", "3", "10001"  # simplified workflow statuses
OPEN, RESOLVED = "1", "5"  # classic workflow statuses
PD_PRIORITIES = {"P1": "PPRI001", "P2": "PPRI002", "P3": "PPRI003", "P4": "PPRI004"}
TO_JIRA = {"P1": "Highest", "P2": "High", "P3": "Medium", "P4": "Low", "P5": "Lowest"}
TO_PAGERDUTY = {v: k for k, v in TO_JIRA.items()}


# -- set-up ----------------------------------------------------------------------------------
def seed_jira(
    stack: Stack,
    *,
    workflows: dict[str, Any] | None = None,
    projects: Sequence[dict[str, Any]] = (),
    custom_fields: Sequence[dict[str, Any]] = (),
) -> None:
    """The default seed plus these workflows, projects and custom fields (before `check`)."""
    seed = default_seed()
    seed["workflows"] = {**seed.get("workflows", {}), **(workflows or {})}
    seed["projects"] = [*seed["projects"], *projects]
    seed["customFields"] = [*seed.get("customFields", []), *custom_fields]
    response = httpx.put(f"{stack.jira_url}/_sim/seed", json=seed)
    assert response.status_code == 200, response.text


def rule(
    name: str,
    project: str,
    issue_type: str = BUG,
    service: str = CHECKOUT,
    *,
    create_on: tuple[str, ...] = ("incident.trigger",),
    react: Sequence[dict[str, Any]] = (),
    status_change: Sequence[dict[str, Any]] = (),
    incidents_from_jql: Sequence[dict[str, Any]] = (),
    jirasync: dict[str, Any] | None = None,
    sync_comments: bool = True,
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "sync_comments": sync_comments,
        "services": [{"id": service, "type": "service_reference"}],
        "projects": [{"key": project}],
        "issue_types": [{"id": issue_type}],
        "autocreate_issues": bool(create_on),
        "autocreate_issues_config": [{"condition": {"pd_events": list(create_on)}}]
        if create_on
        else [],
        "react_on_incident_event": bool(react),
        "react_on_incident_event_config": list(react),
        "react_on_issue_status_change": bool(status_change),
        "react_on_issue_status_change_config": list(status_change),
        "autocreate_incidents": bool(incidents_from_jql),
        "autocreate_incidents_config": list(incidents_from_jql),
    }
    if jirasync is not None:
        config["jirasync"] = jirasync
    return {"name": name, "enabled": True, "config": config}


def on_event(event: str, status_id: str, label: str) -> dict[str, Any]:
    """react_on_incident_event item: on `event`, move the issue to `status_id`."""
    return {
        "condition": {"pd_events": [event]},
        "actions": [{"key": "jira_change_status"}],
        "actions_params": {"jira_change_status": {"id": status_id, "label": label}},
    }


def set_up(
    stack: Stack,
    *rules: dict[str, Any],
    user_mappings: Sequence[dict[str, Any]] = (),
) -> None:
    stack.apply(
        {
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
            "rules": {
                "pagerduty": [{"connection": "pagerduty", "jira": "jira", "rule": r} for r in rules]
            },
            "user_mappings": list(user_mappings),
        }
    )
    assert all(r.healthy for r in stack.check(fix=True))


# -- acting as people ------------------------------------------------------------------------
def trigger(stack: Stack, title: str, service: str = CHECKOUT, priority: str | None = None) -> str:
    incident: dict[str, Any] = {
        "type": "incident",
        "title": title,
        "service": {"id": service, "type": "service_reference"},
    }
    if priority:
        incident["priority"] = {"id": PD_PRIORITIES[priority], "type": "priority_reference"}
    with stack.pagerduty() as pd:
        response = pd.post("/incidents", json={"incident": incident})
    assert response.status_code == 201, response.text
    return str(response.json()["incident"]["id"])


def update_incident(stack: Stack, incident_id: str, **changes: Any) -> None:
    with stack.pagerduty() as pd:
        response = pd.put(
            f"/incidents/{incident_id}",
            json={"incident": {"type": "incident_reference", **changes}},
        )
    assert response.status_code == 200, response.text


def incident(stack: Stack, incident_id: str) -> dict[str, Any]:
    with stack.pagerduty() as pd:
        return dict(pd.get(f"/incidents/{incident_id}").json()["incident"])


def issues_of(stack: Stack, incident_id: str) -> list[dict[str, Any]]:
    with stack.jira("admin") as jira:
        found = jira.post(
            "/rest/api/2/search",
            json={
                "jql": f'labels = "pagerduty-{incident_id.lower()}"',
                "fields": ["status", "summary", "priority", "resolution", "comment", "labels"],
            },
        )
    return list(found.json()["issues"])


def the_issue(stack: Stack, incident_id: str) -> dict[str, Any]:
    found = wait_for(lambda: issues_of(stack, incident_id), what=f"the issue of {incident_id}")
    stack.settle()
    found = issues_of(stack, incident_id)
    assert len(found) == 1, found
    return found[0]


def jira_writes(stack: Stack) -> dict[str, int]:
    return writes(stack.requests(stack.jira_url))


def pagerduty_writes(stack: Stack) -> dict[str, int]:
    return writes(stack.requests(stack.pagerduty_url))


def writes(counts: dict[str, int]) -> dict[str, int]:
    """Requests that change something (a JQL search is a POST but reads)."""
    reads = ("GET ", "HEAD ", "POST /rest/api/2/search")
    return {k: v for k, v in counts.items() if not k.startswith(reads)}


def rows(stack: Stack, sql: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        db = Database(stack.settings.database)
        try:
            async with db.read() as conn:
                return [dict(r._mapping) for r in await conn.exec_driver_sql(sql)]
        finally:
            await db.dispose()

    return asyncio.run(read())


def activity(stack: Stack, event_id: int) -> list[str]:
    import json

    found = rows(stack, f"SELECT actions FROM event_attempts WHERE event_id = {event_id}")
    messages: list[str] = []
    for row in found:
        actions = row["actions"]
        for action in json.loads(actions) if isinstance(actions, str) else actions:
            messages.append(str(action["message"]))
    return messages


# -- 1. no direct To Do → Done ---------------------------------------------------------------
NO_SHORTCUT = {
    "no-shortcut": {
        "initial": "To Do",
        "transitions": [
            {"id": 11, "name": "Start", "from": ["To Do"], "to": "In Progress"},
            {
                "id": 21,
                "name": "Finish",
                "from": ["In Progress"],
                "to": "Done",
                "resolution": "done",
            },
            {"id": 31, "name": "Back to To Do", "from": ["In Progress"], "to": "To Do"},
        ],
    }
}


def test_resolve_walks_through_in_progress_when_the_workflow_has_no_direct_transition(
    stack: Stack,
) -> None:
    seed_jira(
        stack,
        workflows=NO_SHORTCUT,
        projects=[
            {
                "key": "NSC",
                "name": "No shortcut",
                "lead": "admin",
                "workflow": "no-shortcut",
                "issueTypes": ["Bug"],
            }
        ],
    )
    set_up(stack, rule("NSC", "NSC", react=[on_event("incident.resolve", DONE, "Done")]))
    incident_id = trigger(stack, "Queue backlog growing")
    issue = the_issue(stack, incident_id)
    assert issue["fields"]["status"]["id"] == TODO

    stack.reset_counts()
    update_incident(stack, incident_id, status="resolved")
    stack.settle()
    issue = the_issue(stack, incident_id)
    assert issue["fields"]["status"]["id"] == DONE
    # Two hops (Start, Finish); the issue's own webhooks bring nothing back to PagerDuty.
    assert jira_writes(stack) == {"POST /rest/api/2/issue/{issueIdOrKey}/transitions": 2}
    assert pagerduty_writes(stack) == {"PUT /incidents/{id}": 1}  # the responder's resolve
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- 2. a transition that cannot happen ------------------------------------------------------
DEAD_END = {
    "dead-end": {
        "initial": "To Do",
        "transitions": [
            {"id": 11, "name": "Start", "from": ["To Do"], "to": "In Progress"},
            {"id": 31, "name": "Back to To Do", "from": ["In Progress"], "to": "To Do"},
        ],
    }
}


def test_an_impossible_transition_is_dead_lettered_once_with_the_reason_on_the_link(
    stack: Stack,
) -> None:
    seed_jira(
        stack,
        workflows=DEAD_END,
        projects=[
            {
                "key": "DED",
                "name": "Dead end",
                "lead": "admin",
                "workflow": "dead-end",
                "issueTypes": ["Bug"],
            }
        ],
    )
    set_up(stack, rule("DED", "DED", react=[on_event("incident.resolve", DONE, "Done")]))
    incident_id = trigger(stack, "Disk full on db-3")
    key = the_issue(stack, incident_id)["key"]

    update_incident(stack, incident_id, status="resolved")
    stack.settle()
    dead = [e for e in stack.events() if e["status"] == "dead"]
    assert len(dead) == 1, stack.events()
    assert dead[0]["attempts"] == 1
    assert dead[0]["reason"] == (
        "DED-1 went from To Do to In Progress, where Jira offers jirasync's user"
        " Back to To Do → To Do: no way to Done (workflow conditions such as 'only the assignee"
        " may start progress' hide transitions); it was moved back to To Do"
    )
    # The side trip is undone: the issue is where the responder left it.
    assert the_issue(stack, incident_id)["fields"]["status"]["id"] == TODO
    [link] = rows(stack, "SELECT issue_key, sync_status, last_error FROM links")
    assert link["issue_key"] == key
    assert link["sync_status"] == "error"
    assert link["last_error"] == dead[0]["reason"]


# -- 3. a transition screen with a required field --------------------------------------------
def test_the_resolution_required_by_resolve_issue_comes_from_the_rule(stack: Stack) -> None:
    resolve = on_event("incident.resolve", RESOLVED, "Resolved")
    set_up(
        stack,
        rule(
            "OPS", "OPS", react=[resolve], jirasync={"transition_fields": {"resolution": "Fixed"}}
        ),
    )
    incident_id = trigger(stack, "Cache stampede")
    assert the_issue(stack, incident_id)["fields"]["status"]["id"] == OPEN

    stack.reset_counts()
    update_incident(stack, incident_id, status="resolved")
    stack.settle()
    issue = the_issue(stack, incident_id)
    assert issue["fields"]["status"]["id"] == RESOLVED
    assert issue["fields"]["resolution"]["name"] == "Fixed"
    # Open → Resolved is one transition ("Resolve Issue", whose screen requires a resolution).
    assert jira_writes(stack) == {"POST /rest/api/2/issue/{issueIdOrKey}/transitions": 1}
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- 4. a custom field required on create ----------------------------------------------------
TEAM = {"id": "customfield_10200", "name": "Team", "type": "select", "options": ["red", "blue"]}


def test_a_required_custom_field_is_filled_from_create_fields(stack: Stack) -> None:
    seed_jira(
        stack,
        custom_fields=[TEAM],
        projects=[
            {
                "key": "TMS",
                "name": "Teams",
                "lead": "admin",
                "workflow": "simplified",
                "issueTypes": ["Bug"],
                "requiredOnCreate": ["Team"],
            }
        ],
    )
    set_up(stack, rule("Teams", "TMS"))
    incident_id = trigger(stack, "Search index stale")
    stack.settle()
    # Without the field: Jira's own message, dead-lettered at once, no issue.
    [dead] = [e for e in stack.events() if e["status"] == "dead"]
    assert dead["attempts"] == 1
    assert "Team is required." in dead["reason"], dead
    assert issues_of(stack, incident_id) == []

    # With it in the rule, a replay of the same event creates the issue (once).
    set_up(stack, rule("Teams", "TMS", jirasync={"create_fields": {TEAM["id"]: {"value": "red"}}}))
    stack.reset_counts()
    replay(stack, dead["id"])
    issue = the_issue(stack, incident_id)
    with stack.jira("admin") as jira:
        fields = jira.get(f"/rest/api/2/issue/{issue['key']}").json()["fields"]
    assert fields[TEAM["id"]]["value"] == "red"
    assert jira_writes(stack)["POST /rest/api/2/issue"] == 1
    assert [e["status"] for e in stack.events() if e["id"] == dead["id"]] == ["done"]


def replay(stack: Stack, event_id: int) -> None:
    from jirasync.engine.queue import replay_event

    async def run() -> bool:
        db = Database(stack.settings.database)
        try:
            return await replay_event(db, event_id)
        finally:
            await db.dispose()

    assert asyncio.run(run())


# -- 5. a priority change alone, both ways ---------------------------------------------------
def test_a_priority_change_alone_syncs_both_ways_without_echo(stack: Stack) -> None:
    tables = {"priority_to_jira": TO_JIRA, "priority_to_pagerduty": TO_PAGERDUTY}
    set_up(stack, rule("Priorities", "SUP", jirasync=tables))
    incident_id = trigger(stack, "Slow checkout", priority="P3")
    issue = the_issue(stack, incident_id)
    assert issue["fields"]["priority"]["name"] == "Medium"

    # PagerDuty P3 → P1: the issue becomes Highest, with one edit and nothing sent back.
    stack.reset_counts()
    update_incident(
        stack, incident_id, priority={"id": PD_PRIORITIES["P1"], "type": "priority_reference"}
    )
    stack.settle()
    assert the_issue(stack, incident_id)["fields"]["priority"]["name"] == "Highest"
    assert jira_writes(stack) == {"PUT /rest/api/2/issue/{issueIdOrKey}": 1}
    assert pagerduty_writes(stack) == {"PUT /incidents/{id}": 1}  # the responder's

    # Jira Highest → Low: the incident becomes P4, with one update and nothing sent back.
    stack.reset_counts()
    with stack.jira("alice") as jira:
        edited = jira.put(
            f"/rest/api/2/issue/{issue['key']}", json={"fields": {"priority": {"name": "Low"}}}
        )
        assert edited.status_code == 204, edited.text
    stack.settle()
    assert incident(stack, incident_id)["priority"]["id"] == PD_PRIORITIES["P4"]
    assert pagerduty_writes(stack) == {"PUT /incidents/{id}": 1}
    assert jira_writes(stack) == {"PUT /rest/api/2/issue/{issueIdOrKey}": 1}  # alice's
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- 6. several rules match one object -------------------------------------------------------
def test_several_rules_matching_one_issue_trigger_one_incident(stack: Stack) -> None:
    by_project = {
        "jql": "project = SUP",
        "on_create": True,
        "on_update": True,
        "target_service": {"id": CHECKOUT, "type": "service_reference"},
    }
    by_priority = {
        "jql": "priority = Highest",
        "on_create": True,
        "on_update": True,
        "target_service": {"id": PAYMENTS, "type": "service_reference"},
    }
    set_up(
        stack,
        rule("All SUP bugs", "SUP", create_on=(), incidents_from_jql=[by_project]),
        rule(
            "Highest SUP bugs",
            "SUP",
            service=PAYMENTS,
            create_on=(),
            incidents_from_jql=[by_priority, by_project],
        ),
    )
    stack.reset_counts()
    with stack.jira("alice") as jira:
        created = jira.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "SUP"},
                    "issuetype": {"id": BUG},
                    "summary": "Card payments declined",
                    "priority": {"name": "Highest"},
                }
            },
        )
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        # Later updates keep matching both rules' JQL (PagerDuty's "on_update" duplicate case).
        for summary in ("Card payments declined (EU)", "Card payments declined (EU, US)"):
            jira.put(f"/rest/api/2/issue/{key}", json={"fields": {"summary": summary}})
    stack.settle()
    with stack.pagerduty() as pd:
        incidents = pd.get("/incidents", params={"date_range": "all"}).json()["incidents"]
    mine = [i for i in incidents if i["title"].startswith(f"[{key}]")]
    assert len(mine) == 1, mine
    assert pagerduty_writes(stack) == {"POST /incidents": 1}
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


def test_several_rules_matching_one_incident_create_one_issue(stack: Stack) -> None:
    set_up(
        stack,
        rule("Checkout to SUP", "SUP"),
        rule("Checkout to OPS", "OPS", create_on=("incident.trigger", "incident.acknowledge")),
    )
    incident_id = trigger(stack, "Checkout 500s")
    issue = the_issue(stack, incident_id)
    update_incident(stack, incident_id, status="acknowledged")
    stack.settle()
    assert [i["key"] for i in issues_of(stack, incident_id)] == [issue["key"]]
    assert issue["key"].startswith("SUP-")
    assert stack.requests(stack.jira_url)["POST /rest/api/2/issue"] == 1


# -- the guide's user mapping: by email, manual pairs, the fallback user, or skipped -----------
DAVE = {
    "name": "dave",
    "displayName": "Dave Contractor",
    "email": "dave@example.com",  # no PagerDuty user has this email
    "password": "dave",
    "groups": ["jira-users", "jira-developers"],
}


def note_authors(stack: Stack, incident_id: str) -> list[tuple[str, str]]:
    with stack.pagerduty() as pd:
        found = pd.get(f"/incidents/{incident_id}/notes").json()["notes"]
    return [(str(n["user"]["summary"]), str(n["content"])) for n in found]


def comment_as(stack: Stack, user: str, key: str, body: str) -> None:
    with stack.jira(user) as jira:
        posted = jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": body})
        assert posted.status_code == 201, posted.text
    stack.settle()


def test_jira_users_act_in_pagerduty_by_email_manual_pair_or_fallback_else_are_skipped(
    stack: Stack,
) -> None:
    seed = default_seed()
    seed["users"] = [*seed["users"], DAVE]
    assert httpx.put(f"{stack.jira_url}/_sim/seed", json=seed).status_code == 200
    set_up(stack, rule("Comments", "SUP"))
    incident_id = trigger(stack, "Login errors")
    key = the_issue(stack, incident_id)["key"]

    # Same email on both sides: the note is alice's own.
    comment_as(stack, "alice", key, "Checking the IdP")
    # No PagerDuty user and no fallback: skipped, and the activity says why.
    stack.reset_counts()
    comment_as(stack, "dave", key, "Seen from the contractor VPN too")
    assert pagerduty_writes(stack) == {}
    [skipped] = [e for e in stack.events() if e["source"] == "jira"][-1:]
    assert skipped["status"] == "ignored", skipped
    reason = "skipped: dave@example.com is not a PagerDuty user and there is no fallback user"
    assert reason in activity(stack, skipped["id"])

    # With a fallback user, dave's comments are posted as that user.
    fallback = {
        "jira": "jira",
        "connection": "pagerduty",
        "jira_user": "bob",
        "remote_user": "bob@example.com",
        "email": "bob@example.com",
        "fallback": True,
    }
    set_up(stack, rule("Comments", "SUP"), user_mappings=[fallback])
    comment_as(stack, "dave", key, "Fixed by rotating the signing key")
    # A manual pair beats the email match: alice acts as carol.
    manual = {
        "jira": "jira",
        "connection": "pagerduty",
        "jira_user": "alice",
        "remote_user": "carol@example.com",
        "email": "carol@example.com",
    }
    set_up(stack, rule("Comments", "SUP"), user_mappings=[fallback, manual])
    comment_as(stack, "alice", key, "Closing the loop")

    assert note_authors(stack, incident_id)[1:] == [
        ("Alice Admin", "[Jira] [Alice Example]: Checking the IdP"),
        ("Bob Responder", "[Jira] [Dave Contractor]: Fixed by rotating the signing key"),
        ("Carol Oncall", "[Jira] [Alice Example]: Closing the loop"),
    ]


# -- comment edits follow on the note --------------------------------------------------------
def test_a_jira_comment_edit_edits_its_note(stack: Stack) -> None:
    set_up(stack, rule("Comments", "SUP"))
    incident_id = trigger(stack, "Webhooks delayed")
    key = the_issue(stack, incident_id)["key"]
    with stack.jira("alice") as jira:
        comment = jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "Queue at 10k"})
    stack.settle()
    before = note_authors(stack, incident_id)

    stack.reset_counts()
    with stack.jira("alice") as jira:
        edited = jira.put(
            f"/rest/api/2/issue/{key}/comment/{comment.json()['id']}",
            json={"body": "Queue at 10k and draining"},
        )
        assert edited.status_code == 200, edited.text
    stack.settle()
    assert pagerduty_writes(stack) == {"PUT /incidents/{id}/notes/{note_id}": 1}
    assert jira_writes(stack) == {"PUT /rest/api/2/issue/{issueIdOrKey}/comment/{id}": 1}
    after = note_authors(stack, incident_id)
    assert before[-1] == ("Alice Admin", "[Jira] [Alice Example]: Queue at 10k")
    assert after == [
        *before[:-1],
        ("Alice Admin", "[Jira] [Alice Example]: Queue at 10k and draining"),
    ]
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


def test_a_transition_hidden_by_a_workflow_condition_fails_with_what_jira_offers(
    stack: Stack,
) -> None:
    # Classic workflow: "Start Progress" is offered to the assignee only, and jirasync's
    # user is not the assignee of the issues it creates.
    set_up(
        stack,
        rule("OPS", "OPS", react=[on_event("incident.acknowledge", IN_PROGRESS, "In Progress")]),
    )
    incident_id = trigger(stack, "Replica lag")
    key = the_issue(stack, incident_id)["key"]
    stack.reset_counts()
    update_incident(stack, incident_id, status="acknowledged")
    stack.settle()
    [dead] = [e for e in stack.events() if e["status"] == "dead"]
    assert dead["attempts"] == 1
    assert dead["reason"] == (
        f"{key} is Open and Jira offers jirasync's user Resolve Issue → Resolved, Close Issue →"
        " Closed: no way to In Progress (workflow conditions such as 'only the assignee may start"
        " progress' hide transitions)"
    )
    [link] = rows(stack, "SELECT sync_status, last_error FROM links")
    assert link == {"sync_status": "error", "last_error": dead["reason"]}
    assert jira_writes(stack) == {}  # nothing was tried that Jira does not offer
    assert the_issue(stack, incident_id)["fields"]["status"]["id"] == OPEN
