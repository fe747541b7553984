from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from jirasync.config import Settings
from jirasync.engine.service import Service
from jirasync.web.app import create_app


def _settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "data"
    )


def test_health_and_readiness_with_a_worker(tmp_path: Path) -> None:
    app = create_app(Service(_settings(tmp_path)))
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"ready": True, "checks": {"database": "ok", "worker": "running"}}


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
