"""Invariant 7 with real processes: the credentials given to `jirasync apply` never show up in
the service's logs (at debug level), the CLI's output, HTTP answers, or the database file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from jirasync.serving import ServerThread
from jirasync.sim.common import SimConfig
from jirasync.sim.jira import create_app as jira_app
from jirasync.sim.pagerduty import create_app as pagerduty_app

JIRA_PAT = "admin-pat-0123456789abcdef"
PD_KEY = "pdsim-account-key-0001"
WEBHOOK_TOKEN = "jira-url-token-5f1c9a7e3b"
SECRETS = (JIRA_PAT, PD_KEY, WEBHOOK_TOKEN)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def sims() -> Iterator[tuple[str, str]]:
    with (
        ServerThread(lambda url: jira_app(SimConfig(base_url=url))) as jira,
        ServerThread(lambda url: pagerduty_app(SimConfig(base_url=url))) as pagerduty,
    ):
        yield jira.url, pagerduty.url


def test_no_secret_in_logs_output_answers_or_database(
    tmp_path: Path, sims: tuple[str, str]
) -> None:
    jira_url, pd_url = sims
    port = free_port()
    env = {
        **os.environ,
        "JIRASYNC_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'jirasync.db'}",
        "JIRASYNC_DATA_DIR": str(tmp_path / "data"),
        "JIRASYNC_PORT": str(port),
        "JIRASYNC_LOG_LEVEL": "debug",
        "JIRASYNC_LOG_FORMAT": "json",
    }
    document = {
        "connections": [
            {
                "name": "jira",
                "kind": "jira",
                "base_url": jira_url,
                "credentials": {"auth": "pat", "token": JIRA_PAT, "webhook_token": WEBHOOK_TOKEN},
                "options": {"own_users": ["admin"]},
            },
            {
                "name": "pd",
                "kind": "pagerduty",
                "base_url": pd_url,
                "credentials": {"api_key": PD_KEY},
                "options": {"from_email": "jirasync@example.com"},
            },
        ],
        "rules": {
            "pagerduty": [
                {
                    "connection": "pd",
                    "jira": "jira",
                    "rule": {
                        "name": "r",
                        "enabled": True,
                        "config": {
                            "services": [{"id": "PSVC001"}],
                            "projects": [{"key": "SUP"}],
                            "issue_types": [{"id": "3"}],
                            "autocreate_issues": True,
                            "autocreate_issues_config": [
                                {"condition": {"pd_events": ["incident.trigger"]}}
                            ],
                        },
                    },
                }
            ]
        },
    }
    (tmp_path / "setup.yaml").write_text(yaml.safe_dump(document))
    jirasync = [sys.executable, "-m", "jirasync"]
    outputs: list[str] = []
    log_path = tmp_path / "serve.log"
    log_file = log_path.open("w")  # a file, not a pipe: a full pipe would block the server
    server = subprocess.Popen(
        [*jirasync, "serve"], env=env, stdout=log_file, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_up(base, server)
        for args in (
            ["apply", str(tmp_path / "setup.yaml")],
            ["check", "--fix", "--public-url", base],
        ):
            done = subprocess.run(
                [*jirasync, *args], env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, done.stdout + done.stderr
            outputs.append(done.stdout + done.stderr)
        answers = [
            httpx.post(f"{base}/webhooks/jira/1/not-the-token", content=b"{}").text,
            httpx.post(f"{base}/webhooks/jira/1/{WEBHOOK_TOKEN}", content=b"{oops").text,
            httpx.post(
                f"{base}/webhooks/pagerduty/2",
                content=b"{}",
                headers={"X-PagerDuty-Signature": "v1=00"},
            ).text,
            httpx.get(f"{base}/readyz").text,
        ]
        incident = {
            "incident": {
                "type": "incident",
                "title": "Disk full",
                "service": {"id": "PSVC001", "type": "service_reference"},
            }
        }
        headers = {"Authorization": f"Token token={PD_KEY}", "From": "alice@example.com"}
        assert httpx.post(f"{pd_url}/incidents", json=incident, headers=headers).status_code == 201
        deadline = time.monotonic() + 20
        while not _issues(jira_url) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _issues(jira_url) == ["Disk full"], "the sync did not run, so the logs prove little"
    finally:
        server.terminate()
        server.wait(timeout=20)
        log_file.close()
    log = log_path.read_text()
    assert "event" in log and "worker.started" in log  # the log really was captured
    database = (tmp_path / "jirasync.db").read_bytes()
    for secret in SECRETS:
        assert secret not in log, f"{secret} in the service log"
        assert all(secret not in out for out in outputs), f"{secret} in CLI output"
        assert all(secret not in answer for answer in answers), f"{secret} in an HTTP answer"
        assert secret.encode() not in database, f"{secret} in the database file"


def _wait_up(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("serve exited")
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError("serve did not come up")


def _issues(jira_url: str) -> list[str]:
    found = httpx.post(
        f"{jira_url}/rest/api/2/search",
        auth=("admin", "admin"),
        json={
            "jql": "project = SUP AND labels is not EMPTY AND summary ~ Disk",
            "fields": ["summary"],
        },
    )
    return [i["fields"]["summary"] for i in found.json().get("issues", [])]
