"""Helpers shared by the PagerDuty simulator tests (imported by name: see conftest.py)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FIXTURES = Path(__file__).parents[2] / "fixtures" / "pagerduty"
ACCOUNT_KEY = "pdsim-account-key-0001"
ALICE_KEY = "pdsim-user-key-alice01"
SECRET = "pdsim-webhook-secret-0001"
CHECKOUT = "PSVC001"
PAYMENTS = "PSVC002"


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    json: Any


@dataclass
class Receiver:
    """Records webhook POSTs; answers with queued statuses, then `default_status`."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: deque[int] = field(default_factory=deque)
    delays: deque[float] = field(default_factory=deque)  # seconds to stall before answering
    default_status: int = 202
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.statuses.clear()
            self.delays.clear()
            self.default_status = 202

    def events(self) -> list[str]:
        with self.lock:
            return [r.json["event"]["event_type"] for r in self.received if "event" in r.json]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.01)
        with self.lock:
            return list(self.received)

    def app(self) -> Starlette:
        async def receive(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.received.append(Received(dict(request.headers), body, json.loads(body)))
                status = self.statuses.popleft() if self.statuses else self.default_status
                delay = self.delays.popleft() if self.delays else 0.0
            if delay:
                await asyncio.sleep(delay)
            return Response(status_code=status)

        return Starlette(routes=[Route("/hook", receive, methods=["POST"])])


class Api(httpx.Client):
    """An httpx client with the account key, the v2 Accept header and helpers."""

    def drain(self) -> None:
        self.post("/_sim/webhooks/drain", params={"timeout": 5})

    def create(self, title: str = "Disk full", service: str = CHECKOUT, **fields: Any) -> Any:
        body = {
            "type": "incident",
            "title": title,
            "service": {"id": service, "type": "service_reference"},
            **fields,
        }
        response = self.post(
            "/incidents", json={"incident": body}, headers={"From": "jirasync@example.com"}
        )
        assert response.status_code == 201, response.text
        return response.json()["incident"]

    def update(self, incident_id: str, frm: str = "jirasync@example.com", **fields: Any) -> Any:
        body = {"incident": {"type": "incident_reference", **fields}}
        return self.put(f"/incidents/{incident_id}", json=body, headers={"From": frm})
