"""Access control: every route but the webhooks, health and login needs credentials; viewers
only read; a cookie session's changes need its CSRF token; failed logins are limited; tokens
are revocable and kept hashed; every answer carries the secure headers."""

from __future__ import annotations

import re

from sqlalchemy import select
from starlette.routing import Mount
from tests.web.api.conftest import ADMIN_PASSWORD, VIEWER_PASSWORD, Api, login

from jirasync.store.models import ApiToken
from jirasync.web.api import PREFIX

# /metrics: scraped by Prometheus, holds counters only (added by the metrics work).
# /login and the one-time login links sign people in (tests/web/ui check them).
EXEMPT = {"/healthz", "/readyz", "/metrics", f"{PREFIX}/auth/login", "/login", "/login/link/1"}
SAFE = {"GET", "HEAD", "OPTIONS"}


def routes(api: Api) -> list[tuple[str, str]]:
    """Every (method, concrete path) the app serves, the mounted API's included."""
    found: list[tuple[str, str]] = []

    def walk(app_routes: list, prefix: str) -> None:
        for route in app_routes:
            if isinstance(route, Mount):
                walk(route.routes, prefix + route.path)
            elif hasattr(route, "effective_route_contexts"):  # an included router
                walk(list(route.effective_route_contexts()), prefix)
            elif getattr(route, "methods", None):
                path = re.sub(r"\{[^}]+\}", "1", prefix + route.path)
                found.extend((m, path) for m in sorted(route.methods))

    walk(api.client.app.routes, "")  # type: ignore[attr-defined]
    return found


def test_the_route_table_is_walked(api: Api) -> None:
    paths = {p for _, p in routes(api)}
    assert f"{PREFIX}/connections" in paths
    assert f"{PREFIX}/pagerduty/rules/1" in paths
    assert "/webhooks/jira/1/1" in paths
    assert len(paths) > 30


def test_every_route_but_webhooks_health_and_login_needs_credentials(api: Api) -> None:
    checked = 0
    for method, path in routes(api):
        if path.startswith("/webhooks/") or path in EXEMPT:
            continue
        answer = api.client.request(method, path, json={}, follow_redirects=False)
        if not path.startswith(PREFIX):
            # A web UI page: a stranger is sent to the login page (tests/web/ui check more).
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/login")
            continue
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert answer.headers["www-authenticate"].startswith("Bearer")
        assert answer.json()["error"]["message"]
        checked += 1
    assert checked > 30


def test_a_wrong_or_revoked_token_is_refused(api: Api) -> None:
    c = api.client
    for header in ("Bearer jst_nope", "Bearer", "Basic YWRtaW46YWRtaW4=", api.admin_token):
        assert c.get(f"{PREFIX}/connections", headers={"Authorization": header}).status_code == 401
    made = c.post(f"{PREFIX}/tokens", headers=api.as_admin(), json={"name": "ci", "role": "viewer"})
    assert made.status_code == 201
    token = made.json()["token"]
    mine = {"Authorization": f"Bearer {token}"}
    assert c.get(f"{PREFIX}/connections", headers=mine).status_code == 200
    assert (
        c.delete(f"{PREFIX}/tokens/{made.json()['id']}", headers=api.as_admin()).status_code == 200
    )
    assert c.get(f"{PREFIX}/connections", headers=mine).status_code == 401
    listed = c.get(f"{PREFIX}/tokens", headers=api.as_admin()).json()["tokens"]
    assert [t["revoked_at"] is not None for t in listed if t["name"] == "ci"] == [True]
    assert all("token" not in t for t in listed)


def test_tokens_are_kept_as_hashes_only(api: Api) -> None:
    async def stored() -> list[str]:
        async with api.service.db.read() as conn:
            rows = await conn.execute(select(ApiToken.token_hash, ApiToken.prefix))
            return [f"{h} {p}" for h, p in rows]

    rows = api.run(stored())
    assert len(rows) == 2
    for token in (api.admin_token, api.viewer_token):
        assert all(token not in row for row in rows)  # type: ignore[union-attr]


def test_a_viewer_may_read_but_not_change(api: Api) -> None:
    assert api.client.get(f"{PREFIX}/connections", headers=api.as_viewer()).status_code == 200
    checked = 0
    for method, path in routes(api):
        if method in SAFE or not path.startswith(PREFIX) or path in EXEMPT:
            continue
        if path == f"{PREFIX}/auth/logout":
            continue  # signing out is not a change
        answer = api.client.request(method, path, json={}, headers=api.as_viewer())
        assert answer.status_code == 403, (method, path, answer.status_code)
        checked += 1
    assert checked > 20


