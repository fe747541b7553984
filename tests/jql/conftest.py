"""Shared issue JSON builders for the JQL tests."""

from collections.abc import Callable
from typing import Any

import pytest


def make_issue(key: str = "OPS-7", issue_id: str = "10007", **fields: Any) -> dict[str, Any]:
    """An issue as `GET /rest/api/2/issue/{key}` returns it, with sensible defaults."""
    project_key = key.split("-")[0]
    base: dict[str, Any] = {
        "project": {"id": "10000", "key": project_key, "name": "Operations"},
        "issuetype": {"id": "1", "name": "Bug"},
        "status": {
            "id": "3",
            "name": "In Progress",
            "statusCategory": {"id": 4, "key": "indeterminate", "name": "In Progress"},
        },
        "priority": {"id": "2", "name": "Critical"},
        "resolution": None,
        "assignee": {"name": "alice", "key": "JIRAUSER10100", "emailAddress": "alice@example.com"},
        "reporter": {"name": "bob", "key": "bob", "emailAddress": "bob@example.com"},
        "labels": ["pagerduty", "Sev1"],
        "components": [{"id": "10100", "name": "Backend"}],
        "fixVersions": [{"id": "10200", "name": "2.0"}],
        "versions": [],
        "summary": "Database connections failing on windows hosts",
        "description": "The primary database rejects new connections.",
        "environment": None,
        "comment": {"comments": [{"body": "Restarted the pooler, still broken"}]},
        "created": "2024-03-01T09:30:00.000+0000",
        "updated": "2024-03-04T17:05:12.345+0000",
        "resolutiondate": None,
        "duedate": "2024-03-08",
    }
    base.update(fields)
    return {
        "id": issue_id,
        "key": key,
        "self": f"https://jira.example/rest/api/2/issue/{issue_id}",
        "fields": base,
    }


@pytest.fixture
def issue_factory() -> Callable[..., dict[str, Any]]:
    return make_issue
