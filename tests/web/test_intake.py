from __future__ import annotations

from pathlib import Path

from fastapi import Depends, Request
from fastapi.testclient import TestClient

from jirasync.config import Settings
from jirasync.engine import Inbox
from jirasync.engine.inspect import list_events
from jirasync.engine.service import Service
from jirasync.web.app import create_app, get_inbox
from jirasync.web.intake import store_and_accept


def _app(tmp_path: Path):
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "data"
    )
    service = Service(settings)
    app = create_app(service, run_worker=False)

    @app.post("/webhooks/test")
    async def webhook(request: Request, inbox: Inbox = Depends(get_inbox)):
        return await store_and_accept(
            inbox,
            source="test",
            connection_id=None,
            delivery_id=request.headers.get("x-delivery"),
            headers=dict(request.headers),
            body=await request.body(),
            ordering_key="test:1",
        )

    return app, service


def test_a_webhook_is_stored_before_the_202_and_redeliveries_are_duplicates(tmp_path) -> None:
    app, service = _app(tmp_path)
    with TestClient(app) as client:
        first = client.post("/webhooks/test", content=b"{}", headers={"x-delivery": "abc"})
        again = client.post("/webhooks/test", content=b"{}", headers={"x-delivery": "abc"})
        assert first.status_code == 202 and again.status_code == 202
        assert again.json() == {"event_id": first.json()["event_id"], "duplicate": True}
        events = client.portal.call(list_events, service.db)
        assert [e.delivery_id for e in events] == ["abc"]


def test_a_failed_write_answers_503_so_the_sender_retries(tmp_path) -> None:
    app, service = _app(tmp_path)
    with TestClient(app) as client:

        async def broken(*args, **kwargs):
            raise OSError("disk full")

        service.inbox.receive = broken
        response = client.post("/webhooks/test", content=b"{}", headers={"x-delivery": "x"})
        assert response.status_code == 503
