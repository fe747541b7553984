"""DESIGN.md's invariants for PagerDuty ⇄ Jira, end to end on real sockets: redelivered webhooks
(by the sender, and after jirasync answered 5xx), a create interrupted before its link is
written, 429/5xx storms on both remotes, and no echo. Effects are checked on the simulators'
state and their request counters, never on jirasync's own account of what it did."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from jirasync import devstack
from jirasync.config import RetrySettings
from jirasync.devstack import PD_FROM, Stack, running_stack, wait_for
from jirasync.store.db import Database

CHECKOUT = "PSVC001"
BUG = "1"
IN_PROGRESS, DONE = "3", "10001"  # simplified workflow (project SUP)


# -- set-up ----------------------------------------------------------------------------------
def sup_rule(**jirasync: Any) -> dict[str, Any]:
    """Checkout incidents ⇄ SUP bugs: create on trigger, ack → In Progress, resolve → Done,
    comments both ways, issue Done → incident resolved."""

    def move(event: str, status_id: str, label: str) -> dict[str, Any]:
        return {
            "condition": {"pd_events": [event]},
            "actions": [{"key": "jira_change_status"}],
            "actions_params": {"jira_change_status": {"id": status_id, "label": label}},
        }

    config: dict[str, Any] = {
        "sync_comments": True,
        "services": [{"id": CHECKOUT, "type": "service_reference"}],
        "projects": [{"key": "SUP"}],
        "issue_types": [{"id": BUG}],
        "autocreate_issues": True,
        "autocreate_issues_config": [{"condition": {"pd_events": ["incident.trigger"]}}],
        "react_on_incident_event": True,
        "react_on_incident_event_config": [
            move("incident.acknowledge", IN_PROGRESS, "In Progress"),
            move("incident.resolve", DONE, "Done"),
        ],
        "react_on_issue_status_change": True,
        "react_on_issue_status_change_config": [
            {"jira_status_categories": ["done"], "actions": [{"key": "pd_resolve"}]}
        ],
    }
    if jirasync:
        config["jirasync"] = jirasync
    return {"name": "Checkout ⇄ SUP", "enabled": True, "config": config}


def set_up(
    stack: Stack, rule: dict[str, Any], user_mappings: Sequence[dict[str, Any]] = ()
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
            "rules": {"pagerduty": [{"connection": "pagerduty", "jira": "jira", "rule": rule}]},
            "user_mappings": list(user_mappings),
        }
    )
    assert all(r.healthy for r in stack.check(fix=True))


# -- people acting (retrying what a fault refused: a refused request changed nothing) ---------
def call(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    for _ in range(50):
        response = client.request(method, url, **kw)
        if response.status_code != 429 and response.status_code < 500:
            return response
        time.sleep(0.02)
    raise AssertionError(f"{method} {url} kept failing: {response.status_code}")


def trigger(stack: Stack, title: str) -> str:
    body = {
        "incident": {
            "type": "incident",
            "title": title,
            "service": {"id": CHECKOUT, "type": "service_reference"},
        }
    }
    with stack.pagerduty() as pd:
        response = call(pd, "POST", "/incidents", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["incident"]["id"])


def set_status(stack: Stack, incident_id: str, status: str) -> None:
    with stack.pagerduty() as pd:
        body = {"incident": {"type": "incident_reference", "status": status}}
        response = call(pd, "PUT", f"/incidents/{incident_id}", json=body)
    assert response.status_code == 200, response.text


def add_note(stack: Stack, incident_id: str, content: str) -> None:
    with stack.pagerduty() as pd:
        body = {"note": {"content": content}}
        response = call(pd, "POST", f"/incidents/{incident_id}/notes", json=body)
    assert response.status_code in (200, 201), response.text


def notes(stack: Stack, incident_id: str) -> list[str]:
    with stack.pagerduty() as pd:
        found = call(pd, "GET", f"/incidents/{incident_id}/notes").json()["notes"]
    return [str(n["content"]) for n in found]


def issues_of(stack: Stack, incident_id: str) -> list[dict[str, Any]]:
    with stack.jira("admin") as jira:
        found = call(
            jira,
            "POST",
            "/rest/api/2/search",
            json={
                "jql": f'labels = "pagerduty-{incident_id.lower()}"',
                "fields": ["status", "summary", "comment"],
            },
        )
    return list(found.json()["issues"])


def the_issue(stack: Stack, incident_id: str) -> dict[str, Any]:
    wait_for(lambda: issues_of(stack, incident_id), what=f"the issue of {incident_id}")
    stack.settle()
    found = issues_of(stack, incident_id)
    assert len(found) == 1, [i["key"] for i in found]
    return found[0]


def comments(issue: dict[str, Any]) -> list[str]:
    return [str(c["body"]) for c in issue["fields"]["comment"]["comments"]]


def remote_links(stack: Stack, key: str) -> list[str]:
    with stack.jira("admin") as jira:
        found = call(jira, "GET", f"/rest/api/2/issue/{key}/remotelink").json()
    return [str(link["object"]["url"]) for link in found]


def writes(counts: dict[str, int]) -> dict[str, int]:
    """Requests that change something (a JQL search is a POST but reads)."""
    reads = ("GET ", "HEAD ", "POST /rest/api/2/search")
    return {k: v for k, v in counts.items() if not k.startswith(reads)}


def deliveries(url: str, event: str) -> list[dict[str, Any]]:
    log = httpx.get(f"{url}/_sim/webhooks", params={"event": event}).json()
    return list(log["deliveries"])


def redeliver(delivery: dict[str, Any]) -> httpx.Response:
    """Post a logged webhook again, byte for byte, with its original headers (signature too)."""
    headers = {k: v for k, v in delivery["headers"].items() if k.lower() != "content-length"}
    return httpx.post(delivery["url"], content=delivery["body"].encode(), headers=headers)


def rows(stack: Stack, sql: str) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        db = Database(stack.settings.database)
        try:
            async with db.read() as conn:
                return [dict(r._mapping) for r in await conn.exec_driver_sql(sql)]
        finally:
            await db.dispose()

    return asyncio.run(read())


def all_finished(stack: Stack) -> None:
    assert all(e["status"] in ("done", "ignored") for e in stack.events()), stack.events()


# -- 7. duplicate deliveries -----------------------------------------------------------------
def test_redelivered_webhooks_make_one_issue_and_one_comment_each_way(stack: Stack) -> None:
    set_up(stack, sup_rule())
    incident_id = trigger(stack, "Checkout timeouts")
    key = the_issue(stack, incident_id)["key"]
    add_note(stack, incident_id, "Restarted the pods")
    stack.settle()
    with stack.jira("alice") as jira:
        posted = jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "Looks better"})
        assert posted.status_code == 201, posted.text
    stack.settle()

    # PagerDuty at-least-once: the trigger and the note arrive again (same X-Webhook-Id);
    # Jira Server has no delivery id: its comment webhook arrives again, byte for byte.
    stack.reset_counts()
    again = [
        *deliveries(stack.pagerduty_url, "incident.triggered"),
        *deliveries(stack.pagerduty_url, "incident.annotated"),
        *[d for d in deliveries(stack.jira_url, "comment_created") if "Looks better" in d["body"]],
    ]
    # The trigger; three notes (jirasync's link note, the responder's, the comment's twin);
    # the comment.
    assert len(again) == 5
    for delivery in again:
        answer = redeliver(delivery)
        assert answer.status_code == 202, answer.text
        assert answer.json()["duplicate"] is True
    stack.settle()
    assert writes(stack.requests(stack.jira_url)) == {}
    assert writes(stack.requests(stack.pagerduty_url)) == {}
    issue = the_issue(stack, incident_id)
    assert comments(issue) == ["PagerDuty [Alice Admin]: Restarted the pods", "Looks better"]
    assert notes(stack, incident_id).count("[Jira] [Alice Example]: Looks better") == 1
    all_finished(stack)


def test_a_webhook_redelivered_after_jirasync_answered_5xx_is_applied_once(
    stack: Stack,
) -> None:
    set_up(stack, sup_rule())
    inbox = stack.service.inbox
    stored_then_failed: list[int] = []
    receive = inbox.receive

    async def store_then_fail(**kw: Any) -> Any:
        received = await receive(**kw)
        if kw["source"] == "pagerduty" and not stored_then_failed:
            stored_then_failed.append(received.event_id)
            raise RuntimeError("the answer is lost after the event was stored")
        return received

    inbox.receive = store_then_fail  # type: ignore[method-assign]
    incident_id = trigger(stack, "Stored, then the answer was lost")
    the_issue(stack, incident_id)
    [delivery] = deliveries(stack.pagerduty_url, "incident.triggered")
    assert [a["status"] for a in delivery["attempts"]] == [503, 202]
    [event] = rows(
        stack, f"SELECT status, duplicates FROM inbox_events WHERE id = {stored_then_failed[0]}"
    )
    assert event == {"status": "done", "duplicates": 1}
    assert stack.requests(stack.jira_url)["POST /rest/api/2/issue"] == 1
    all_finished(stack)


# -- 8. a create interrupted before its link is written --------------------------------------
def test_a_create_interrupted_after_jira_answered_is_found_by_its_marker(stack: Stack) -> None:
    set_up(stack, sup_rule())
    # The issue is created, then the next call fails: the attempt ends before everything
    # that follows the create (remote link, note, link row) and the event is retried.
    fault = {"method": "POST", "path": "/rest/api/2/issue/{issueIdOrKey}/remotelink"}
    httpx.post(f"{stack.jira_url}/_sim/faults", json={**fault, "status": 500, "count": 1})
    incident_id = trigger(stack, "Interrupted create")
    issue = the_issue(stack, incident_id)
    counts = stack.requests(stack.jira_url)
    assert counts["POST /rest/api/2/issue"] == 1
    assert counts["POST /rest/api/2/issue/{issueIdOrKey}/remotelink"] == 2
    # Everything the create owes is there, once.
    [pd_event] = [e for e in stack.events() if e["source"] == "pagerduty"][:1]
    assert pd_event["attempts"] == 2 and pd_event["status"] == "done", stack.events()
    assert len(remote_links(stack, issue["key"])) == 1
    link_note = f"Jira issue {issue['key']}: {stack.jira_url}/browse/{issue['key']}"
    assert notes(stack, incident_id) == [link_note]
    all_finished(stack)


def test_a_crash_between_the_create_and_the_link_row_leaves_one_issue(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker dies right after Jira created the issue, before anything else is recorded."""
    from jirasync.sync.links import Links

    set_up(stack, sup_rule())
    done = Links.intent_done
    crashed: list[str] = []

    async def crash_once(self: Links, marker: str, remote_id: str) -> None:
        if not crashed:
            crashed.append(remote_id)
            raise ConnectionError("worker killed")
        await done(self, marker, remote_id)

    monkeypatch.setattr(Links, "intent_done", crash_once)
    incident_id = trigger(stack, "Crash after create")
    issue = the_issue(stack, incident_id)
    assert crashed == [issue["key"]]
    assert stack.requests(stack.jira_url)["POST /rest/api/2/issue"] == 1
    assert len(remote_links(stack, issue["key"])) == 1
    assert len(notes(stack, incident_id)) == 1
    all_finished(stack)


