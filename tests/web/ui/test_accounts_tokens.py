"""The accounts and API tokens pages over HTTP: an admin adds an account, changes its role,
disables it and sets its password, and cannot demote or disable the last admin; a token is
shown once on the answer page and never again, and once revoked the API refuses it."""

from __future__ import annotations

import re

from tests.web.ui.conftest import Ui, as_admin, as_viewer, csrf_of, sign_in

TOKEN = re.compile(r'id="new-token-value" readonly size="60" value="(jst_[^"]+)"')


def _account_id(html: str, username: str) -> int:
    found = re.search(rf'<tr id="account-(\d+)">\s*<td>{username}</td>', html)
    assert found, f"no row for {username}"
    return int(found.group(1))


def _row(html: str, row_id: str) -> str:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, row_id
    return found.group(1)


def test_an_admin_adds_an_account_and_changes_it(ui: Ui) -> None:
    token = as_admin(ui.client)
    short = ui.client.post(
        "/accounts", data={"csrf_token": token, "username": "dana", "password": "short"}
    )
    assert short.status_code == 400
    assert "at least 8 characters" in short.text
    made = ui.client.post(
        "/accounts",
        data={"csrf_token": token, "username": "dana", "password": "dana-password-1"},
    )
    assert made.status_code == 200 and "Account &#39;dana&#39; added (viewer)." in made.text
    again = ui.client.post(
        "/accounts",
        data={"csrf_token": token, "username": "dana", "password": "dana-password-1"},
    )
    assert again.status_code == 400 and "exists already" in again.text
    dana = _account_id(made.text, "dana")
    assert "dana-password-1" not in made.text

    promoted = ui.client.post(f"/accounts/{dana}/role", data={"csrf_token": token, "role": "admin"})
    assert "dana is now a admin." in promoted.text
    assert 'role-admin">admin' in _row(promoted.text, f"account-{dana}")
    renamed = ui.client.post(
        f"/accounts/{dana}/password", data={"csrf_token": token, "password": "dana-password-2"}
    )
    assert "dana has a new password." in renamed.text
    disabled = ui.client.post(f"/accounts/{dana}/disable", data={"csrf_token": token})
    assert "disabled" in _row(disabled.text, f"account-{dana}")

    # Disabled: dana cannot sign in; enabled again: with the new password only.
    ui.client.cookies.clear()
    login = csrf_of(ui.client.get("/login").text)
    refused = ui.client.post(
        "/login", data={"username": "dana", "password": "dana-password-2", "csrf_token": login}
    )
    assert "Wrong username or password." in refused.text
    token = as_admin(ui.client)
    ui.client.post(f"/accounts/{dana}/enable", data={"csrf_token": token})
    ui.client.cookies.clear()
    sign_in(ui.client, "dana", "dana-password-2")
    assert ui.client.get("/accounts").status_code == 200


def test_the_last_admin_cannot_be_demoted_or_disabled(ui: Ui) -> None:
    token = as_admin(ui.client)
    admin = _account_id(ui.client.get("/accounts").text, "admin")
    for path, data in (
        (f"/accounts/{admin}/role", {"role": "viewer"}),
        (f"/accounts/{admin}/disable", {}),
    ):
        answer = ui.client.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 409, answer.text[:300]
        assert "admin is the last enabled admin" in answer.text
    page = ui.client.get("/accounts").text
    assert 'role-admin">admin' in _row(page, f"account-{admin}")
    assert "enabled" in _row(page, f"account-{admin}")
    assert ui.client.post("/accounts/999/disable", data={"csrf_token": token}).status_code == 404


def test_a_viewer_has_no_accounts_page_nor_its_nav_entry(ui: Ui) -> None:
    as_viewer(ui.client)
    assert ui.client.get("/accounts").status_code == 403
    dashboard = ui.client.get("/").text
    assert 'href="/accounts"' not in dashboard and 'href="/tokens"' in dashboard
    ui.client.cookies.clear()
    as_admin(ui.client)
    assert 'href="/accounts"' in ui.client.get("/").text


def test_a_token_is_shown_once_and_revoked_stops_working(ui: Ui) -> None:
    token = as_admin(ui.client)
    made = ui.client.post("/tokens", data={"csrf_token": token, "name": "deploy", "role": "admin"})
    assert made.status_code == 200
    assert "Copy it now: it is shown this once and never again." in made.text
    assert made.headers["cache-control"] == "no-store"
    found = TOKEN.search(made.text)
    assert found
    secret = found.group(1)
    listed = ui.client.get("/tokens").text
    assert secret not in listed and secret[:12] in listed
    assert "Copy it now" not in listed

    api = {"Authorization": f"Bearer {secret}"}
    assert ui.client.get("/api/v1/auth/me", headers=api).json()["name"] == "deploy"
    token_id = re.search(r'<tr id="token-(\d+)">\s*<td>deploy</td>', listed)
    assert token_id
    revoked = ui.client.post(f"/tokens/{token_id.group(1)}/revoke", data={"csrf_token": token})
    assert "Token &#39;deploy&#39; revoked" in revoked.text
    assert "Revoke deploy" not in revoked.text
    assert ui.client.get("/api/v1/auth/me", headers=api).status_code == 401
    assert ui.client.post("/tokens/999/revoke", data={"csrf_token": token}).status_code == 404
    empty = ui.client.post("/tokens", data={"csrf_token": token, "name": " "})
    assert empty.status_code == 400 and "1 to 200 characters" in empty.text


def test_a_viewer_reads_the_tokens_but_cannot_make_one(ui: Ui) -> None:
    token = as_viewer(ui.client)
    page = ui.client.get("/tokens")
    assert page.status_code == 200 and "Create a token" not in page.text
    refused = ui.client.post("/tokens", data={"csrf_token": token, "name": "sneaky"})
    assert refused.status_code == 403
    assert "No tokens yet." in ui.client.get("/tokens").text
