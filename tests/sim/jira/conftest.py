"""Fixtures: a Jira simulator on a real socket (reset before each test) and a webhook receiver."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jirasync.serving import ServerThread
from jirasync.sim.common import SimConfig
from jirasync.sim.jira import create_app


class Receiver:
    """Records every webhook POSTed to it; answers `status` (200 by default)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = 200
        self.lock = threading.Lock()
        self.url = ""

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            raw = await request.body()
            with self.lock:
                self.calls.append(
                    {
                        "path": request.url.path,
                        "query": dict(request.query_params),
                        "headers": dict(request.headers),
                        "raw": raw,
                        "body": json.loads(raw) if raw else None,
                    }
                )
            return Response(status_code=self.status)

        return Starlette(routes=[Route("/{path:path}", hook, methods=["POST"])])

    def events(self) -> list[str]:
        return [c["body"]["webhookEvent"] for c in self.calls if c["body"]]


@pytest.fixture(scope="session")
def jira_server() -> Iterator[ServerThread]:
    with ServerThread(lambda url: create_app(SimConfig(base_url=url))) as server:
        yield server


@pytest.fixture(scope="session")
def receiver_server() -> Iterator[tuple[ServerThread, Receiver]]:
    receiver = Receiver()
    with ServerThread(lambda url: receiver.app()) as server:
        receiver.url = server.url
        yield server, receiver


@pytest.fixture
def jira(jira_server: ServerThread) -> Iterator[httpx.Client]:
    """An admin client on a freshly reset simulator."""
    with httpx.Client(base_url=jira_server.url, auth=("admin", "admin"), timeout=10) as client:
        client.post("/_sim/reset").raise_for_status()
        yield client


@pytest.fixture
def receiver(receiver_server: tuple[ServerThread, Receiver]) -> Receiver:
    _, receiver = receiver_server
    receiver.calls.clear()
    receiver.status = 200
    return receiver


@pytest.fixture
def login(jira: httpx.Client) -> Iterator[Any]:
    """`login("bob")` → a client authenticated as bob (default seed: password = name)."""
    opened: list[httpx.Client] = []

    def make(name: str) -> httpx.Client:
        client = httpx.Client(base_url=str(jira.base_url), auth=(name, name), timeout=10)
        opened.append(client)
        return client

    yield make
    for client in opened:
        client.close()


def _shape_diff(fixture: Any, produced: Any, allowed: set[str], path: str = "$") -> list[str]:
    """Differences in keys and value types (null matches anything; customfield_* skipped)."""
    if fixture is None or produced is None:
        return []
    if isinstance(fixture, dict) and isinstance(produced, dict):
        out = []
        for key in sorted(set(fixture) | set(produced)):
            if key.startswith("customfield_") or key in allowed:
                continue
            if key not in produced:
                out.append(f"{path}.{key} missing")
            elif key not in fixture:
                out.append(f"{path}.{key} extra")
            else:
                out.extend(_shape_diff(fixture[key], produced[key], allowed, f"{path}.{key}"))
        return out
    if isinstance(fixture, list) and isinstance(produced, list):
        if fixture and produced:
            return _shape_diff(fixture[0], produced[0], allowed, path + "[]")
        return []
    numbers = (int, float)
    if isinstance(fixture, bool) != isinstance(produced, bool) or (
        type(fixture) is not type(produced)
        and not (isinstance(fixture, numbers) and isinstance(produced, numbers))
    ):
        return [f"{path}: {type(fixture).__name__} vs {type(produced).__name__}"]
    return []


@pytest.fixture
def shape_diff() -> Any:
    return _shape_diff
