"""Outgoing webhook delivery shared by the simulators.

Each simulator decides *what* to send (body, headers, signature) and with which retry policy
(Jira Server: one attempt; PagerDuty v3: retries, ordering per subscription and incident;
HackerOne: redelivery with the same delivery id). This module does the sending, keeps the
per-key order, applies ``drop_webhook`` faults and keeps a delivery log the tests can read.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from jirasync.sim.common.faults import FaultInjector

DeliveryState = Literal["pending", "delivered", "failed", "dropped"]


@dataclass(frozen=True)
class RetryPolicy:
    """How a simulator retries a webhook POST."""

    max_attempts: int = 1
    backoff_s: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4)
    timeout_s: float = 5.0
    retry_on_status: Callable[[int], bool] = lambda status: status == 429 or status >= 500

    def delay(self, attempt: int) -> float:
        if not self.backoff_s:
            return 0.0
        return self.backoff_s[min(attempt - 1, len(self.backoff_s) - 1)]


@dataclass
class Attempt:
    at: float
    status: int | None
    error: str | None
    duration_ms: float


@dataclass
class Delivery:
    seq: int
    id: str
    url: str
    event: str
    key: str
    headers: dict[str, str]
    body: bytes
    created_at: float = field(default_factory=time.time)
    state: DeliveryState = "pending"
    attempts: list[Attempt] = field(default_factory=list)

    def as_dict(self, with_body: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "seq": self.seq,
            "id": self.id,
            "url": self.url,
            "event": self.event,
            "key": self.key,
            "state": self.state,
            "created_at": self.created_at,
            "headers": self.headers,
            "attempts": [a.__dict__ for a in self.attempts],
        }
        if with_body:
            data["body"] = self.body.decode("utf-8", errors="replace")
        return data


ResultHook = Callable[[Delivery], None]


class WebhookDeliverer:
    """Sends deliveries in order per key; keys are independent of each other."""

    def __init__(
        self,
        faults: FaultInjector,
        policy: RetryPolicy | None = None,
        on_result: ResultHook | None = None,
        log_size: int = 10_000,
    ) -> None:
        self.faults = faults
        self.policy = policy or RetryPolicy()
        self.on_result = on_result
        self._log: deque[Delivery] = deque(maxlen=log_size)
        self._queues: dict[str, deque[Delivery]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._seq = itertools.count(1)
        self._client: httpx.AsyncClient | None = None
        self._idle = asyncio.Event()
        self._idle.set()

    def submit(
        self, url: str, event: str, body: bytes, headers: dict[str, str], key: str, delivery_id: str
    ) -> Delivery:
        """Queue one delivery; must be called from the simulator's event loop."""
        delivery = Delivery(next(self._seq), delivery_id, url, event, key, headers, body)
        self._log.append(delivery)
        if self.faults.drops_webhook(event, url):
            delivery.state = "dropped"
            self._report(delivery)
            return delivery
        self._queues.setdefault(key, deque()).append(delivery)
        if key not in self._tasks:
            self._idle.clear()
            self._tasks[key] = asyncio.get_running_loop().create_task(self._run_key(key))
        return delivery

    def drop_pending(self, predicate: Callable[[Delivery], bool]) -> int:
        """Drop queued (not yet sent) deliveries, e.g. when a subscription gets disabled."""
        dropped = 0
        for queue in self._queues.values():
            for delivery in [d for d in queue if predicate(d)]:
                queue.remove(delivery)
                delivery.state = "dropped"
                dropped += 1
        return dropped

    def log(self) -> list[Delivery]:
        return list(self._log)

    def clear_log(self) -> None:
        self._log.clear()

    async def drain(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        for task in list(self._tasks.values()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        self._queues.clear()
        self._idle.set()
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def _run_key(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                delivery = queue[0]
                await self._deliver(delivery)
                if queue and queue[0] is delivery:
                    queue.popleft()
        finally:
            self._tasks.pop(key, None)
            if not queue:
                self._queues.pop(key, None)
            if not self._tasks:
                self._idle.set()

    async def _deliver(self, delivery: Delivery) -> None:
        policy = self.policy
        for attempt_no in range(1, policy.max_attempts + 1):
            attempt = await self._post(delivery)
            delivery.attempts.append(attempt)
            if attempt.status is not None and 200 <= attempt.status < 300:
                delivery.state = "delivered"
                break
            retryable = attempt.status is None or policy.retry_on_status(attempt.status)
            if not retryable or attempt_no == policy.max_attempts:
                delivery.state = "failed"
                break
            await asyncio.sleep(policy.delay(attempt_no))
        self._report(delivery)

    async def _post(self, delivery: Delivery) -> Attempt:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.policy.timeout_s)
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.post(
                delivery.url, content=delivery.body, headers=delivery.headers
            )
            status = response.status_code
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"
        duration = (time.perf_counter() - started) * 1000
        return Attempt(time.time(), status, error, round(duration, 2))

    def _report(self, delivery: Delivery) -> None:
        if self.on_result is not None:
            self.on_result(delivery)
