"""The evaluator over issue JSON recorded from real Jira Servers (REST responses, webhooks)."""

import json
from pathlib import Path
from typing import Any

import pytest

from jirasync.jql import EvalContext, FieldInfo, JqlNeedsRemote, matches, needs_remote, parse

FIXTURES = Path(__file__).parent.parent / "fixtures" / "jql"


def load(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return body.get("issue", body)  # webhook bodies wrap the issue


REST_ISSUE = "jira-ruby/issue-10002.json"
RESOLVED = "mattermost/webhook-server-issue-updated-resolved.json"
IN_PROGRESS = "mattermost/webhook-server-issue-updated-in-progress.json"
ASSIGNED = "mattermost/webhook-issue-updated-assigned-on-server.json"
CUSTOM = "mattermost/webhook-server-updated-custom-field.json"
CTX = EvalContext(
    current_user="admin",
    fields=(FieldInfo("customfield_10000", "numfield", "number"),),
)


@pytest.mark.parametrize(
    ("fixture", "query", "expected"),
    [
        (REST_ISSUE, "project = SAMPLEPROJECT AND issuetype = Task", True),
        (REST_ISSUE, "key = SAMPLEPROJECT-1 AND id = 10002", True),
        (REST_ISSUE, "status = Open AND priority = Major AND resolution = Unresolved", True),
        (REST_ISSUE, "component in (Jammy) AND component = Jamflam", True),
        (REST_ISSUE, 'assignee = currentUser() AND reporter = "admin@example.com"', True),
        (REST_ISSUE, "due = 2011-12-14 AND created < 2011-12-14", True),  # +1300 offset
        (REST_ISSUE, "summary ~ sample AND description is EMPTY", True),
        (REST_ISSUE, "labels is EMPTY AND fixVersion is EMPTY", True),
        (RESOLVED, "statusCategory = Done AND resolution = Done", True),
        (RESOLVED, "resolution = Unresolved", False),
        (RESOLVED, "resolved >= 2019-08-12 AND resolved <= 2019-08-13", True),
        (RESOLVED, "assignee is EMPTY AND reporter = admin", True),
        (RESOLVED, "status = Resolved ORDER BY updated DESC", True),
        (IN_PROGRESS, 'statusCategory = "In Progress" AND status = 3', True),
        (IN_PROGRESS, "project = TES AND issuetype = Bug AND key >= TES-4", True),
        (IN_PROGRESS, "priority >= Medium AND priority < High", True),
        (ASSIGNED, "assignee = admin AND statusCategory = new", True),
        (ASSIGNED, 'issuetype = Improvement AND description ~ "mattermost"', True),
        (CUSTOM, "numfield = 44545556 AND cf[10000] > 44545555", True),
        (CUSTOM, "numfield < 1000", False),
    ],
)
def test_recorded_issue(fixture: str, query: str, expected: bool) -> None:
    assert matches(query, load(fixture), CTX) is expected


def test_webhook_changelog_is_not_history() -> None:
    # A webhook's `changelog` holds only the latest change, not `histories`: ask Jira.
    body = json.loads((FIXTURES / RESOLVED).read_text(encoding="utf-8"))
    issue = {**body["issue"], "changelog": body["changelog"]}
    with pytest.raises(JqlNeedsRemote):
        matches("status changed to Resolved", issue, CTX)


def test_payload_decides_a_typical_rule() -> None:
    issue = load(RESOLVED)
    rule = parse("project = TES AND statusCategory = Done AND priority in (High, Medium)")
    assert needs_remote(rule, issue["fields"].keys(), CTX) is False
    assert matches(rule, issue, CTX) is True