@pytest.fixture
def stack_without_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """jirasync's web app stores webhooks; `jirasync worker` processes (started by the test)
    handle them, with short leases so a killed worker's event is taken over quickly."""
    from jirasync.config import WorkerSettings
    from jirasync.web.app import create_app

    make = devstack.stack_settings

    def settings(path: Path) -> Any:
        worker = WorkerSettings(concurrency=4, lease_seconds=2, poll_interval_seconds=0.05)
        return make(path).model_copy(update={"worker": worker})

    monkeypatch.setattr(devstack, "stack_settings", settings)
    monkeypatch.setattr(devstack, "jirasync_app", lambda s: create_app(s, run_worker=False))
    with running_stack(tmp_path) as running:
        yield running


def start_worker(stack: Stack) -> subprocess.Popen[str]:
    settings = stack.settings
    env = {
        **os.environ,
        "JIRASYNC_DATABASE_URL": settings.database_url.get_secret_value(),
        "JIRASYNC_DATA_DIR": str(settings.data_dir),
        "JIRASYNC_LOG_LEVEL": "warning",
        "JIRASYNC_WORKER__LEASE_SECONDS": str(settings.worker.lease_seconds),
        "JIRASYNC_WORKER__POLL_INTERVAL_SECONDS": "0.05",
        "JIRASYNC_RETRY__BACKOFF_BASE_SECONDS": "0.05",
    }
    argv = [sys.executable, "-m", "jirasync", "worker", "--concurrency", "4"]
    return subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def test_a_worker_process_killed_after_the_create_leaves_one_issue(
    stack_without_worker: Stack,
) -> None:
    stack = stack_without_worker
    set_up(stack, sup_rule())
    # The call after the create hangs, so the worker is surely between create and link row.
    slow = {"kind": "latency", "latency_ms": 8000, "count": 1}
    slow |= {"method": "POST", "path": "/rest/api/2/issue/{issueIdOrKey}/remotelink"}
    httpx.post(f"{stack.jira_url}/_sim/faults", json=slow)
    first = start_worker(stack)
    try:
        incident_id = trigger(stack, "Killed mid-create")
        wait_for(
            lambda: stack.requests(stack.jira_url).get(
                "POST /rest/api/2/issue/{issueIdOrKey}/remotelink"
            ),
            timeout=30,
            what="the worker to be inside the call after the create",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert rows(stack, "SELECT count(*) AS n FROM links") == [{"n": 0}]
    finally:
        if first.poll() is None:
            first.kill()
    second = start_worker(stack)
    try:
        issue = the_issue(stack, incident_id)
        wait_for(lambda: rows(stack, "SELECT count(*) AS n FROM links") == [{"n": 1}])
        stack.settle()
    finally:
        second.send_signal(signal.SIGTERM)
        _, errors = second.communicate(timeout=20)
    assert stack.requests(stack.jira_url)["POST /rest/api/2/issue"] == 1
    assert len(remote_links(stack, issue["key"])) == 1
    assert len(notes(stack, incident_id)) == 1
    [event] = [e for e in stack.events() if e["source"] == "pagerduty"][:1]
    assert event["status"] == "done" and event["attempts"] == 2, (event, errors)


# -- 9. 429 storms and 5xx on both sides -----------------------------------------------------
@pytest.fixture
def patient_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stack]:
    """A stack whose engine retries long enough to outlast the storm."""
    make = devstack.stack_settings

    def settings(path: Path) -> Any:
        base = make(path)
        retry = RetrySettings(max_attempts=30, backoff_base_seconds=0.05, backoff_max_seconds=0.3)
        return base.model_copy(update={"retry": retry})

    monkeypatch.setattr(devstack, "stack_settings", settings)
    with running_stack(tmp_path) as running:
        yield running


