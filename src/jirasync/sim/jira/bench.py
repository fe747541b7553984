"""Throughput of the Jira simulator on one core: `uv run python -m jirasync.sim.jira.bench`.

Calls the ASGI app in-process (the full app: counting/fault middleware, routing, auth, JSON)
with a minimal ASGI driver, so the figures measure the simulator, not a client library or the
socket. Scenarios run in order on one event loop: GET issue, search (JQL over the seed plus 100
issues), POST transitions, POST comment, POST issue.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.types import ASGIApp

from jirasync.sim.common import SimConfig
from jirasync.sim.jira import create_app

ISSUE = {"project": {"key": "SUP"}, "issuetype": {"name": "Task"}, "summary": "bench"}
AUTH = [(b"authorization", b"Basic " + base64.b64encode(b"admin:admin"))]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: str = ""
    body: Any = None


class Driver:
    """Calls an ASGI app directly (no client library, no socket) and returns status + body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, call: Call) -> tuple[int, bytes]:
        body = b"" if call.body is None else json.dumps(call.body).encode()
        headers = [*AUTH, (b"host", b"jira.bench")]
        if body:
            headers.append((b"content-type", b"application/json"))
        scope = {
            "type": "http", "http_version": "1.1", "method": call.method, "scheme": "http",
            "path": call.path, "raw_path": call.path.encode(), "root_path": "",
            "query_string": call.query.encode(), "headers": headers,
            "server": ("jira.bench", 80), "client": ("127.0.0.1", 5000),
        }  # fmt: skip
        sent = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)  # type: ignore[arg-type]
        return status, b"".join(chunks)


def scenarios(keys: list[str]) -> dict[str, Callable[[int], Call]]:
    def transition(n: int) -> Call:
        # global transitions of the simplified workflow: alternate In Progress / To Do
        target = "21" if (n // len(keys)) % 2 == 0 else "11"
        key = keys[n % len(keys)]
        return Call(
            "POST", f"/rest/api/2/issue/{key}/transitions", body={"transition": {"id": target}}
        )

    search_query = urlencode({"jql": "project = SUP AND status != Done", "maxResults": 20})
    return {
        "GET issue": lambda n: Call("GET", f"/rest/api/2/issue/{keys[n % len(keys)]}"),
        "search (105 issues)": lambda n: Call("GET", "/rest/api/2/search", search_query),
        "POST transitions": transition,
        "POST comment": lambda n: Call(
            "POST", f"/rest/api/2/issue/{keys[n % len(keys)]}/comment", body={"body": f"c{n}"}
        ),
        "POST issue": lambda n: Call("POST", "/rest/api/2/issue", body={"fields": ISSUE}),
    }


async def measure(drive: Driver, make: Callable[[int], Call], seconds: float) -> tuple[int, float]:
    counter = itertools.count()
    started = time.perf_counter()
    done = 0
    while time.perf_counter() - started < seconds:
        call = make(next(counter))
        status, body = await drive(call)
        if status >= 300:
            raise RuntimeError(f"{call.method} {call.path}: {status} {body[:200]!r}")
        done += 1
    return done, time.perf_counter() - started


async def run(seconds: float) -> None:
    drive = Driver(create_app(SimConfig(base_url="http://jira.bench")))
    keys = []
    for _ in range(100):
        _, body = await drive(Call("POST", "/rest/api/2/issue", body={"fields": ISSUE}))
        keys.append(json.loads(body)["key"])
    for name, make in scenarios(keys).items():
        done, elapsed = await measure(drive, make, seconds)
        print(f"{name:22} {done / elapsed:8.0f} req/s  ({done} in {elapsed:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0, help="per scenario")
    args = parser.parse_args()
    asyncio.run(run(args.seconds))


if __name__ == "__main__":
    main()
