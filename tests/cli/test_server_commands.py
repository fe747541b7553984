"""`jirasync serve` and `jirasync migrate` as real processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from alembic.script import ScriptDirectory

from jirasync.store.migrate import alembic_config


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIRASYNC_")}
    return {**env, "JIRASYNC_LOG_FORMAT": "json", **extra}


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_serve_starts_answers_health_and_stops_cleanly(tmp_path: Path, stop_signal) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jirasync", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        assert ready.status_code == 200
        checks = ready.json()["checks"]
        assert (checks["database"], checks["worker"], checks["queue"]["status"]) == (
            "ok",
            "running",
            "ok",
        )
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        assert 'jirasync_queue_events{status="pending"} 0.0' in metrics.text
    finally:
        process.send_signal(stop_signal)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert '"event": "worker.stopped"' in err
    # The default embedded set-up: SQLite and a generated key in ./data/.
    assert (tmp_path / "data" / "jirasync.db").exists()
    assert (tmp_path / "data" / "secret.key").stat().st_mode & 0o077 == 0
    assert '"event": "secret_key.generated"' in err


def test_migrate_brings_an_empty_database_to_head(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "jirasync", "migrate"],
        env=_env(JIRASYNC_DATABASE_URL=url),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert f'"after": "{head}"' in result.stderr


def test_a_lone_worker_serves_its_metrics_when_given_a_port(tmp_path: Path) -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jirasync", "worker", "--migrate"],
        cwd=tmp_path,
        env=_env(JIRASYNC_MONITORING__WORKER_METRICS_PORT=str(port)),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "no metrics port"
                time.sleep(0.1)
        assert response.status_code == 200
        assert "jirasync_events_claimed_total" in response.text
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