STORM = 20


def test_every_effect_is_applied_once_through_429_and_5xx_storms(patient_stack: Stack) -> None:
    stack = patient_stack
    set_up(stack, sup_rule())
    for url in (stack.jira_url, stack.pagerduty_url):
        storm = [
            {"path": "*", "status": 429, "headers": {"Retry-After": "1"}, "probability": 0.05},
            {"path": "*", "status": 503, "headers": {"Retry-After": "0"}, "probability": 0.05},
            {"path": "*", "status": 500, "probability": 0.1},
            {"path": "*", "status": 502, "probability": 0.05},
        ]
        assert httpx.post(f"{url}/_sim/faults", json=storm).status_code == 201

    def lifecycle(n: int) -> str:
        incident_id = trigger(stack, f"Storm incident {n}")
        wait_for(lambda: issues_of(stack, incident_id), timeout=60, what=f"issue {n}")
        set_status(stack, incident_id, "acknowledged")
        add_note(stack, incident_id, f"Note {n}")
        key = wait_for(lambda: linked_key(stack, incident_id), timeout=60, what=f"link {n}")
        with stack.jira("alice") as jira:
            body = {"body": f"Comment {n}"}
            assert call(jira, "POST", f"/rest/api/2/issue/{key}/comment", json=body).is_success
        set_status(stack, incident_id, "resolved")
        return incident_id

    with ThreadPoolExecutor(4) as pool:
        incident_ids = list(pool.map(lifecycle, range(STORM)))
    stack.settle(timeout=120)
    for url in (stack.jira_url, stack.pagerduty_url):
        httpx.delete(f"{url}/_sim/faults")
    fired = sum(1 for e in stack.events() if e["attempts"] > 1)

    keys = set()
    for n, incident_id in enumerate(incident_ids):
        issue = the_issue(stack, incident_id)
        keys.add(issue["key"])
        assert issue["fields"]["status"]["id"] == DONE, (n, issue["fields"]["status"])
        assert sorted(comments(issue)) == [
            f"Comment {n}",
            f"PagerDuty [Alice Admin]: Note {n}",
        ], issue["key"]
        assert len(remote_links(stack, issue["key"])) == 1, issue["key"]
        link_note = f"Jira issue {issue['key']}: {stack.jira_url}/browse/{issue['key']}"
        expected = [link_note, f"Note {n}", f"[Jira] [Alice Example]: Comment {n}"]
        assert sorted(notes(stack, incident_id)) == sorted(expected)
    assert len(keys) == STORM
    with stack.jira("admin") as jira:
        total = jira.post("/rest/api/2/search", json={"jql": "project = SUP", "maxResults": 0})
    assert total.json()["total"] == STORM + 2  # and the seed's two
    all_finished(stack)
    assert fired > 0  # the storm did hit jirasync's calls


