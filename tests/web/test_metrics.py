"""/metrics in Prometheus text format: the queue as the inbox table holds it, computed at
scrape time, and every webhook answer counted by source and outcome."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from jirasync.config import Settings
from jirasync.engine.service import Service
from jirasync.store.models import InboxEvent
from jirasync.web.app import create_app


def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _app(tmp_path: Path) -> tuple[TestClient, Service]:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "data"
    )
    service = Service(settings)
    return TestClient(create_app(service, run_worker=False)), service


async def _receive(service: Service, delivery: str) -> int:
    received = await service.inbox.receive(
        source="hackerone",
        connection_id=None,
        delivery_id=delivery,
        headers={},
        body=b"{}",
        ordering_key=f"hackerone:1:{delivery}",
    )
    return received.event_id


async def _dead(service: Service, event_id: int) -> None:
    async with service.db.write() as conn:
        await conn.execute(
            update(InboxEvent).where(InboxEvent.id == event_id).values(status="dead")
        )


def test_queue_depth_by_status_is_read_from_the_inbox_at_scrape_time(tmp_path: Path) -> None:
    client, service = _app(tmp_path)
    with client:
        assert value(scrape(client), "jirasync_queue_events", status="pending") == 0
        for delivery in ("a", "b", "c"):
            client.portal.call(_receive, service, delivery)
        client.portal.call(_dead, service, 1)

        samples = scrape(client)
        assert value(samples, "jirasync_queue_events", status="pending") == 2
        assert value(samples, "jirasync_queue_events", status="dead") == 1
        assert value(samples, "jirasync_queue_events", status="running") == 0
        assert ("jirasync_queue_lag_seconds", frozenset()) in samples
        assert ("jirasync_queue_oldest_age_seconds", frozenset({("status", "pending")})) in samples


def test_webhook_answers_are_counted_by_source_and_outcome(tmp_path: Path) -> None:
    client, _ = _app(tmp_path)
    with client:
        before = scrape(client)
        # No such connection: the sender is pointed at the wrong URL.
        assert client.post("/webhooks/pagerduty/999", content=b"{}").status_code == 404
        assert client.post("/webhooks/hackerone/999", content=b"{}").status_code == 404
        assert client.post("/webhooks/hackerone/999", content=b"{}").status_code == 404
        assert client.post("/webhooks/nowhere/1", content=b"{}").status_code == 404
        after = scrape(client)

    def grew(source: str) -> float:
        labels = {"source": source, "outcome": "unknown_connection"}
        return value(after, "jirasync_webhooks_total", **labels) - value(
            before, "jirasync_webhooks_total", **labels
        )

    assert (grew("pagerduty"), grew("hackerone"), grew("other")) == (1, 2, 1)
