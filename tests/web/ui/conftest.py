"""The app with its web UI on a fresh SQLite database, an admin and a viewer account, and one
connection of each kind whose secrets are known (the pages must never show them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from tests.web.api.conftest import _HASHES, ADMIN_PASSWORD, VIEWER_PASSWORD, settings

from jirasync.engine.service import Service
from jirasync.store.models import Account
from jirasync.sync.setup import apply
from jirasync.web.app import create_app

SECRETS = {
    "jira_password": "jira-secret-pw-4471",
    "pd_key": "pd-secret-key-9931",
    "h1_token": "h1-secret-token-5510",
    "h1_webhook": "h1-secret-webhook-7782",
}

SETUP = {
    "connections": [
        {
            "name": "jira",
            "kind": "jira",
            "base_url": "http://jira.invalid",
            "credentials": {
                "auth": "basic",
                "username": "admin",
                "password": SECRETS["jira_password"],
            },
        },
        {
            "name": "pagerduty",
            "kind": "pagerduty",
            "base_url": "http://pagerduty.invalid",
            "credentials": {"api_key": SECRETS["pd_key"]},
            "options": {"from_email": "jirasync@example.com"},
        },
        {
            "name": "hackerone",
            "kind": "hackerone",
            "base_url": "http://hackerone.invalid",
            "credentials": {
                "identifier": "jirasync",
                "token": SECRETS["h1_token"],
                "webhook_secret": SECRETS["h1_webhook"],
            },
            "options": {"program": "acme"},
        },
    ]
}

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Ui:
    client: TestClient
    service: Service
    connections: dict[str, int]

    def run(self, coroutine: object) -> object:
        return self.client.portal.call(lambda: coroutine)  # type: ignore[union-attr,arg-type,return-value]


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str) -> str:
    """Sign in through the login form; returns the session's CSRF token."""
    token = csrf_of(client.get("/login").text)
    answer = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return csrf_of(client.get("/").text)


def as_admin(client: TestClient) -> str:
    return sign_in(client, "admin", ADMIN_PASSWORD)


def as_viewer(client: TestClient) -> str:
    return sign_in(client, "viewer", VIEWER_PASSWORD)


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[Ui]:
    service = Service(settings(tmp_path))
    app = create_app(service, run_worker=False)
    with TestClient(app, base_url="http://jirasync.test") as client:

        async def seed() -> dict[str, int]:
            async with service.db.sessions() as session, session.begin():
                for name, hashed in _HASHES.items():
                    session.add(Account(username=name, password_hash=hashed, role=name))
            applied = await apply(service.db, service.secrets, SETUP)
            return dict(applied.connections)

        assert client.portal is not None
        yield Ui(client, service, client.portal.call(seed))
