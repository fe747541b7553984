"""/healthz and /readyz: the process, the database, the worker loop and the queue's lag."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update

from jirasync.config import MonitoringSettings, Settings
from jirasync.engine.service import Service
from jirasync.store.models import InboxEvent
from jirasync.store.types import utcnow
from jirasync.web.app import create_app


def _settings(tmp_path: Path, **monitoring: object) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=tmp_path / "data",
        monitoring=MonitoringSettings(**monitoring),  # type: ignore[arg-type]
    )


async def _receive(service: Service, delivery: str, key: str = "pagerduty:1:P1") -> int:
    received = await service.inbox.receive(
        source="pagerduty",
        connection_id=None,
        delivery_id=delivery,
        headers={},
        body=b"{}",
        ordering_key=key,
    )
    return received.event_id


async def _set(service: Service, event_id: int, status: str, available_in_s: float) -> None:
    async with service.db.write() as conn:
        await conn.execute(
            update(InboxEvent)
            .where(InboxEvent.id == event_id)
            .values(status=status, available_at=utcnow() + timedelta(seconds=available_in_s))
        )


def test_health_and_readiness_with_a_worker(tmp_path: Path) -> None:
    app = create_app(Service(_settings(tmp_path)))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {
            "ready": True,
            "checks": {
                "database": "ok",
                "queue": {
                    "status": "ok",
                    "lag_seconds": 0.0,
                    "lag_max_seconds": 300.0,
                    "pending": 0,
                    "retrying": 0,
                    "dead": 0,
                },
                "worker": "running",
            },
        }


def test_not_ready_when_the_database_is_unusable(tmp_path: Path) -> None:
    service = Service(_settings(tmp_path))
    app = create_app(service, run_worker=False)
    with TestClient(app) as client:
        service.db.engine.sync_engine.dispose()
        service.db.url = "unused"

        async def broken() -> None:
            raise OSError("disk gone")

        service.db.ping = broken  # type: ignore[method-assign]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "error: OSError"}


def test_not_ready_when_an_event_has_waited_for_a_worker_beyond_the_limit(tmp_path: Path) -> None:
    service = Service(_settings(tmp_path, queue_lag_max_seconds=60))
    # No worker in this process: events stay where the test puts them.
    app = create_app(service, run_worker=False)
    with TestClient(app) as client:
        stale = client.portal.call(_receive, service, "d1")
        client.portal.call(_set, service, stale, "pending", -120)

        ready = client.get("/readyz")
        assert ready.status_code == 503
        queue = ready.json()["checks"]["queue"]
        assert queue["status"] == "lagging"
        assert queue["lag_seconds"] >= 120
        assert queue["pending"] == 1


def test_events_waiting_on_a_retry_or_behind_one_are_not_lag(tmp_path: Path) -> None:
    service = Service(_settings(tmp_path, queue_lag_max_seconds=60))
    app = create_app(service, run_worker=False)
    with TestClient(app) as client:
        # The first event of the incident retries in ten minutes; the next one, due long ago,
        # waits behind it by design (per-item order), not for lack of workers.
        first = client.portal.call(_receive, service, "d1")
        client.portal.call(_set, service, first, "retrying", 600)
        second = client.portal.call(_receive, service, "d2")
        client.portal.call(_set, service, second, "pending", -600)

        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["queue"] == {
            "status": "ok",
            "lag_seconds": 0.0,
            "lag_max_seconds": 60.0,
            "pending": 1,
            "retrying": 1,
            "dead": 0,
        }


def test_lag_is_reported_but_not_judged_without_a_limit(tmp_path: Path) -> None:
    service = Service(_settings(tmp_path, queue_lag_max_seconds=None))
    app = create_app(service, run_worker=False)
    with TestClient(app) as client:
        stale = client.portal.call(_receive, service, "d1")
        client.portal.call(_set, service, stale, "pending", -7200)

        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"]["queue"]["lag_seconds"] >= 7200
        assert ready.json()["checks"]["queue"]["status"] == "ok"
