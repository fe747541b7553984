"""Fuzzed bodies through jirasync's real webhook routes (ASGI app, SQLite inbox), signed or
tokened so each body is really parsed: the answer is always 2xx/4xx, never 5xx, and every 400
is recorded in the inbox with the body it answered (a malformed webhook is answered 400 and
recorded)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from tests.fuzz.strategies import (
    H1_EVENTS,
    JIRA_BODIES,
    PAGERDUTY_BODIES,
    bodies,
    examples,
    hackerone_bodies,
    load,
)
from tests.web.test_webhook_routes import H1_SECRET, PD_SECRET, TOKEN, configure, document

from jirasync.config import Settings
from jirasync.connectors.hackerone.webhooks import sign as h1_sign
from jirasync.connectors.pagerduty.webhooks import sign as pd_sign
from jirasync.engine.service import Service
from jirasync.web.app import create_app

Client = tuple[TestClient, dict[str, int], Service]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    path: Path = tmp_path_factory.mktemp("fuzz-routes")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path / 'db.sqlite'}",
        data_dir=path / "data",
        log_level="error",
    )
    ids = configure(settings, document())
    service = Service(settings)
    # No worker: what is under test is what the routes answer and store.
    with TestClient(create_app(service, run_worker=False)) as test_client:
        yield test_client, ids, service


def stored_body(client: Client, event_id: int) -> bytes | None:
    test_client, _, service = client

    async def read() -> bytes | None:
        async with service.db.read() as conn:
            rows = await conn.exec_driver_sql(
                "SELECT body FROM inbox_events WHERE id = ?", (event_id,)
            )
            row = rows.first()
            return None if row is None else bytes(row[0])

    return test_client.portal.call(read)  # type: ignore[union-attr]


def answered(client: Client, url: str, body: bytes, headers: dict[str, str]) -> None:
    response = client[0].post(url, content=body, headers=headers)
    assert response.status_code < 500, response.text
    assert response.status_code in (202, 400), (response.status_code, response.text)
    answer: dict[str, Any] = response.json()
    assert isinstance(answer.get("event_id"), int), answer
    if response.status_code == 400:
        assert answer["error"], answer
        assert stored_body(client, answer["event_id"]) == body


@examples(150)
@given(bodies([load(p) for p in JIRA_BODIES]))
def test_jira_route(client: Client, body: bytes) -> None:
    answered(client, f"/webhooks/jira/{client[1]['jira']}/{TOKEN}", body, {})


@examples(150)
@given(bodies([load(p) for p in PAGERDUTY_BODIES]))
def test_pagerduty_route(client: Client, body: bytes) -> None:
    headers = {"X-PagerDuty-Signature": pd_sign(body, PD_SECRET)}
    answered(client, f"/webhooks/pagerduty/{client[1]['pd']}", body, headers)


header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20)


@examples(150)
@given(bodies(hackerone_bodies()), st.sampled_from(H1_EVENTS) | header_text)
def test_hackerone_route(client: Client, body: bytes, event: str) -> None:
    headers = {
        "X-H1-Signature": h1_sign(body, H1_SECRET),
        "X-H1-Delivery": str(uuid.uuid4()),
        "X-H1-Event": event,
    }
    answered(client, f"/webhooks/hackerone/{client[1]['h1']}", body, headers)
