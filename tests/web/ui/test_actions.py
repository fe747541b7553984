"""The manual actions page over HTTP against a real stack (the three simulators and jirasync
on 127.0.0.1): create an incident's issue (a second click makes none), trigger an incident
from an issue, escalate a report, link an existing issue and unlink it from /links; a remote's
refusal is shown in its own words, never as a 500."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from pydantic import SecretStr
from tests.web.ui.conftest import Ui, as_admin, as_viewer

from jirasync.access.accounts import create_account
from jirasync.devstack import Stack, running_stack
from jirasync.store.models import AccountRole

EXAMPLE = Path(__file__).parents[3] / "examples" / "setup-simulators.yaml"
PASSWORD = "ada-admin-password"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        running.apply(_setup(running))

        async def admin(db: Any, _: Any) -> None:
            await create_account(db, "ada", SecretStr(PASSWORD), AccountRole.ADMIN)

        running.on_store(admin)
        yield running


@pytest.fixture
def admin(stack: Stack) -> Iterator[tuple[httpx.Client, str]]:
    """A signed-in admin's browser: the client and the session's CSRF token."""
    with httpx.Client(base_url=stack.jirasync_url, timeout=30, follow_redirects=True) as client:
        login = _CSRF.search(client.get("/login").text)
        assert login
        data = {"username": "ada", "password": PASSWORD, "csrf_token": login.group(1)}
        assert client.post("/login", data=data).status_code == 200
        token = _CSRF.search(client.get("/actions").text)
        assert token
        yield client, token.group(1)


def _setup(stack: Stack) -> dict[str, Any]:
    """The example set-up on this stack's ports; issues and escalations by hand only."""
    document: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    urls = {"jira": stack.jira_url, "pagerduty": stack.pagerduty_url}
    urls["hackerone"] = stack.hackerone_url
    for connection in document["connections"]:
        connection["base_url"] = urls[connection["kind"]]
        if connection["kind"] == "hackerone":
            connection["options"]["web_base"] = stack.hackerone_url
    document["rules"]["pagerduty"][0]["rule"]["config"]["autocreate_issues"] = False
    document["rules"]["hackerone"][0]["escalation"]["auto"] = None
    return document


def _act(signed_in: tuple[httpx.Client, str], form: str, **data: str) -> httpx.Response:
    client, token = signed_in
    return client.post(f"/actions/{form}", data={"csrf_token": token, **data})


def _incident(stack: Stack, title: str) -> str:
    body = {
        "incident": {
            "type": "incident",
            "title": title,
            "service": {"id": "PSVC001", "type": "service_reference"},
        }
    }
    with stack.pagerduty() as pagerduty:
        answer = pagerduty.post("/incidents", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["incident"]["id"])


def _issue(stack: Stack, summary: str) -> str:
    fields = {"project": {"key": "SUP"}, "issuetype": {"id": "3"}, "summary": summary}
    with stack.jira() as jira:
        answer = jira.post("/rest/api/2/issue", json={"fields": fields})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["key"])


def _issues_in(stack: Stack, project: str) -> int:
    with stack.jira() as jira:
        found = jira.get("/rest/api/2/search", params={"jql": f"project={project}"}).json()
    return int(found["total"])


def _result(html: str) -> str:
    found = re.search(r'<section id="action-result".*?</section>', html, re.S)
    assert found, "no result on the page"
    return found.group(0)


def test_create_the_issue_of_an_incident_once(stack: Stack, admin: Any) -> None:
    incident = _incident(stack, "Checkout is down")
    before = _issues_in(stack, "SUP")
    done = _act(admin, "create-issue", incident_id=incident)
    assert done.status_code == 200, done.text[:500]
    result = _result(done.text)
    key = re.search(r'<a href="([^"]+)/browse/(SUP-\d+)">', result)
    assert key and key.group(1) == stack.jira_url, result
    assert "<strong>Done</strong>" in result and f"incident <code>{incident}</code>" in result
    assert re.search(r"<code>POST /rest/api/2/issue</code></td><td[^>]*>201<", result), result
    assert _issues_in(stack, "SUP") == before + 1

    again = _result(_act(admin, "create-issue", incident_id=incident).text)
    assert "Already linked: nothing was made" in again and key.group(2) in again
    assert _issues_in(stack, "SUP") == before + 1


