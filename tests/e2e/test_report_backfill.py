"""`jirasync backfill` for HackerOne, over HTTP: open reports of the program that predate the
escalation are linked to the issue their reference names, or escalated when the automatic
filter wants them; a second run writes nothing."""

from __future__ import annotations

from typing import Any

from tests.e2e.test_hackerone_walkthrough import (
    H1_TOKEN,
    configure,
    escalation,
    h1,
    issues_of,
    report,
    writes,
)
from typer.testing import CliRunner

from jirasync.cli import app
from jirasync.devstack import Stack


def backfill(stack: Stack, *args: str) -> str:
    env = {
        "JIRASYNC_DATABASE_URL": stack.settings.database,
        "JIRASYNC_DATA_DIR": str(stack.settings.data_dir),
        "JIRASYNC_LOG_LEVEL": "warning",
    }
    result = CliRunner().invoke(app, ["backfill", *args], env=env)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def existing_issue(stack: Stack) -> dict[str, Any]:
    """An issue someone made by hand for report 100001, its key written on the report."""
    with stack.jira("admin") as jira:
        types = jira.get("/rest/api/2/project/OPS", params={"expand": "issueTypes"}).json()
        bug = next(t["id"] for t in types["issueTypes"] if t["name"] == "Bug")
        fields = {"project": {"key": "OPS"}, "issuetype": {"id": bug}, "summary": "XSS in bio"}
        created = jira.post("/rest/api/2/issue", json={"fields": fields})
    assert created.status_code == 201, created.text
    body = {"data": {"type": "issue-tracker-reference-id", "attributes": {"reference": ""}}}
    body["data"]["attributes"]["reference"] = created.json()["key"]
    with h1(stack, H1_TOKEN) as client:
        answer = client.post("/reports/100001/issue_tracker_reference_id", json=body)
    assert answer.status_code == 200, answer.text
    return dict(created.json())


def test_reports_that_predate_the_escalation_are_linked_or_escalated_once(stack: Stack) -> None:
    configure(stack, escalation(stack))
    by_hand = existing_issue(stack)
    stack.settle()

    planned = backfill(stack, "--dry-run")
    assert f"link to the existing issue {by_hand['key']}" in planned, planned
    assert "report 100002 (SQL injection in search): report is triaged" in planned, planned
    assert "report 100003" not in planned  # resolved: history, not backlog
    assert "would act on 2 of 2 item(s)" in planned, planned
    assert issues_of(stack, "100002") == []

    stack.reset_counts()
    done = backfill(stack)
    assert f"linked to {by_hand['key']}" in done, done
    [escalated] = issues_of(stack, "100002")
    assert f"escalated to {escalated}" in done, done
    assert report(stack, "100002")["attributes"]["issue_tracker_reference_id"] == escalated
    assert writes(stack, stack.jira_url)["POST /rest/api/2/issue"] == 1  # 100002's only
    with stack.jira("admin") as jira:
        links = jira.get(f"/rest/api/2/issue/{by_hand['key']}/remotelink").json()
    assert [link["object"]["title"] for link in links] == ["HackerOne #100001"]

    stack.settle()
    stack.reset_counts()
    again = backfill(stack)
    assert again.count("already linked") == 2 and "acted on 0 of 2" in again, again
    assert writes(stack, stack.jira_url) == {}
    assert writes(stack, stack.hackerone_url) == {}