def test_a_cookie_session_needs_its_csrf_token_for_changes(api: Api) -> None:
    c = api.client
    csrf = login(c, "admin", ADMIN_PASSWORD)
    body = {"name": "t", "role": "viewer"}
    assert c.get(f"{PREFIX}/tokens").status_code == 200  # reads need no CSRF token
    refused = c.post(f"{PREFIX}/tokens", json=body)
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]
    assert c.post(f"{PREFIX}/tokens", json=body, headers={"X-CSRF-Token": "x"}).status_code == 403
    assert c.post(f"{PREFIX}/tokens", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201
    # A form post (the UI's) may carry the token as a field instead.
    form = c.delete(f"{PREFIX}/tokens/1", headers={"X-CSRF-Token": csrf})
    assert form.status_code == 200


def test_a_viewer_session_cannot_change_even_with_the_csrf_token(api: Api) -> None:
    csrf = login(api.client, "viewer", VIEWER_PASSWORD)
    answer = api.client.post(f"{PREFIX}/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 403
    assert (
        api.client.post(f"{PREFIX}/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    )
    assert api.client.get(f"{PREFIX}/auth/me").status_code == 401


def test_a_new_password_ends_the_sessions_signed_before(api: Api) -> None:
    c = api.client
    login(c, "viewer", VIEWER_PASSWORD)
    assert c.get(f"{PREFIX}/auth/me").json()["name"] == "viewer"
    accounts = c.get(f"{PREFIX}/accounts", headers=api.as_admin()).json()["accounts"]
    viewer = next(a for a in accounts if a["username"] == "viewer")
    changed = c.patch(
        f"{PREFIX}/accounts/{viewer['id']}",
        json={"password": "a-new-password"},
        headers=api.as_admin(),
    )
    assert changed.status_code == 200
    assert c.get(f"{PREFIX}/auth/me").status_code == 401


def test_failed_logins_are_limited_per_username_and_address(api: Api) -> None:
    c = api.client
    url = f"{PREFIX}/auth/login"
    for _ in range(5):
        answer = c.post(url, json={"username": "admin", "password": "wrong-password"})
        assert answer.status_code == 401
    locked = c.post(url, json={"username": "admin", "password": ADMIN_PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # Another username from the same address is not locked out.
    assert c.post(url, json={"username": "viewer", "password": VIEWER_PASSWORD}).status_code == 200


def test_unknown_user_and_wrong_password_answer_alike(api: Api) -> None:
    c = api.client
    url = f"{PREFIX}/auth/login"
    unknown = c.post(url, json={"username": "nobody", "password": "whatever1"})
    wrong = c.post(url, json={"username": "admin", "password": "whatever1"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()
    assert "set-cookie" not in wrong.headers


def test_session_cookie_is_http_only_and_same_site(api: Api) -> None:
    answer = api.client.post(
        f"{PREFIX}/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert ADMIN_PASSWORD not in answer.headers["set-cookie"]


def test_secure_headers_on_every_kind_of_answer(api: Api) -> None:
    for path, headers in (
        ("/healthz", {}),
        (f"{PREFIX}/connections", {}),
        (f"{PREFIX}/connections", api.as_viewer()),
        (f"{PREFIX}/docs", api.as_viewer()),
    ):
        answer = api.client.get(path, headers=headers)
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"
    api_answer = api.client.get(f"{PREFIX}/connections", headers=api.as_viewer())
    assert api_answer.headers["cache-control"] == "no-store"


def test_docs_page_and_openapi_are_served_locally_behind_auth(api: Api) -> None:
    c = api.client
    assert c.get(f"{PREFIX}/openapi.json").status_code == 401
    document = c.get(f"{PREFIX}/openapi.json", headers=api.as_viewer()).json()
    assert document["servers"] == [{"url": PREFIX}]
    assert "/pagerduty/rules" in document["paths"]
    page = c.get(f"{PREFIX}/docs", headers=api.as_viewer()).text
    assert "http" not in page  # no CDN: every asset is relative
    script = c.get(f"{PREFIX}/docs/assets/swagger-ui-bundle.js", headers=api.as_viewer())
    assert script.status_code == 200 and len(script.content) > 100_000
    assert c.get(f"{PREFIX}/docs/assets/secret.key", headers=api.as_viewer()).status_code == 404


def test_accounts_are_managed_by_admins(api: Api) -> None:
    c = api.client
    made = c.post(
        f"{PREFIX}/accounts",
        json={"username": "carol", "password": "carol-password", "role": "viewer"},
        headers=api.as_admin(),
    )
    assert made.status_code == 201
    assert "password" not in made.text and "carol-password" not in made.text
    again = c.post(
        f"{PREFIX}/accounts",
        json={"username": "carol", "password": "carol-password"},
        headers=api.as_admin(),
    )
    assert again.status_code == 409
    short = c.post(
        f"{PREFIX}/accounts", json={"username": "dan", "password": "short"}, headers=api.as_admin()
    )
    assert short.status_code == 400
    assert short.json()["error"]["errors"][0].startswith("password:")
    disabled = c.patch(
        f"{PREFIX}/accounts/{made.json()['id']}", json={"enabled": False}, headers=api.as_admin()
    )
    assert disabled.json()["enabled"] is False
    refused = c.post(
        f"{PREFIX}/auth/login", json={"username": "carol", "password": "carol-password"}
    )
    assert refused.status_code == 401


def test_the_last_enabled_admin_cannot_be_demoted_or_disabled(api: Api) -> None:
    c = api.client
    accounts = c.get(f"{PREFIX}/accounts", headers=api.as_admin()).json()["accounts"]
    admin = next(a for a in accounts if a["username"] == "admin")
    url = f"{PREFIX}/accounts/{admin['id']}"
    for change in ({"role": "viewer"}, {"enabled": False}):
        refused = c.patch(url, json=change, headers=api.as_admin())
        assert refused.status_code == 409, refused.text
        assert "last enabled admin" in refused.json()["error"]["message"]
    second = c.post(
        f"{PREFIX}/accounts",
        json={"username": "erin", "password": "erin-password", "role": "admin"},
        headers=api.as_admin(),
    )
    assert second.status_code == 201
    demoted = c.patch(url, json={"role": "viewer"}, headers=api.as_admin())
    assert demoted.status_code == 200 and demoted.json()["role"] == "viewer"
    assert c.patch(f"{PREFIX}/accounts/99999", json={}, headers=api.as_admin()).status_code == 404
