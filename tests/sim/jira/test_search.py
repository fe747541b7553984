"""`/search` with JQL: filtering, ordering, paging cap, validateQuery and warnings."""

from __future__ import annotations

from typing import Any

import httpx


def keys(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [i["key"] for i in response.json()["issues"]]


def test_jql_filters_and_orders(jira: httpx.Client) -> None:
    found = jira.get("/rest/api/2/search", params={"jql": "project = OPS ORDER BY key ASC"})
    assert keys(found) == ["OPS-1", "OPS-2", "OPS-3"]
    assert keys(jira.get("/rest/api/2/search", params={"jql": "project = OPS"})) == [
        "OPS-3", "OPS-2", "OPS-1",
    ]  # fmt: skip
    unresolved = jira.post("/rest/api/2/search", json={"jql": "resolution is EMPTY"})
    assert set(keys(unresolved)) == {"OPS-1", "OPS-2", "SUP-1"}
    mine = jira.get("/rest/api/2/search", params={"jql": "assignee = currentUser()"})
    assert keys(mine) == []
    bob = jira.get(
        "/rest/api/2/search", params={"jql": 'assignee = bob AND status = "In Progress"'}
    )
    assert keys(bob) == ["OPS-2"]
    severity = jira.get("/rest/api/2/search", params={"jql": "Severity = SEV-2"})
    assert keys(severity) == ["OPS-1"]


def test_fields_and_expand(jira: httpx.Client) -> None:
    body = jira.post(
        "/rest/api/2/search",
        json={"jql": "key = OPS-1", "fields": ["summary", "status"], "expand": ["names"]},
    ).json()
    issue = body["issues"][0]
    assert set(issue["fields"]) == {"summary", "status"}
    assert issue["names"] == {"summary": "Summary", "status": "Status"}


def test_paging_is_capped_by_the_server(jira: httpx.Client) -> None:
    seed = jira.get("/_sim/state").json()
    assert len(seed["issues"]) == 5
    page = jira.get("/rest/api/2/search", params={"jql": "", "startAt": 1, "maxResults": 2}).json()
    assert (page["startAt"], page["maxResults"], page["total"], len(page["issues"])) == (1, 2, 5, 2)
    capped = jira.get("/rest/api/2/search", params={"maxResults": 5000}).json()
    assert capped["maxResults"] == 1000


def test_bad_jql_and_unknown_values(jira: httpx.Client) -> None:
    broken = jira.get("/rest/api/2/search", params={"jql": "project = OPS AND"})
    assert broken.status_code == 400
    assert broken.json()["errorMessages"][0].startswith("Error in the JQL Query:")
    unknown = jira.get("/rest/api/2/search", params={"jql": "project = NOPE"})
    assert unknown.status_code == 400
    assert unknown.json()["errorMessages"] == [
        "The value 'NOPE' does not exist for the field 'project'."
    ]
    lenient = jira.get(
        "/rest/api/2/search", params={"jql": "project = NOPE", "validateQuery": "false"}
    ).json()
    assert lenient["total"] == 0
    assert lenient["warningMessages"] == [
        "The value 'NOPE' does not exist for the field 'project'."
    ]


def test_search_only_shows_browsable_issues(jira: httpx.Client, login: Any) -> None:
    seed_text = jira.get("/_sim/state").json()
    assert "OPS-1" in seed_text["issues"]
    jira.post(
        "/_sim/seed",
        content=(
            "users: [{name: admin, password: admin, groups: [jira-administrators, jira-users]},"
            " {name: dave, password: dave}]\n"
            "projects: [{key: SEC, permissions: {browse: ['group:jira-administrators']}},"
            " {key: PUB}]\n"
            "issues: [{project: SEC, type: Bug, summary: secret}, "
            "{project: PUB, type: Bug, summary: public}]\n"
        ),
    ).raise_for_status()
    assert keys(login("dave").get("/rest/api/2/search")) == ["PUB-1"]
    assert login("dave").get("/rest/api/2/issue/SEC-1").status_code == 404
    assert len(keys(jira.get("/rest/api/2/search"))) == 2