def linked_key(stack: Stack, incident_id: str) -> str | None:
    """The issue key once jirasync has linked it (a comment before that has no incident)."""
    found = rows(stack, f"SELECT issue_key FROM links WHERE source_id = '{incident_id}'")
    return str(found[0]["issue_key"]) if found else None


# -- 10. no echo -----------------------------------------------------------------------------
def writes_during(stack: Stack, change: Any, quiet_s: float = 0.5) -> tuple[dict, dict]:
    """Writes on Jira and PagerDuty from `change` until nothing moves (plus a quiet period)."""
    stack.settle()
    stack.reset_counts()
    change()
    stack.settle()
    time.sleep(quiet_s)
    stack.settle()
    return writes(stack.requests(stack.jira_url)), writes(stack.requests(stack.pagerduty_url))


def test_no_change_comes_back_as_an_echo(stack: Stack) -> None:
    set_up(stack, sup_rule())
    incident_id = trigger(stack, "Echo chamber")
    key = the_issue(stack, incident_id)["key"]

    # A Jira comment → one note; the note's webhook writes nothing to Jira.
    def comment() -> None:
        with stack.jira("alice") as jira:
            jira.post(f"/rest/api/2/issue/{key}/comment", json={"body": "Investigating"})

    jira_w, pd_w = writes_during(stack, comment)
    assert jira_w == {"POST /rest/api/2/issue/{issueIdOrKey}/comment": 1}  # alice's
    assert pd_w == {"POST /incidents/{id}/notes": 1}

    # A note → one comment; the comment's webhook writes nothing to PagerDuty.
    jira_w, pd_w = writes_during(stack, lambda: add_note(stack, incident_id, "Found it"))
    assert jira_w == {"POST /rest/api/2/issue/{issueIdOrKey}/comment": 1}
    assert pd_w == {"POST /incidents/{id}/notes": 1}  # the responder's

    # Acknowledge → one transition; the issue's webhook writes nothing to PagerDuty.
    jira_w, pd_w = writes_during(stack, lambda: set_status(stack, incident_id, "acknowledged"))
    assert jira_w == {"POST /rest/api/2/issue/{issueIdOrKey}/transitions": 1}
    assert pd_w == {"PUT /incidents/{id}": 1}  # the responder's

    # Done in Jira → the incident is resolved once; its webhook moves nothing in Jira.
    def done() -> None:
        with stack.jira("alice") as jira:
            moved = jira.post(
                f"/rest/api/2/issue/{key}/transitions", json={"transition": {"id": "31"}}
            )
            assert moved.status_code == 204, moved.text

    jira_w, pd_w = writes_during(stack, done)
    assert jira_w == {"POST /rest/api/2/issue/{issueIdOrKey}/transitions": 1}  # alice's
    assert pd_w == {"PUT /incidents/{id}": 1}
    # alice was looked up in PagerDuty for her comment already: this costs one call in all.
    assert stack.requests(stack.pagerduty_url) == {"PUT /incidents/{id}": 1}
    with stack.pagerduty() as pd:
        assert pd.get(f"/incidents/{incident_id}").json()["incident"]["status"] == "resolved"
    all_finished(stack)


