"""`jirasync sim …` as a user runs it: a real process on a port, options, and seed errors."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_jira_simulator_process_with_an_option() -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jirasync",
            "sim",
            "jira",
            "--port",
            str(port),
            "-o",
            "version=8.20.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                info = httpx.get(
                    f"http://127.0.0.1:{port}/rest/api/2/serverInfo", auth=("admin", "admin")
                )
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise AssertionError(
                        process.stdout.read() if process.stdout else "no output"
                    ) from None
                time.sleep(0.1)
        assert info.status_code == 200 and info.json()["version"] == "8.20.1"
        credentials = httpx.get(f"http://127.0.0.1:{port}/_sim/credentials").json()
        assert "admin" in str(credentials)
    finally:
        process.terminate()
        process.wait(10)


def test_a_bad_seed_is_reported_without_a_traceback(tmp_path: Path) -> None:
    seed = tmp_path / "seed.yaml"
    seed.write_text("users: 3\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jirasync",
            "sim",
            "pagerduty",
            "--port",
            str(free_port()),
            "--seed",
            str(seed),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--seed" in result.stderr and "Traceback" not in result.stderr + result.stdout


def test_a_malformed_option_is_refused() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jirasync",
            "sim",
            "hackerone",
            "--port",
            str(free_port()),
            "-o",
            "novalue",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "KEY=VALUE" in result.stderr