def test_trigger_an_incident_from_an_issue(stack: Stack, admin: Any) -> None:
    key = _issue(stack, "Payment page slow")
    result = _result(_act(admin, "trigger-incident", issue_key=key.lower()).text)
    found = re.search(r"incident <code>([A-Z0-9]+)</code>", result)
    assert found and "<strong>Done</strong>" in result, result
    with stack.pagerduty() as pagerduty:
        incident = pagerduty.get(f"/incidents/{found.group(1)}").json()["incident"]
    assert key in incident["title"]


def test_escalate_a_report(stack: Stack, admin: Any) -> None:
    made = httpx.post(
        f"{stack.hackerone_url}/_sim/programs/acme/reports",
        json={"reporter": "demo-hacker", "title": "SQL injection", "severity_rating": "high"},
    )
    assert made.status_code == 201, made.text
    report = str(made.json()["data"]["id"])
    result = _result(_act(admin, "escalate", report_id=report).text)
    assert re.search(rf'/browse/OPS-\d+">OPS-\d+</a>\s*⇄ report <code>{report}</code>', result)


def test_link_existing_then_unlink_from_the_links_page(stack: Stack, admin: Any) -> None:
    client, token = admin
    incident = _incident(stack, "Disk full")
    key = _issue(stack, "Disk full on db-1")
    pagerduty = str(stack.connections["pagerduty"])
    linked = _act(
        admin,
        "link",
        source_type="incident",
        connection_id=pagerduty,
        source_id=incident,
        issue_key=key,
    )
    assert f"linked incident {incident} to {key}" in _result(linked.text)
    links = client.get("/links", params={"q": incident}).text
    unlink = re.search(r'action="(/links/\d+/unlink)"', links)
    assert unlink and f"Unlink incident {incident} from {key}" in links
    done = client.post(unlink.group(1), data={"csrf_token": token})
    assert f"Unlinked incident {incident} from {key}." in done.text
    assert "No links match." in client.get("/links", params={"q": incident}).text
    assert client.post(unlink.group(1), data={"csrf_token": token}).status_code == 404


def test_a_remote_refusal_is_shown_in_its_own_words(stack: Stack, admin: Any) -> None:
    missing = _act(admin, "create-issue", incident_id="PNOPE42")
    assert missing.status_code == 502
    problem = _result(missing.text)
    assert "pagerduty GET /incidents/PNOPE42 → HTTP 404" in problem, problem
    assert 'value="PNOPE42"' in missing.text  # the form keeps what was typed
    no_issue = _act(admin, "trigger-incident", issue_key="SUP-9999")
    assert no_issue.status_code == 502
    assert "HTTP 404: Issue Does Not Exist" in _result(no_issue.text)


def test_bad_input_is_shown_by_its_field(stack: Stack, admin: Any) -> None:
    bad = _act(admin, "trigger-incident", issue_key="not a key", rule_id="x")
    assert bad.status_code == 400
    assert (
        'id="trigger-incident-issue_key-error">&#39;NOT A KEY&#39; is not valid here.' in bad.text
    )
    assert "&#39;x&#39; is not a number." in bad.text
    unknown = _act(admin, "escalate", report_id="1", hackerone_connection_id="999")
    assert unknown.status_code == 400
    assert "no hackerone connection 999" in _result(unknown.text)


def test_an_unlinked_incident_s_event_offers_its_form_filled_in(ui: Ui) -> None:
    pagerduty = ui.connections["pagerduty"]

    async def receive(key: str) -> None:
        await ui.service.inbox.receive(
            source="pagerduty",
            connection_id=pagerduty,
            delivery_id=key,
            ordering_key=key,
            headers={},
            body=b"{}",
        )

    ui.run(receive(f"pagerduty:{pagerduty}:Q1INCIDENT"))
    ui.run(receive(f"pagerduty:{pagerduty}:unparsed"))
    as_admin(ui.client)
    event = ui.client.get("/activity/1").text
    offered = re.search(r'<a class="button" href="([^"]+)">Create Jira issue…</a>', event)
    assert offered, event
    form = ui.client.get(html.unescape(offered.group(1))).text
    assert 'id="create-issue-incident_id" name="incident_id" value="Q1INCIDENT"' in form
    assert re.search(rf'<option value="{pagerduty}" selected>pagerduty</option>', form)
    assert "Create Jira issue…" not in ui.client.get("/activity/2").text
    ui.client.cookies.clear()
    as_viewer(ui.client)
    assert "Create Jira issue…" not in ui.client.get("/activity/1").text
