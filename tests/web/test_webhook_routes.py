"""The webhook routes: who is let in, what is stored, what each answer means, and every real
webhook body we have goes through."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from jirasync.config import Settings
from jirasync.connectors.hackerone.webhooks import sign as h1_sign
from jirasync.connectors.pagerduty.webhooks import sign as pd_sign
from jirasync.crypto import SecretBox, load_or_create_key
from jirasync.engine.service import Service
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade
from jirasync.sync.registration import store_subscription_secret
from jirasync.sync.setup import apply
from jirasync.web.app import create_app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "webhooks"
TOKEN = "url-token-0123456789"
PD_SECRET = "pd-secret-1"
H1_SECRET = "h1-secret-1"


def document(jira_secret: str | None = None) -> dict[str, Any]:
    jira_credentials = {
        "auth": "basic",
        "username": "jirasync",
        "password": "x",
        "webhook_token": TOKEN,
    }
    if jira_secret:
        jira_credentials["webhook_secret"] = jira_secret
    return {
        "connections": [
            {
                "name": "jira",
                "kind": "jira",
                "base_url": "http://jira.invalid",
                "credentials": jira_credentials,
            },
            {
                "name": "pd",
                "kind": "pagerduty",
                "base_url": "http://pd.invalid",
                "credentials": {"api_key": "k"},
            },
            {
                "name": "h1",
                "kind": "hackerone",
                "base_url": "http://h1.invalid",
                "credentials": {"identifier": "id", "token": "t", "webhook_secret": H1_SECRET},
                "options": {"program": "acme"},
            },
        ]
    }


def configure(settings: Settings, doc: dict[str, Any]) -> dict[str, int]:
    async def run() -> dict[str, int]:
        db = Database(settings.database)
        secrets = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
        try:
            await upgrade(db)
            applied = await apply(db, secrets, doc)
            await store_subscription_secret(
                db, secrets, applied.connections["pd"], "SUB1", PD_SECRET
            )
            return applied.connections
        finally:
            await db.dispose()

    return asyncio.run(run())


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, int], Service]]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=tmp_path / "data",
        log_level="warning",
    )
    ids = configure(settings, document())
    service = Service(settings)
    # No worker: these tests are about what the routes store and answer.
    with TestClient(create_app(service, run_worker=False)) as client:
        yield client, ids, service


def stored(service: Service, client: TestClient) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        async with service.db.read() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT source, status, duplicates, ordering_key FROM inbox_events ORDER BY id"
            )
            return [dict(r._mapping) for r in rows]

    return client.portal.call(read)  # type: ignore[union-attr]


def test_jira_url_token_and_bodies(app: tuple[TestClient, dict[str, int], Service]) -> None:
    client, ids, service = app
    body = (FIXTURES / "jira" / "webhook-server-issue-updated-resolved.json").read_bytes()
    assert client.post(f"/webhooks/jira/{ids['jira']}/wrong-token", content=body).status_code == 403
    assert client.post(f"/webhooks/jira/999/{TOKEN}", content=body).status_code == 404
    accepted = client.post(f"/webhooks/jira/{ids['jira']}/{TOKEN}", content=body)
    assert accepted.status_code == 202 and accepted.json()["duplicate"] is False
    malformed = client.post(
        f"/webhooks/jira/{ids['jira']}/{TOKEN}", content=b'{"webhookEvent": "jira:issue_updated"}'
    )
    assert malformed.status_code == 400 and "issue" in malformed.json()["error"]
    ignored = client.post(
        f"/webhooks/jira/{ids['jira']}/{TOKEN}", content=b'{"webhookEvent": "worklog_created"}'
    )
    assert ignored.status_code == 202
    too_big = client.post(
        f"/webhooks/jira/{ids['jira']}/{TOKEN}", content=b"x" * (2 * 1024 * 1024 + 1)
    )
    assert too_big.status_code == 413
    rows = stored(service, client)
    assert [r["ordering_key"] for r in rows] == [
        f"jira:{ids['jira']}:10300",
        f"jira:{ids['jira']}:unparsed",
        f"jira:{ids['jira']}:unparsed",
    ]


def test_pagerduty_signature_and_redelivery(
    app: tuple[TestClient, dict[str, int], Service],
) -> None:
    client, ids, service = app
    body = (FIXTURES / "pagerduty" / "zulip_acknowledged_v3.json").read_bytes()
    url = f"/webhooks/pagerduty/{ids['pd']}"
    assert client.post(url, content=body).status_code == 401
    assert (
        client.post(
            url, content=body, headers={"X-PagerDuty-Signature": pd_sign(body, "nope")}
        ).status_code
        == 403
    )
    good = {"X-PagerDuty-Signature": f"v1=deadbeef,{pd_sign(body, PD_SECRET)}"}
    first = client.post(url, content=body, headers=good)
    again = client.post(url, content=body, headers=good)
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json() == {"event_id": first.json()["event_id"], "duplicate": True}
    [row] = stored(service, client)
    assert row["duplicates"] == 1 and row["ordering_key"] == f"pagerduty:{ids['pd']}:PQ1K5C8"


def test_a_secret_stored_by_another_process_is_honoured_at_once(
    app: tuple[TestClient, dict[str, int], Service],
) -> None:
    """`jirasync check --fix` in another process creates a subscription and stores its secret
    while the service holds the connection in its pool: the first webhook signed with the new
    secret is let in, not refused until the pool reads the row again."""
    client, ids, service = app
    body = (FIXTURES / "pagerduty" / "zulip_acknowledged_v3.json").read_bytes()
    url = f"/webhooks/pagerduty/{ids['pd']}"
    old = {"X-PagerDuty-Signature": pd_sign(body, PD_SECRET)}
    assert client.post(url, content=body, headers=old).status_code == 202  # pool warm

    async def elsewhere() -> None:
        db = Database(service.settings.database)
        try:
            await store_subscription_secret(db, service.secrets, ids["pd"], "SUB2", "pd-secret-2")
        finally:
            await db.dispose()

    asyncio.run(elsewhere())
    other = body.replace(b"PQ1K5C8", b"PQ1K5C9")
    new = {"X-PagerDuty-Signature": pd_sign(other, "pd-secret-2")}
    assert client.post(url, content=other, headers=new).status_code == 202
    assert (
        client.post(
            url, content=other, headers={**new, "X-PagerDuty-Signature": pd_sign(other, "nope")}
        ).status_code
        == 403
    )


def test_hackerone_signature_and_delivery_id(
    app: tuple[TestClient, dict[str, int], Service],
) -> None:
    client, ids, service = app
    activity = json.loads(
        (Path(__file__).parents[1] / "fixtures" / "reports" / "activity-comment.json").read_text()
    )
    report = json.loads(
        (Path(__file__).parents[1] / "fixtures" / "reports" / "report_322474.json").read_text()
    )
    body = json.dumps({"data": {"activity": activity, "report": report}}).encode()
    url = f"/webhooks/hackerone/{ids['h1']}"
    headers = {"X-H1-Event": "report_comment_created", "X-H1-Delivery": "d-1"}
    assert client.post(url, content=body, headers=headers).status_code == 401
    assert (
        client.post(
            url, content=body, headers={**headers, "X-H1-Signature": h1_sign(body, "no")}
        ).status_code
        == 403
    )
    signed = {**headers, "X-H1-Signature": h1_sign(body, H1_SECRET)}
    assert client.post(url, content=body, headers=signed).status_code == 202
    assert client.post(url, content=body, headers=signed).json()["duplicate"] is True
    no_event = {"X-H1-Delivery": "d-2", "X-H1-Signature": h1_sign(body, H1_SECRET)}
    assert client.post(url, content=body, headers=no_event).status_code == 400
    assert [r["ordering_key"] for r in stored(service, client)] == [
        f"hackerone:{ids['h1']}:322474",
        f"hackerone:{ids['h1']}:unparsed",
    ]


def test_jira_hub_signature_when_a_secret_is_set(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=tmp_path / "data",
        log_level="warning",
    )
    ids = configure(settings, document(jira_secret="hub-secret"))
    body = (FIXTURES / "jira" / "webhook-server-comment-created.json").read_bytes()
    signature = "sha256=" + hmac.new(b"hub-secret", body, hashlib.sha256).hexdigest()
    with TestClient(create_app(Service(settings), run_worker=False)) as client:
        url = f"/webhooks/jira/{ids['jira']}/{TOKEN}"
        assert client.post(url, content=body).status_code == 401
        assert (
            client.post(url, content=body, headers={"X-Hub-Signature": "sha256=00"}).status_code
            == 401
        )
        assert (
            client.post(url, content=body, headers={"X-Hub-Signature": signature}).status_code
            == 202
        )


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "jira").glob("*.json")))
def test_every_jira_fixture_is_accepted(
    app: tuple[TestClient, dict[str, int], Service], name: str
) -> None:
    client, ids, _ = app
    response = client.post(
        f"/webhooks/jira/{ids['jira']}/{TOKEN}", content=(FIXTURES / "jira" / name).read_bytes()
    )
    assert response.status_code == 202, response.text


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "pagerduty").glob("*.json")))
def test_every_pagerduty_fixture_is_accepted(
    app: tuple[TestClient, dict[str, int], Service], name: str
) -> None:
    client, ids, _ = app
    body = (FIXTURES / "pagerduty" / name).read_bytes()
    response = client.post(
        f"/webhooks/pagerduty/{ids['pd']}",
        content=body,
        headers={"X-PagerDuty-Signature": pd_sign(body, PD_SECRET)},
    )
    assert response.status_code == 202, response.text
