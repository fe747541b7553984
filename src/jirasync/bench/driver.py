"""The load driver: many HTTP requests at once, as people and their tools would send them, and a
count of them per route so the simulators' counters can be reduced to jirasync's own calls."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

POOL_SIZE = 16  # connections per client
NO_ANSWER = 599  # the stand-in status of a request that got none (see Driver.tolerate_errors)


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
    # Per request, in the order they finished: when it was due to leave (paced), when it left
    # and when its answer came (perf_counter seconds). Open loop: a driver that falls behind
    # its pace offers less than `rate`, which `sent - due` shows.
    timings: list[tuple[float, float, float]] = field(default_factory=list)
    # True: a request that got no answer (connection reset, timeout) counts in `errors` and
    # gets a stand-in answer with status 599, instead of failing the whole run.
    tolerate_errors: bool = False
    errors: Counter[str] = field(default_factory=Counter)

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
        # httpcore scans its whole pool on every request and answer: one client with hundreds
        # of connections spends more CPU there than on the requests. Small pools, side by side.
        pools = -(-self.concurrency // POOL_SIZE)
        limits = httpx.Limits(max_connections=min(self.concurrency, POOL_SIZE))
        async with AsyncExitStack() as stack:
            https = [
                await stack.enter_async_context(
                    httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits, **client)
                )
                for _ in range(pools)
            ]
            start = time.perf_counter()

            async def one(n: int, request: Request) -> httpx.Response:
                due = start + n / self.rate if self.rate else start
                if self.rate:
                    await asyncio.sleep(max(0.0, due - time.perf_counter()))
                async with gate:
                    sent = time.perf_counter()
                    try:
                        answer = await https[n % pools].request(
                            request.method,
                            request.path,
                            json=request.json,
                            content=request.content,
                            headers=request.headers,
                        )
                    except httpx.TransportError as exc:
                        if not self.tolerate_errors:
                            raise
                        self.errors[type(exc).__name__] += 1
                        answer = httpx.Response(NO_ANSWER, text=repr(exc))
                    self.timings.append((due, sent, time.perf_counter()))
                    return answer

            return list(await asyncio.gather(*(one(n, r) for n, r in enumerate(requests))))


def expect(answers: list[httpx.Response], *statuses: int) -> None:
    bad = [a for a in answers if a.status_code not in statuses]
    if bad:
        raise RuntimeError(
            f"{len(bad)} of {len(answers)} driver requests failed; first: "
            f"{bad[0].request.method} {bad[0].request.url} → {bad[0].status_code} {bad[0].text}"
        )