def test_a_state_the_other_side_is_already_in_is_not_written_again(stack: Stack) -> None:
    """Resolved in PagerDuty → Done in Jira; reopened and done again in Jira: the incident is
    resolved already, so nothing is sent (PagerDuty would refuse a second resolve). And the
    other way: an issue someone already moved to In Progress is not moved on acknowledge."""
    set_up(stack, sup_rule())
    incident_id = trigger(stack, "Resolved twice")
    key = the_issue(stack, incident_id)["key"]

    def start_in_jira() -> None:
        with stack.jira("alice") as jira:
            body = {"transition": {"id": "21"}}
            moved = jira.post(f"/rest/api/2/issue/{key}/transitions", json=body)
            assert moved.status_code == 204, moved.text

    writes_during(stack, start_in_jira)
    jira_w, _ = writes_during(stack, lambda: set_status(stack, incident_id, "acknowledged"))
    assert jira_w == {}
    set_status(stack, incident_id, "resolved")
    stack.settle()
    assert the_issue(stack, incident_id)["fields"]["status"]["id"] == DONE

    def reopen_and_finish() -> None:
        with stack.jira("alice") as jira:
            for transition in ("11", "31"):  # To Do, then Done again
                moved = jira.post(
                    f"/rest/api/2/issue/{key}/transitions",
                    json={"transition": {"id": transition}},
                )
                assert moved.status_code == 204, moved.text

    _, pd_w = writes_during(stack, reopen_and_finish)
    assert pd_w == {}
    all_finished(stack)
