""" "Who acts?": what a sync does with one person, asked of the simulators through the REST API
and the user mappings page. A manual pair beats the same email, the same email beats the
fallback user (both ways), and nobody found says why."""

from __future__ import annotations

import re
from typing import Any

import httpx
from pydantic import SecretStr
from tests.e2e.test_api_walkthrough import add_connections, client, ok

from jirasync.access.accounts import create_account
from jirasync.devstack import Stack
from jirasync.store.models import AccountRole

__all__ = ["client"]  # the API client fixture


def ask(api: httpx.Client, ids: dict[str, int], **person: str) -> dict[str, Any]:
    query = {"jira_connection_id": ids["jira"], "connection_id": ids["pagerduty"], **person}
    answer: dict[str, Any] = ok(api.get("/user-mappings/who-acts", params=query))
    return answer


def pair(api: httpx.Client, ids: dict[str, int], jira_user: str, remote: str, **more: Any) -> None:
    body = {
        "jira_connection_id": ids["jira"],
        "connection_id": ids["pagerduty"],
        "jira_user": jira_user,
        "remote_user": remote,
        **more,
    }
    ok(api.post("/user-mappings", json=body), 201)


def test_who_acts_follows_pair_then_email_then_fallback(stack: Stack, client: httpx.Client) -> None:
    ids = add_connections(stack, client)

    alice = ask(client, ids, jira_user="alice")
    assert alice == {
        "person": "alice",
        "email": "alice@example.com",
        "acts_as": "alice@example.com",
        "how": "email",
    }
    admin = ask(client, ids, jira_user="admin")  # admin@example.com is no PagerDuty user
    assert admin["acts_as"] is None
    assert admin["how"] == "admin@example.com is not a PagerDuty user and there is no fallback user"
    assert ask(client, ids, pagerduty_user="PBOT001")["acts_as"] is None

    pair(client, ids, "bob", "PUSER02", email="bob@example.com", fallback=True)
    pair(client, ids, "alice", "PUSER03", email="carol@example.com")
    assert ask(client, ids, jira_user="admin")["acts_as"] == "bob@example.com"
    assert ask(client, ids, jira_user="admin")["how"] == "fallback"
    assert ask(client, ids, jira_user="alice")["acts_as"] == "carol@example.com"
    # PagerDuty → Jira: the pair, then the same email (not the fallback), then the fallback.
    assert ask(client, ids, pagerduty_user="PUSER03")["acts_as"] == "alice"
    carol = ask(client, ids, pagerduty_user="PUSER01")
    assert (carol["acts_as"], carol["how"]) == ("alice", "email")
    assert ask(client, ids, pagerduty_user="PBOT001")["acts_as"] == "bob"

    unknown = client.get(
        "/user-mappings/who-acts",
        params={"jira_connection_id": ids["jira"], "connection_id": ids["pagerduty"]}
        | {"pagerduty_user": "PNOBODY"},
    )
    assert unknown.status_code == 502, unknown.text  # the remote refused: its words
    assert "PNOBODY" in unknown.json()["error"]["message"]
    both = client.get(
        "/user-mappings/who-acts",
        params={"jira_connection_id": ids["jira"], "connection_id": ids["pagerduty"]},
    )
    assert both.status_code == 400
    assert "give either jira_user or pagerduty_user" in both.text
    wrong_kind = client.get(
        "/user-mappings/who-acts",
        params={"jira_connection_id": ids["jira"], "connection_id": ids["jira"]}
        | {"jira_user": "alice"},
    )
    assert wrong_kind.status_code == 404


def test_a_viewer_asks_who_acts_on_the_user_mappings_page(
    stack: Stack, client: httpx.Client
) -> None:
    ids = add_connections(stack, client)
    stack.on_store(
        lambda db, _: create_account(db, "vic", SecretStr("vic-viewer-pw-1"), AccountRole.VIEWER)
    )
    with httpx.Client(base_url=stack.jirasync_url, timeout=30) as browser:
        login = browser.get("/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
        assert csrf is not None
        form = {"username": "vic", "password": "vic-viewer-pw-1", "csrf_token": csrf.group(1)}
        assert browser.post("/login", data=form).status_code in (200, 303)
        query = {"jira_connection_id": ids["jira"], "connection_id": ids["pagerduty"]}
        shown = browser.get("/user-mappings/who-acts", params=query | {"jira_user": "alice"})
        assert shown.status_code == 200
        assert "acts in PagerDuty as <strong>alice@example.com</strong>" in shown.text
        assert "found by email" in shown.text
        fragment = browser.get(
            "/user-mappings/who-acts",
            params=query | {"pagerduty_user": "PNOBODY"},
            headers={"HX-Request": "true"},
        )
        assert fragment.text.lstrip().startswith('<div id="who-acts"')
        assert "PNOBODY" in fragment.text
