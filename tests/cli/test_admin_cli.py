"""`jirasync admin`: the first admin and API tokens from the command line, as real processes;
the token printed once works against a running `jirasync serve`, and stops working revoked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIRASYNC_")}
    return {
        **env,
        "JIRASYNC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        "JIRASYNC_DATA_DIR": str(tmp_path / "data"),
        "JIRASYNC_LOG_FORMAT": "json",
        **extra,
    }


def jirasync(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jirasync", *args],
        env=_env(tmp_path),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_admin_account_and_token_from_the_command_line(tmp_path: Path) -> None:
    made = jirasync(
        tmp_path, "admin", "create", "-u", "alice", "--password-stdin", stdin="alice-pw-123\n"
    )
    assert made.returncode == 0, made.stderr
    again = jirasync(
        tmp_path, "admin", "create", "-u", "alice", "--password-stdin", stdin="alice-pw-123\n"
    )
    assert again.returncode == 1 and "exists already" in again.stderr

    token = jirasync(tmp_path, "admin", "token", "create", "--name", "deploy", "--role", "admin")
    assert token.returncode == 0, token.stderr
    secret = token.stdout.strip()
    assert secret.startswith("jst_") and secret not in token.stderr
    listed = jirasync(tmp_path, "admin", "token", "list")
    assert "deploy" in listed.stdout and secret not in listed.stdout

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "jirasync", "serve", "--port", str(port)],
        env=_env(tmp_path),
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        bearer = {"Authorization": f"Bearer {secret}"}
        me = httpx.get(f"{url}/api/v1/auth/me", headers=bearer)
        assert me.json() == {"kind": "token", "name": "deploy", "role": "admin", "csrf_token": None}
        login = httpx.post(
            f"{url}/api/v1/auth/login", json={"username": "alice", "password": "alice-pw-123"}
        )
        assert login.json()["role"] == "admin"
        revoked = jirasync(tmp_path, "admin", "token", "revoke", "1")
        assert revoked.returncode == 0, revoked.stderr
        assert httpx.get(f"{url}/api/v1/auth/me", headers=bearer).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=30)
