"""`jirasync backfill` against the simulators: items that existed before the webhooks (open
incidents on a rule's service, issues matching a rule's JQL) are listed by a dry run that
changes nothing, handled once by a real run, and left alone by a second run."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_pagerduty_walkthrough import (
    SERVICE,
    guide_rule,
    issue_of,
    issue_type_id,
    setup_document,
    trigger,
)
from tests.e2e.test_reconciler import cli, writes

from jirasync.devstack import Stack


def open_incidents(stack: Stack) -> list[dict[str, Any]]:
    with stack.pagerduty() as pd:
        found = pd.get(
            "/incidents",
            params={
                "date_range": "all",
                "statuses[]": ["triggered", "acknowledged"],
                "service_ids[]": [SERVICE],
            },
        ).json()["incidents"]
    return list(found)


def jira_incidents(stack: Stack) -> list[dict[str, Any]]:
    with stack.pagerduty() as pd:
        found = pd.get("/incidents", params={"date_range": "all"}).json()["incidents"]
    return [i for i in found if str(i["title"]).startswith("[SUP-")]


def issues_from_incidents(stack: Stack) -> list[str]:
    with stack.jira("admin") as jira:
        found = jira.post(
            "/rest/api/2/search", json={"jql": "project = SUP", "fields": ["labels"]}
        ).json()["issues"]
    return [
        i["key"]
        for i in found
        if any(label.startswith("pagerduty-") for label in i["fields"]["labels"])
    ]


def existing_items(stack: Stack) -> str:
    """Rules applied but no webhooks registered yet: an incident and a matching issue."""
    stack.apply(setup_document(stack, guide_rule(stack)))
    trigger(stack, "Disk full on db-3")
    with stack.jira("alice") as jira:
        created = jira.post(
            "/rest/api/2/issue",
            json={
                "fields": {
                    "project": {"key": "SUP"},
                    "issuetype": {"id": issue_type_id(stack, "SUP", "Bug")},
                    "summary": "Payments failing",
                    "priority": {"name": "Highest"},
                }
            },
        )
        assert created.status_code == 201, created.text
    return str(created.json()["key"])


def test_backfill_dry_run_then_real_then_nothing(stack: Stack) -> None:
    key = existing_items(stack)
    incidents = open_incidents(stack)
    assert incidents  # the seeded ones and ours

    stack.reset_counts()
    planned = cli(stack, "backfill", "--dry-run")
    assert writes(stack, stack.jira_url) == {} and writes(stack, stack.pagerduty_url) == {}
    assert f"issue {key}" in planned and "CreateIncident" in planned, planned
    for incident in incidents:
        assert f"incident {incident['id']}" in planned, planned
    assert "CreateIssue" in planned, planned
    assert all(issue_of(stack, i["id"]) is None for i in incidents)

    cli(stack, "backfill")
    assert all(issue_of(stack, i["id"]) is not None for i in incidents)
    assert len(issues_from_incidents(stack)) == len(incidents)  # one each, nothing more
    assert [i["title"] for i in jira_incidents(stack)] == [f"[{key}] Payments failing"]

    stack.reset_counts()
    again = cli(stack, "backfill")
    assert "acted on 0 of" in again, again
    assert writes(stack, stack.jira_url) == {} and writes(stack, stack.pagerduty_url) == {}
