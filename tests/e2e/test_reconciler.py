"""The reconciler recovers changes whose webhook was dropped, exactly once, over real HTTP:
the simulators drop deliveries (a `drop_webhook` fault), jirasync polls, the effects happen,
and a second pass writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.e2e.test_pagerduty_walkthrough import (
    guide_rule,
    issue_of,
    issue_type_id,
    setup_document,
    trigger,
)
from typer.testing import CliRunner

from jirasync.cli import app
from jirasync.config import ReconcilerSettings
from jirasync.crypto import SecretBox
from jirasync.devstack import Stack, running_stack, wait_for
from jirasync.engine.inbox import Inbox
from jirasync.store.db import Database
from jirasync.sync.reconciler import Reconciler, Summary
from jirasync.sync.runtime import SyncRuntime

WRITES = ("POST", "PUT", "DELETE")
READS_BY_POST = {"POST /rest/api/2/search"}


def reconcile(stack: Stack) -> Summary:
    """One pass, as the loop inside `serve` runs it, into the same database and inbox."""

    async def run(db: Database, secrets: SecretBox) -> Summary:
        runtime = SyncRuntime(db, secrets)
        try:
            settings = ReconcilerSettings(interval_seconds=1, overlap_seconds=5)
            return await Reconciler(runtime, Inbox(db), settings).reconcile_once()
        finally:
            await runtime.close()

    summary: Summary = asyncio.run(stack._store(run))
    return summary


def cli(stack: Stack, *args: str) -> str:
    env = {
        "JIRASYNC_DATABASE_URL": stack.settings.database,
        "JIRASYNC_DATA_DIR": str(stack.settings.data_dir),
        "JIRASYNC_LOG_LEVEL": "warning",
    }
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def drop_webhooks(url: str) -> None:
    response = httpx.post(f"{url}/_sim/faults", json={"kind": "drop_webhook", "path": "*"})
    assert response.status_code == 201, response.text


def stop_dropping(url: str) -> None:
    httpx.delete(f"{url}/_sim/faults")


def writes(stack: Stack, url: str) -> dict[str, int]:
    counts = stack.requests(url).items()
    return {k: v for k, v in counts if k.split(" ")[0] in WRITES and k not in READS_BY_POST}


def quiet_pass(stack: Stack) -> Summary:
    """A pass that finds nothing missing: it may store polled changes (PagerDuty log entries
    have ids of their own), but they change nothing anywhere."""
    stack.settle()
    stack.reset_counts()
    summary = reconcile(stack)
    stack.settle()
    assert writes(stack, stack.pagerduty_url) == {}, [
        (e["id"], e["status"], e["reason"], e["ordering_key"]) for e in stack.events()
    ]
    assert writes(stack, stack.jira_url) == {}
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()
    return summary


def linked_incident(stack: Stack) -> tuple[dict[str, Any], str]:
    stack.apply(setup_document(stack, guide_rule(stack)))
    stack.check(fix=True)
    # The seeded incident on the rule's service was triggered before the connection existed:
    # that is backfill's business, so the first pass leaves it alone.
    first = reconcile(stack)
    assert not first.stored and not first.errors, first
    stack.settle()
    incident = trigger(stack, "Checkout latency over 2 s")
    issue = wait_for(lambda: issue_of(stack, incident["id"]), what="the issue of the incident")
    stack.settle()
    return incident, str(issue["key"])


def pd_notes(stack: Stack, incident_id: str) -> list[str]:
    with stack.pagerduty() as pd:
        notes = pd.get(f"/incidents/{incident_id}/notes").json()["notes"]
    return [n["content"] for n in notes]


def resolve_in_jira(stack: Stack, key: str) -> None:
    with stack.jira("alice") as jira:
        transitions = jira.get(f"/rest/api/2/issue/{key}/transitions").json()["transitions"]
        done = next(t for t in transitions if t["to"]["statusCategory"]["key"] == "done")
        answer = jira.post(
            f"/rest/api/2/issue/{key}/transitions", json={"transition": {"id": done["id"]}}
        )
        assert answer.status_code == 204, answer.text


def test_dropped_jira_webhooks_are_recovered_once(stack: Stack) -> None:
    incident, key = linked_incident(stack)
    quiet_pass(stack)  # everything so far arrived by webhook
    with stack.jira("alice") as jira:
        comment = jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "Looking into it"})
        assert comment.status_code == 201, comment.text
    stack.settle()  # this one arrives

    drop_webhooks(stack.jira_url)
    with stack.jira("alice") as jira:
        comment = jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "Fixed the pool"})
        assert comment.status_code == 201, comment.text
    resolve_in_jira(stack, key)
    stack.settle()
    stop_dropping(stack.jira_url)
    with stack.pagerduty() as pd:
        assert pd.get(f"/incidents/{incident['id']}").json()["incident"]["status"] != "resolved"
    assert "[Jira] [Alice Example]: Fixed the pool" not in pd_notes(stack, incident["id"])

    first = reconcile(stack)
    assert first.stored.get(f"jira:{stack.connections['jira']}") == 2, first  # comment, status
    stack.settle()
    with stack.pagerduty() as pd:
        assert pd.get(f"/incidents/{incident['id']}").json()["incident"]["status"] == "resolved"
    notes = pd_notes(stack, incident["id"])
    assert notes.count("[Jira] [Alice Example]: Fixed the pool") == 1, notes
    assert notes.count("[Jira] [Alice Example]: Looking into it") == 1, notes

    again = quiet_pass(stack)
    assert f"jira:{stack.connections['jira']}" not in again.stored, again


def issue_status_and_comments(stack: Stack, incident_id: str) -> tuple[str, list[str]]:
    fields = (issue_of(stack, incident_id) or {})["fields"]
    return fields["status"]["name"], [c["body"] for c in fields["comment"]["comments"]]


def add_note(stack: Stack, incident_id: str, content: str) -> None:
    with stack.pagerduty() as pd:
        answer = pd.post(f"/incidents/{incident_id}/notes", json={"note": {"content": content}})
        assert answer.status_code in (200, 201), answer.text


def test_dropped_pagerduty_webhooks_are_recovered_once(stack: Stack) -> None:
    incident, _ = linked_incident(stack)
    add_note(stack, incident["id"], "Paged the database team")  # this one arrives
    stack.settle()

    drop_webhooks(stack.pagerduty_url)
    set_status(stack, incident["id"], "acknowledged")
    add_note(stack, incident["id"], "Rolled back the deploy")
    stack.settle()
    stop_dropping(stack.pagerduty_url)
    status, comments = issue_status_and_comments(stack, incident["id"])
    assert status != "In Progress"
    assert comments == ["PagerDuty [Alice Admin]: Paged the database team"]

    reconcile(stack)
    stack.settle()
    status, comments = issue_status_and_comments(stack, incident["id"])
    assert status == "In Progress"
    # The note that did arrive is not mirrored twice; the dropped one is mirrored once.
    assert comments == [
        "PagerDuty [Alice Admin]: Paged the database team",
        "PagerDuty [Alice Admin]: Rolled back the deploy",
    ]
    assert quiet_pass(stack).stored == {}  # changes that arrived by webhook are recognised


def test_a_missed_status_change_superseded_by_one_that_arrived_is_not_applied(
    stack: Stack,
) -> None:
    incident, _ = linked_incident(stack)
    drop_webhooks(stack.pagerduty_url)
    set_status(stack, incident["id"], "acknowledged")
    stack.settle()
    stop_dropping(stack.pagerduty_url)
    set_status(stack, incident["id"], "resolved")  # arrives; the rule has no reaction to it
    stack.settle()

    reconcile(stack)
    stack.settle()
    status, _ = issue_status_and_comments(stack, incident["id"])
    assert status != "In Progress"  # the incident is resolved: acknowledging now would regress


def set_status(stack: Stack, incident_id: str, status: str) -> None:
    with stack.pagerduty() as pd:
        answer = pd.put(
            f"/incidents/{incident_id}",
            json={"incident": {"type": "incident_reference", "status": status}},
        )
        assert answer.status_code == 200, answer.text


def test_replay_command_requeues_a_dead_event(stack: Stack) -> None:
    stack.apply(setup_document(stack, guide_rule(stack)))
    stack.check(fix=True)
    fault = {
        "kind": "response",
        "method": "POST",
        "path": "/rest/api/2/issue",
        "status": 400,
        "body": {"errorMessages": ["Issue creation is switched off"], "errors": {}},
    }
    assert httpx.post(f"{stack.jira_url}/_sim/faults", json=fault).status_code == 201
    incident = trigger(stack, "Queue consumers stalled")
    stack.settle()
    dead = [e for e in stack.events() if e["status"] == "dead"]
    assert len(dead) == 1 and "switched off" in dead[0]["reason"], stack.events()
    assert issue_of(stack, incident["id"]) is None

    stop_dropping(stack.jira_url)  # clears the fault: Jira accepts issues again
    assert "1 dead event(s) queued again" in cli(
        stack, "replay", "--dead", "--connection", "pagerduty"
    )
    stack.settle()
    assert issue_of(stack, incident["id"]) is not None
    assert [e["status"] for e in stack.events() if e["id"] == dead[0]["id"]] == ["done"]
    assert "queued again" in cli(stack, "replay", str(dead[0]["id"]))
    stack.settle()
    assert len(pd_notes(stack, incident["id"])) == 1  # replaying a done event links nothing twice


def hackerone_document(stack: Stack) -> dict[str, Any]:
    bug = issue_type_id(stack, "SUP", "Bug")
    return {
        "connections": [
            {
                "name": "jira",
                "kind": "jira",
                "base_url": stack.jira_url,
                "credentials": {"auth": "basic", "username": "admin", "password": "admin"},
            },
            {
                "name": "hackerone",
                "kind": "hackerone",
                "base_url": stack.hackerone_url,
                "credentials": {
                    "identifier": "jirasync-sim",
                    "token": "h1-sim-token-0123456789abcdef",
                    "webhook_secret": "h1-sim-webhook-secret",
                },
                "options": {"program": "acme"},
            },
        ],
        "rules": {
            "hackerone": [
                {
                    "connection": "hackerone",
                    "jira": "jira",
                    "escalation": {
                        "name": "acme → SUP",
                        "program": "acme",
                        "project_key": "SUP",
                        "issue_type_id": bug,
                        "auto": {"on_states": ["new"]},
                    },
                }
            ]
        },
    }


def jira_comments(stack: Stack, report_id: str) -> list[str]:
    with stack.jira("admin") as jira:
        found = jira.post(
            "/rest/api/2/search",
            json={"jql": 'project = SUP AND summary ~ "Stored XSS"', "fields": ["comment"]},
        ).json()["issues"]
    assert len(found) == 1, (report_id, found)
    return [c["body"] for c in found[0]["fields"]["comment"]["comments"]]


def test_dropped_hackerone_comment_is_recovered_once(stack: Stack) -> None:
    stack.apply(hackerone_document(stack))
    stack.check(fix=True)
    hook = {"url": f"{stack.jirasync_url}/webhooks/hackerone/{stack.connections['hackerone']}"}
    with stack.hackerone() as h1:
        put = h1.put("/_sim/programs/acme/webhooks", json={"webhooks": [{**hook, "events": "all"}]})
        assert put.status_code == 200, put.text
        report = h1.post(
            "/_sim/programs/acme/reports",
            json={"reporter": "demo-hacker", "title": "Stored XSS in the profile page"},
        )
        assert report.status_code in (200, 201), report.text
    report_id = str(report.json().get("id") or report.json()["data"]["id"])
    stack.settle()
    first = reconcile(stack)  # the first pass sets the cursor
    assert f"hackerone:{stack.connections['hackerone']}" not in first.stored  # all arrived
    stack.settle()
    before = jira_comments(stack, report_id)

    drop = {"kind": "drop_webhook", "path": "report_comment_created", "count": 1}
    assert httpx.post(f"{stack.hackerone_url}/_sim/faults", json=drop).status_code == 201
    with stack.hackerone() as h1:
        comment = h1.post(
            f"/_sim/reports/{report_id}/comments", json={"message": "Also works in the bio field"}
        )
        assert comment.status_code in (200, 201), comment.text
    stack.settle()
    assert jira_comments(stack, report_id) == before

    recovered = reconcile(stack)
    assert recovered.stored.get(f"hackerone:{stack.connections['hackerone']}") == 1, recovered
    stack.settle()
    after = jira_comments(stack, report_id)
    assert len(after) == len(before) + 1
    assert "Also works in the bio field" in after[-1]
    assert quiet_pass(stack).stored == {}
    assert jira_comments(stack, report_id) == after


@pytest.fixture
def polling_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A stack whose jirasync polls every 0.3 s (the setting comes from the environment)."""
    monkeypatch.setenv("JIRASYNC_RECONCILER__INTERVAL_SECONDS", "0.3")
    with running_stack(tmp_path) as running:
        yield running


def test_serve_runs_the_reconciler_loop(polling_stack: Stack) -> None:
    stack = polling_stack
    incident, key = linked_incident(stack)
    drop_webhooks(stack.jira_url)
    resolve_in_jira(stack, key)

    def resolved() -> bool:
        with stack.pagerduty() as pd:
            found = pd.get(f"/incidents/{incident['id']}").json()["incident"]
        return bool(found["status"] == "resolved")

    wait_for(resolved, timeout=10, what="the loop to recover the dropped resolve")
