"""A person's "Create Jira issue" racing the sync's own create of the same incident ends with one
issue: while one attempt is between its create intent and its link, another attempt waits for
the link instead of searching, finding nothing yet, and creating a second issue."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
from tests.e2e.test_pagerduty_faq import (
    issues_of,
    rows,
    rule,
    set_up,
    trigger,
    update_incident,
)

from jirasync.access.accounts import create_token
from jirasync.devstack import Stack, wait_for
from jirasync.store.models import AccountRole

SLOW_CREATE_MS = 2500


def api(stack: Stack) -> httpx.Client:
    made = asyncio.run(stack._store(lambda db, _: create_token(db, "race", AccountRole.ADMIN)))
    headers = {"Authorization": f"Bearer {made.token.get_secret_value()}"}
    return httpx.Client(base_url=f"{stack.jirasync_url}/api/v1", headers=headers, timeout=60)


def fault(url: str, **spec: Any) -> None:
    assert httpx.post(f"{url}/_sim/faults", json=[spec]).status_code == 201


def test_a_webhook_arriving_while_a_person_creates_the_issue_makes_no_second_one(
    stack: Stack,
) -> None:
    set_up(stack, rule("Race", "SUP", create_on=("incident.trigger", "incident.acknowledge")))
    client = api(stack)
    # The trigger's webhook is lost: the person creates the issue by hand, slowly.
    fault(stack.pagerduty_url, kind="drop_webhook", count=1)
    incident_id = trigger(stack, "Cart totals wrong")
    fault(stack.jira_url, kind="latency", method="POST", path="/rest/api/2/issue", count=1,
          latency_ms=SLOW_CREATE_MS)  # fmt: skip
    answers: list[httpx.Response] = []
    person = threading.Thread(
        target=lambda: answers.append(
            client.post(f"/pagerduty/incidents/{incident_id}/create-issue", json={})
        )
    )
    person.start()
    wait_for(
        lambda: rows(stack, f"SELECT 1 FROM create_intents WHERE source_id = '{incident_id}'"),
        what="the person's create intent",
    )
    # Meanwhile the incident is acknowledged: its webhook asks the sync to create the issue too.
    update_incident(stack, incident_id, status="acknowledged")
    person.join(timeout=30)
    stack.settle(timeout=30)

    [answer] = answers
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] is True
    assert len(issues_of(stack, incident_id)) == 1
    assert stack.requests(stack.jira_url).get("POST /rest/api/2/issue", 0) == 1
    waited = rows(
        stack,
        "SELECT a.reason FROM event_attempts a JOIN inbox_events e ON e.id = a.event_id "
        "WHERE e.source = 'pagerduty' AND a.outcome = 'retry'",
    )
    assert any("is creating the object of incident" in str(r["reason"]) for r in waited), waited
