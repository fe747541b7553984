"""Checking HackerOne escalations against Jira when they are saved: createmeta of the project
and issue type says which fields are required and what they hold, so "You must specify a
summary of the issue." (HackerOne's FAQ) is an error at save time, not on the first report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jirasync.connectors.jira import JiraClient
from jirasync.core.errors import RemoteError
from jirasync.core.report_variables import report_variables
from jirasync.core.rules.hackerone import Escalation, validate_against_createmeta
from jirasync.sync.connections import JiraCredentials, UnusableConnection, _jira_auth

if TYPE_CHECKING:
    from jirasync.sync.setup import SetupDoc

# An example report: every variable exists, so templates render and their types can be checked.
SAMPLE_REPORT: dict[str, Any] = {
    "id": "1",
    "type": "report",
    "attributes": {
        "title": "Example report",
        "vulnerability_information": "Example **details**.",
        "created_at": "2026-01-01T00:00:00.000Z",
        "submitted_at": "2026-01-01T00:00:00.000Z",
    },
    "relationships": {
        "reporter": {"data": {"attributes": {"username": "hacker", "name": "Hacker"}}},
        "severity": {"data": {"attributes": {"rating": "high", "score": 8.1}}},
    },
}


async def createmeta_problems(doc: SetupDoc) -> list[str]:
    """Problems of each HackerOne escalation against its Jira's create screen."""
    problems: list[str] = []
    by_name = {c.name: c for c in doc.connections}
    for i, entry in enumerate(doc.rules.hackerone):
        where = f"rules.hackerone[{i}].escalation"
        escalation = Escalation.model_validate(entry.escalation)
        if not escalation.enabled:
            continue
        jira = by_name[entry.jira]
        try:
            credentials = JiraCredentials.model_validate(
                {"webhook_token": "unused", **jira.credentials}
            )
            client = JiraClient(jira.base_url, auth=_jira_auth(jira.name, credentials))
        except (ValueError, UnusableConnection) as exc:
            problems.append(f"{where}: cannot sign in to {jira.name!r} to check it ({exc})")
            continue
        try:
            fields = await client.create_fields(escalation.project_key, escalation.issue_type_id)
        except RemoteError as exc:
            problems.append(
                f"{where}: Jira cannot create issue type {escalation.issue_type_id} in "
                f"{escalation.project_key}: {exc.message}"
            )
            continue
        finally:
            await client.aclose()
        sample = report_variables(SAMPLE_REPORT, "https://hackerone.com")
        problems += [
            f"{where}.fields: {problem}"
            for problem in validate_against_createmeta(escalation, fields, sample)
        ]
    return problems
