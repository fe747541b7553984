"""Every page of the UI over HTTP: a stranger is sent to the login page, every change needs the
session's CSRF token and the admin role (a viewer gets 403 and nothing changes), and no page
ever shows a stored secret."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from tests.web.ui.conftest import SECRETS, Ui, as_admin, as_viewer

from jirasync.store.models import InboxEvent, UserMapping

PAGES = [
    "/",
    "/activity",
    "/activity?source=jira&status=dead&connection_id=1&q=OPS-1",
    "/queue",
    "/links",
    "/links?q=OPS-1&sync_status=error",
    "/connections",
    "/connections/{jira}",
    "/connections/{pagerduty}",
    "/connections/{hackerone}",
    "/rules",
    "/escalations",
    "/user-mappings",
    "/actions",
    "/tokens",
]
# Pages only an admin opens (forms to create things).
ADMIN_PAGES = [
    "/connections/new",
    "/connections/new?kind=jira",
    "/connections/new?kind=pagerduty",
    "/connections/new?kind=hackerone",
    "/connections/{jira}/setup",
    "/rules/new",
    "/escalations/new",
    "/accounts",
]
# Every change the UI makes, with a form that would otherwise be accepted.
CHANGES = [
    ("/queue/1/replay", {}),
    ("/queue/1/retry", {}),
    ("/queue/1/ignore", {}),
    ("/queue/replay-dead", {}),
    (
        "/connections/new",
        {
            "kind": "jira",
            "name": "x",
            "base_url": "http://x.invalid",
            "username": "u",
            "password": "p",
        },
    ),
    ("/connections/{jira}", {"name": "renamed", "base_url": "http://jira.invalid"}),
    ("/connections/{jira}/delete", {}),
    ("/connections/{jira}/test", {}),
    ("/connections/{jira}/webhooks/fix", {}),
    ("/rules/new", {"name": "r"}),
    ("/rules/new", {"name": "r", "add": "s1"}),
    ("/rules/new", {"name": "r", "s1-count": "1", "remove": "s1-0"}),
    ("/rules/new", {"name": "r", "preview": "1", "preview_incident": "PINC1"}),
    ("/rules/1/up", {}),
    ("/rules/1/down", {}),
    ("/escalations/new", {"name": "e"}),
    ("/actions/create-issue", {"incident_id": "PABC123"}),
    ("/actions/trigger-incident", {"issue_key": "OPS-1"}),
    ("/actions/escalate", {"report_id": "100001"}),
    (
        "/actions/link",
        {
            "source_type": "incident",
            "connection_id": "{pagerduty}",
            "source_id": "PABC123",
            "issue_key": "OPS-1",
        },
    ),
    ("/links/1/unlink", {}),
    ("/accounts", {"username": "dana", "password": "dana-password", "role": "admin"}),
    ("/accounts/1/role", {"role": "viewer"}),
    ("/accounts/2/disable", {}),
    ("/accounts/2/enable", {}),
    ("/accounts/2/password", {"password": "a-new-password"}),
    ("/tokens", {"name": "deploy", "role": "admin"}),
    ("/tokens/1/revoke", {}),
    (
        "/user-mappings",
        {
            "jira_connection_id": "{jira}",
            "connection_id": "{pagerduty}",
            "jira_user": "dana",
            "remote_user": "PDANA",
        },
    ),
    ("/user-mappings/1/delete", {}),
]


def _path(ui: Ui, path: str) -> str:
    return path.format(**ui.connections)


def _form(ui: Ui, data: dict[str, str]) -> dict[str, str]:
    return {k: v.format(**ui.connections) for k, v in data.items()}


def _seed_event(ui: Ui) -> None:
    async def receive() -> None:
        await ui.service.inbox.receive(
            source="jira",
            connection_id=ui.connections["jira"],
            delivery_id="delivery-1",
            ordering_key="jira:1:10001",
            headers={"x-test": "1"},
            body=b'{"webhookEvent": "jira:issue_created"}',
        )

    ui.run(receive())


@pytest.mark.parametrize("path", PAGES + ADMIN_PAGES + ["/activity/1", "/activity/stream"])
def test_a_stranger_is_sent_to_the_login_page(ui: Ui, path: str) -> None:
    answer = ui.client.get(_path(ui, path), follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_every_page_opens_and_shows_no_secret(ui: Ui) -> None:
    _seed_event(ui)
    as_admin(ui.client)
    for path in [*PAGES, *ADMIN_PAGES, "/activity/1"]:
        answer = ui.client.get(_path(ui, path))
        assert answer.status_code == 200, (path, answer.text[:500])
        for secret in SECRETS.values():
            assert secret not in answer.text, (path, secret)
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")


def test_a_viewer_sees_every_page_without_a_change_button(ui: Ui) -> None:
    _seed_event(ui)
    as_viewer(ui.client)
    for path in [*PAGES, "/activity/1", "/rules/new"]:
        answer = ui.client.get(_path(ui, path))
        if path == "/rules/new":
            assert answer.status_code == 403
            continue
        assert answer.status_code == 200, path
        forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', answer.text)
        if path == "/actions":  # the forms are shown, each one disabled
            assert answer.text.count("<fieldset disabled>") == len(forms) - 1 == 4
            continue
        assert forms == ["/logout"], (path, forms)
    assert ui.client.get("/accounts").status_code == 403


@pytest.mark.parametrize(("path", "data"), CHANGES)
def test_a_change_without_the_csrf_token_is_refused(
    ui: Ui, path: str, data: dict[str, str]
) -> None:
    as_admin(ui.client)
    answer = ui.client.post(_path(ui, path), data=_form(ui, data), follow_redirects=False)
    assert answer.status_code == 403, answer.text[:300]
    assert "CSRF" in answer.text
    forged = ui.client.post(
        _path(ui, path), data={**_form(ui, data), "csrf_token": "forged"}, follow_redirects=False
    )
    assert forged.status_code == 403


@pytest.mark.parametrize(("path", "data"), CHANGES)
def test_a_viewer_cannot_change_anything(ui: Ui, path: str, data: dict[str, str]) -> None:
    token = as_viewer(ui.client)
    answer = ui.client.post(
        _path(ui, path), data={**_form(ui, data), "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 403, answer.text[:300]
    assert "viewers may look, not change" in answer.text


def test_an_admin_changes_with_the_token_and_a_viewer_does_not(ui: Ui) -> None:
    async def mappings() -> int:
        async with ui.service.db.read() as conn:
            return int(await conn.scalar(select(func.count()).select_from(UserMapping)) or 0)

    data = _form(ui, CHANGES[-2][1])
    token = as_viewer(ui.client)
    ui.client.post("/user-mappings", data={**data, "csrf_token": token})
    assert ui.run(mappings()) == 0
    ui.client.cookies.clear()
    token = as_admin(ui.client)
    answer = ui.client.post(
        "/user-mappings", data={**data, "csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert ui.run(mappings()) == 1


def test_the_queue_replays_a_finished_event_and_says_why_not_twice(ui: Ui) -> None:
    _seed_event(ui)
    token = as_admin(ui.client)
    ignored = ui.client.post("/queue/1/ignore", data={"csrf_token": token}, follow_redirects=False)
    assert ignored.status_code == 303
    again = ui.client.post("/queue/1/ignore", data={"csrf_token": token})
    assert again.status_code == 409
    assert "Event #1 is ignored: it cannot be ignored." in again.text
    replayed = ui.client.post("/queue/1/replay", data={"csrf_token": token}, follow_redirects=False)
    assert replayed.status_code == 303

    async def status() -> str:
        async with ui.service.db.read() as conn:
            return str(await conn.scalar(select(InboxEvent.status).where(InboxEvent.id == 1)))

    assert ui.run(status()) == "pending"
    assert ui.client.post("/queue/999/replay", data={"csrf_token": token}).status_code == 404


def test_a_bad_filter_or_id_is_a_4xx_not_a_500(ui: Ui) -> None:
    as_admin(ui.client)
    assert ui.client.get("/activity?status=nope").status_code == 400
    assert ui.client.get("/activity?connection_id=abc").status_code == 400
    assert ui.client.get("/links?sync_status=nope").status_code == 400
    assert ui.client.get("/activity/99999999999").status_code == 404
    assert ui.client.get("/connections/99").status_code == 404
    assert ui.client.get("/rules/99").status_code == 404
    assert ui.client.get("/escalations/99").status_code == 404


def test_the_wizard_shows_problems_by_their_fields_and_never_echoes_a_secret(ui: Ui) -> None:
    token = as_admin(ui.client)
    answer = ui.client.post(
        "/connections/new",
        data={
            "csrf_token": token,
            "kind": "jira",
            "name": "",
            "base_url": "ftp://x",
            "auth": "basic",
            "username": "",
            "password": "typed-secret-123",
        },
    )
    assert answer.status_code == 400
    assert 'id="e-name"' in answer.text and 'id="e-base_url"' in answer.text
    assert "typed-secret-123" not in answer.text
    missing = ui.client.post(
        "/connections/new",
        data={
            "csrf_token": token,
            "kind": "jira",
            "name": "j2",
            "base_url": "http://j.invalid",
            "auth": "basic",
            "username": "",
            "password": "typed-secret-123",
        },
    )
    assert missing.status_code == 400
    assert 'id="e-username"' in missing.text and "required with auth basic" in missing.text
    assert "typed-secret-123" not in missing.text


def test_the_live_stream_sends_new_events(ui: Ui) -> None:
    """The stream's generator, read until its first message with a row."""
    from jirasync.web.ui import activity

    as_admin(ui.client)

    class Browser:
        app = ui.client.app
        url = None

        async def is_disconnected(self) -> bool:
            return False

    async def first_rows() -> str:
        stream = activity._follow(Browser(), activity.Filters(), 0, [])  # type: ignore[arg-type]
        assert await anext(stream) == "retry: 2000\n\n"
        await ui.service.inbox.receive(
            source="jira",
            connection_id=ui.connections["jira"],
            delivery_id="delivery-2",
            ordering_key="jira:1:10002",
            headers={},
            body=b"{}",
        )
        message = await anext(stream)
        await stream.aclose()
        return message

    message = ui.run(first_rows())
    assert message.startswith("event: activity\n")  # type: ignore[union-attr]
    assert 'id="event-1"' in message  # type: ignore[operator]


def test_the_issue_type_picker_answers_viewers_with_a_fragment(ui: Ui) -> None:
    path = f"/escalations-pickers/issue-types?jira_connection_id={ui.connections['jira']}"
    assert ui.client.get(path, follow_redirects=False).status_code == 303
    as_viewer(ui.client)
    answer = ui.client.get(f"{path}&project_key=SUP&issue_type_id=10002")
    assert answer.status_code == 200
    assert answer.text.lstrip().startswith('<div id="pick-issue_type_id"')
    # jira.invalid cannot answer: the picker says so and keeps the chosen type.
    assert "could not load them" in answer.text
    assert 'value="10002" selected' in answer.text
    assert ui.client.get(f"{path}&project_key=" + "x" * 101).status_code == 422
