"""Fixtures: one HackerOne simulator on a real socket per module (reset before each test), an
authenticated httpx client, and a webhook receiver that verifies signatures."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from jirasync.serving import ServerThread
from jirasync.sim.common import SimConfig
from jirasync.sim.hackerone import create_app

TOKEN = ("jirasync-sim", "h1-sim-token-0123456789abcdef")
SECRET = "h1-sim-webhook-secret"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerThread]:
    with ServerThread(lambda url: create_app(SimConfig(base_url=url))) as running:
        yield running


# Clients live per module: building an httpx client (its TLS context) costs ~0.1 s.
@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def api_client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/v1", auth=TOKEN, timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def control_client(server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/_sim", timeout=10) as client:
        yield client


@pytest.fixture
def sim_url(server: ServerThread, control_client: httpx.Client) -> str:
    """The simulator's URL, after a reset to the default seed."""
    control_client.post("/reset").raise_for_status()
    return server.url


@pytest.fixture
def api(sim_url: str, api_client: httpx.Client) -> httpx.Client:
    return api_client


@pytest.fixture
def control(sim_url: str, control_client: httpx.Client) -> httpx.Client:
    return control_client


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint: verifies `X-H1-Signature` in constant time, answers the queued
    statuses first (to force redelivery), then 200."""

    url: str = ""
    secret: str = SECRET
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        async def hook(request: Request) -> Response:
            raw = await request.body()
            expected = "sha256=" + hmac.new(self.secret.encode(), raw, hashlib.sha256).hexdigest()
            given = request.headers.get("x-h1-signature", "")
            ok = hmac.compare_digest(expected, given)
            with self.lock:
                self.received.append(Received(dict(request.headers), raw))
                self.verified.append(ok)
                status = self.statuses.pop(0) if self.statuses else 200
            return Response(status_code=status if ok else 401)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture(scope="module")
def receiver_server() -> Iterator[tuple[ServerThread, Receiver]]:
    receiver = Receiver()
    with ServerThread(lambda url: receiver.app()) as running:
        receiver.url = f"{running.url}/hook"
        yield running, receiver


@pytest.fixture
def receiver(receiver_server: tuple[ServerThread, Receiver]) -> Receiver:
    _, receiver = receiver_server
    with receiver.lock:
        receiver.received.clear()
        receiver.verified.clear()
        receiver.statuses.clear()
    receiver.secret = SECRET
    return receiver


@pytest.fixture
def drain(control: httpx.Client) -> Callable[[], None]:
    """Wait until the simulator has no webhook queued or in flight."""

    def wait() -> None:
        control.post("/webhooks/drain", params={"timeout": "10"}).raise_for_status()

    return wait


# -- shape comparison (recorded or published HackerOne objects vs ours) -----------------------
def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _shape_mismatches(recorded: Any, actual: Any, path: str = "$") -> list[str]:
    if recorded is None or actual is None:
        return []
    if _kind(recorded) != _kind(actual):
        return [f"{path}: recorded {_kind(recorded)}, got {_kind(actual)}"]
    if isinstance(recorded, dict):
        if recorded.get("type", actual.get("type")) != actual.get("type", recorded.get("type")):
            return []  # polymorphic relationship (actor user/program, assignee user/group)
        problems = [f"{path}: missing key {key!r}" for key in recorded if key not in actual]
        for key in recorded:
            if key in actual:
                problems += _shape_mismatches(recorded[key], actual[key], f"{path}.{key}")
        return problems
    if isinstance(recorded, list):
        return _list_mismatches(recorded, actual, path)
    return []


def _list_mismatches(recorded: list[Any], actual: list[Any], path: str) -> list[str]:
    """Typed objects are compared with a recorded object of the same `type`; other items with
    the recording's first item."""
    if not recorded or not actual:
        return []
    by_type = {}
    for item in recorded:
        if isinstance(item, dict) and "type" in item:
            by_type.setdefault(item["type"], item)
    problems = []
    for i, item in enumerate(actual):
        model = by_type.get(item.get("type")) if isinstance(item, dict) else None
        if model is None and not by_type:
            model = recorded[0]
        if model is not None:
            problems += _shape_mismatches(model, item, f"{path}[{i}]")
    return problems


@pytest.fixture
def shape_mismatches() -> Callable[[Any, Any], list[str]]:
    """Every key of the HackerOne object must be in ours with the same JSON type; a null on
    either side is a value, not a shape; objects of different `type` are not compared."""
    return _shape_mismatches
