"""The load driver: many HTTP requests at once, as people and their tools would send them, and a
count of them per route so the simulators' counters can be reduced to jirasync's own calls."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    route: str  # the simulator's `METHOD /template` key for this request
    json: Any = None
    content: bytes | None = None
    headers: dict[str, str] | None = None


@dataclass
class Driver:
    concurrency: int = 16
    # Requests per second, paced (open loop); None: as fast as `concurrency` allows (a burst).
    rate: float | None = None
    sent: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def run(self, base_url: str, requests: list[Request], **client: Any) -> list[httpx.Response]:
        """Send all requests, `concurrency` at a time; answers in the order of `requests`."""
        started = time.perf_counter()
        answers = asyncio.run(self._run(base_url, requests, client))
        self.seconds += time.perf_counter() - started
        for request in requests:
            self.sent[request.route] += 1
        return answers

    async def _run(
        self, base_url: str, requests: list[Request], client: dict[str, Any]
    ) -> list[httpx.Response]:
        gate = asyncio.Semaphore(self.concurrency)
        limits = httpx.Limits(max_connections=self.concurrency)
        async with httpx.AsyncClient(
            base_url=base_url, timeout=60, limits=limits, **client
        ) as http:
            start = time.perf_counter()

            async def one(n: int, request: Request) -> httpx.Response:
                if self.rate:
                    await asyncio.sleep(max(0.0, start + n / self.rate - time.perf_counter()))
                async with gate:
                    return await http.request(
                        request.method,
                        request.path,
                        json=request.json,
                        content=request.content,
                        headers=request.headers,
                    )

            return list(await asyncio.gather(*(one(n, r) for n, r in enumerate(requests))))


def expect(answers: list[httpx.Response], *statuses: int) -> None:
    bad = [a for a in answers if a.status_code not in statuses]
    if bad:
        raise RuntimeError(
            f"{len(bad)} of {len(answers)} driver requests failed; first: "
            f"{bad[0].request.method} {bad[0].request.url} → {bad[0].status_code} {bad[0].text}"
        )
