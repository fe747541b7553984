"""The public `jira` client (pycontribs) drives the simulator unmodified over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jira import JIRA, JIRAError

from jirasync.serving import ServerThread


@pytest.fixture
def client(jira: httpx.Client, jira_server: ServerThread) -> JIRA:
    return JIRA(jira_server.url, basic_auth=("admin", "admin"))


def test_connects_with_basic_auth_and_reads_server_info(client: JIRA) -> None:
    assert client.server_info()["versionNumbers"][0] == 9
    assert client.myself()["name"] == "admin"


def test_connects_with_a_personal_access_token(
    jira: httpx.Client, jira_server: ServerThread
) -> None:
    token = jira.get("/_sim/credentials").json()["users"][0]["tokens"][0]
    client = JIRA(jira_server.url, token_auth=token)
    assert client.current_user() == "admin"


def test_wrong_password_and_anonymous_are_401(
    jira: httpx.Client, jira_server: ServerThread
) -> None:
    with pytest.raises(JIRAError) as failed:
        JIRA(jira_server.url, basic_auth=("admin", "wrong"), max_retries=0).myself()
    assert failed.value.status_code == 401
    assert httpx.get(jira_server.url + "/rest/api/2/myself").status_code == 401


def test_create_edit_and_read_an_issue(client: JIRA) -> None:
    issue = client.create_issue(
        project="OPS",
        summary="Pager storm",
        issuetype={"name": "Bug"},
        description="lots of pages",
        labels=["pd"],
        customfield_10100={"value": "SEV-1"},
    )
    assert issue.key.startswith("OPS-")
    assert issue.fields.status.name == "Open"
    issue.update(summary="Pager storm (edited)", fields={"priority": {"name": "High"}})
    again = client.issue(issue.key, expand="changelog")
    assert again.fields.summary == "Pager storm (edited)"
    assert again.fields.priority.name == "High"
    assert again.fields.customfield_10100.value == "SEV-1"
    assert {i.field for h in again.changelog.histories for i in h.items} >= {"summary", "priority"}
    issue.update(update={"labels": [{"add": "storm"}, {"remove": "pd"}]})
    assert client.issue(issue.key).fields.labels == ["storm"]


def test_transition_by_name_and_by_id(client: JIRA) -> None:
    issue = client.create_issue(
        project="OPS", summary="t", issuetype={"name": "Task"}, assignee={"name": "admin"}
    )
    names = {t["name"] for t in client.transitions(issue)}
    assert names == {"Start Progress", "Resolve Issue", "Close Issue"}
    client.transition_issue(issue, "start progress")
    assert client.issue(issue.key).fields.status.name == "In Progress"
    client.transition_issue(issue, "5", fields={"resolution": {"name": "Fixed"}}, comment="done")
    resolved = client.issue(issue.key)
    assert resolved.fields.status.name == "Resolved"
    assert resolved.fields.resolution.name == "Fixed"
    assert client.comments(issue)[-1].body == "done"


def test_simplified_workflow_sets_and_clears_resolution(client: JIRA) -> None:
    issue = client.create_issue(project="SUP", summary="s", issuetype={"name": "Task"})
    assert client.issue(issue.key).fields.status.name == "To Do"
    client.transition_issue(issue, "Done")
    assert client.issue(issue.key).fields.resolution.name == "Done"
    client.transition_issue(issue, "21")
    assert client.issue(issue.key).fields.resolution is None


def test_comments_add_edit_delete_and_visibility(client: JIRA) -> None:
    comment = client.add_comment(
        "OPS-1", "first", visibility={"type": "group", "value": "jira-users"}
    )
    assert comment.visibility.value == "jira-users"
    comment.update(body="first (edited)")
    assert client.comment("OPS-1", comment.id).body == "first (edited)"
    assert [c.id for c in client.comments("OPS-1")][-1] == comment.id
    comment.delete()
    assert comment.id not in [c.id for c in client.comments("OPS-1")]


def test_assign_and_unassign(client: JIRA) -> None:
    assert client.assign_issue("OPS-1", "bob")
    assert client.issue("OPS-1").fields.assignee.name == "bob"
    assert client.assign_issue("OPS-1", None)
    assert client.issue("OPS-1").fields.assignee is None


def test_remote_links_create_update_by_global_id_and_delete(client: JIRA) -> None:
    link = client.add_remote_link(
        "OPS-1",
        {"url": "https://pd.example/incidents/P1", "title": "P1"},
        globalId="pagerduty:P1",
        relationship="caused by",
    )
    client.add_remote_link(
        "OPS-1", {"url": "https://pd.example/incidents/P1", "title": "P1 (resolved)"},
        globalId="pagerduty:P1",
    )  # fmt: skip
    links = client.remote_links("OPS-1")
    assert len(links) == 1
    assert links[0].object.title == "P1 (resolved)"
    client.remote_link("OPS-1", link.id).delete()
    assert client.remote_links("OPS-1") == []


def test_search_paginates(client: JIRA) -> None:
    for n in range(7):
        client.create_issue(project="SUP", summary=f"bulk {n}", issuetype={"name": "Task"})
    everything = client.search_issues("", maxResults=False)
    assert len(everything) == 12
    page = client.search_issues("", startAt=2, maxResults=3)
    assert len(page) == 3
    assert page.total == 12


def test_user_search_by_name_and_email(client: JIRA) -> None:
    assert [u.name for u in client.search_users("bob")] == ["bob"]
    assert [u.name for u in client.search_users("alice@example.com")] == ["alice"]


def test_create_issue_error_is_raised_with_jira_message(client: JIRA) -> None:
    with pytest.raises(JIRAError) as failed:
        client.create_issue(project="OPS", summary="", issuetype={"name": "Bug"})
    assert "You must specify a summary of the issue." in failed.value.text


def test_attachments_watchers_properties_and_delete(client: JIRA, tmp_path: Any) -> None:
    path = tmp_path / "trace.log"
    path.write_bytes(b"stack trace")
    attachment = client.add_attachment("OPS-1", str(path))
    assert attachment.filename == "trace.log"
    assert attachment.size == 11
    client.add_watcher("OPS-1", "admin")
    assert [w.name for w in client.watchers("OPS-1").watchers] == ["admin"]
    client.add_issue_property("OPS-1", "sync", {"pd": "P1"})
    assert client.issue_property("OPS-1", "sync").value.pd == "P1"
    issue = client.create_issue(project="SUP", summary="gone", issuetype={"name": "Task"})
    issue.delete()
    with pytest.raises(JIRAError) as failed:
        client.issue(issue.key)
    assert failed.value.status_code == 404


def test_create_metadata_and_fields_by_name(client: JIRA) -> None:
    types = client.project_issue_types("OPS")
    assert [t.name for t in types] == ["Bug", "Task", "Improvement"]
    fields = {f.fieldId for f in client.project_issue_fields("OPS", types[0].id)}
    assert {"summary", "customfield_10100"} <= fields
    found = client.search_issues('"Severity" = SEV-2', fields="summary,Severity")
    assert [i.key for i in found] == ["OPS-1"]
    assert found[0].fields.customfield_10100.value == "SEV-2"


def test_bulk_create_reports_per_issue_errors(client: JIRA) -> None:
    results = client.create_issues(
        [
            {"project": {"key": "SUP"}, "summary": "one", "issuetype": {"name": "Task"}},
            {"project": {"key": "SUP"}, "summary": "", "issuetype": {"name": "Task"}},
        ]
    )
    assert results[0]["status"] == "Success"
    assert results[0]["issue"].fields.summary == "one"
    assert results[1]["status"] == "Error"
    assert "You must specify a summary of the issue." in str(results[1]["error"])


def test_comments_with_rendered_body(client: JIRA) -> None:
    client.add_comment("SUP-1", "a <b>")
    comments = client.comments("SUP-1", expand="renderedBody")
    assert comments[-1].renderedBody == "<p>a &lt;b&gt;</p>"
