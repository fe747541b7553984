"""What the PostgreSQL soak found, pinned down: a worker that dies after a mirrored comment or
note was created remotely, but before its twin was recorded (`Links.mirror`), leaves an event
that is retried; the retry must not post the comment or note a second time. Like issues
(DESIGN.md invariant 2), a mirrored comment or note has a create intent: a retry looks for
the twin before posting it. The crash is simulated as in tests/e2e/test_invariants.py (the record step
raises once), since a real SIGKILL cannot be aimed at that instant."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from tests.e2e.test_invariants import (
    add_note,
    comments,
    issues_of,
    notes,
    set_up,
    sup_rule,
    the_issue,
    trigger,
)
from tests.soak.soak import comment

from jirasync.devstack import Stack, wait_for
from jirasync.sync.links import Links


def crash_once_after_the_create(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    record = Links.mirror
    crashed: list[str] = []

    async def crash_once(self: Links, *args: Any) -> None:
        if not crashed:
            crashed.append(str(args))
            raise ConnectionError("worker killed")
        await record(self, *args)

    monkeypatch.setattr(Links, "mirror", crash_once)
    return crashed


def test_a_note_mirrored_when_the_worker_died_is_one_comment(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(stack, sup_rule())
    incident_id = trigger(stack, "Crash after the comment")
    the_issue(stack, incident_id)
    crashed = crash_once_after_the_create(monkeypatch)
    add_note(stack, incident_id, "Rolled back")
    stack.settle()
    assert crashed
    assert comments(the_issue(stack, incident_id)) == ["PagerDuty [Alice Admin]: Rolled back"]


def test_a_comment_mirrored_when_the_worker_died_is_one_note(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_up(stack, sup_rule())
    incident_id = trigger(stack, "Crash after the note")
    key = the_issue(stack, incident_id)["key"]
    crashed = crash_once_after_the_create(monkeypatch)
    comment(stack, key, "Looking")
    stack.settle()
    assert crashed
    assert notes(stack, incident_id).count("[Jira] [Alice Example]: Looking") == 1


def test_a_comment_made_before_the_link_is_written_reaches_the_incident(stack: Stack) -> None:
    """Found by the bench soak: a person comments on the new issue while jirasync is still
    between the create and the link row (here its remote link call is slow); the comment's
    webhook finds no link. It waits for the link instead of being dropped as a change to an
    unlinked issue."""
    set_up(stack, sup_rule())
    slow = {"kind": "latency", "latency_ms": 2000, "count": 1}
    slow |= {"method": "POST", "path": "/rest/api/2/issue/{issueIdOrKey}/remotelink"}
    httpx.post(f"{stack.jira_url}/_sim/faults", json=slow)
    incident_id = trigger(stack, "Commented at once")
    [issue] = wait_for(lambda: issues_of(stack, incident_id), what="the new issue")
    assert rows_of_links(stack) == 0, "the link was written before the comment: no test"
    comment(stack, issue["key"], "Seen it")
    wait_for(lambda: "[Jira] [Alice Example]: Seen it" in notes(stack, incident_id), timeout=30)
    stack.settle()
    assert notes(stack, incident_id).count("[Jira] [Alice Example]: Seen it") == 1


def rows_of_links(stack: Stack) -> int:
    async def count(db: Any, _: Any) -> int:
        async with db.read() as conn:
            return int((await conn.exec_driver_sql("SELECT count(*) FROM links")).scalar_one())

    return int(asyncio.run(stack._store(count)))
