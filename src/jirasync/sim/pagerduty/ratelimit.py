"""REST rate limits: a fixed one-minute window per API key (PagerDuty: 960 requests/min per
key), with the `ratelimit-*` headers and 429 code 2020. Off unless configured, so tests and
benchmarks are only throttled when they ask for it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from jirasync.sim.pagerduty.errors import RATE_LIMITED, PDError


@dataclass
class _Window:
    started: float
    used: int = 0


class RateLimiter:
    def __init__(
        self,
        per_window: int | None = None,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_window = per_window
        self.window_s = window_s
        self._clock = clock
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def configure(self, per_window: int | None, window_s: float = 60.0) -> None:
        with self._lock:
            self.per_window = per_window
            self.window_s = window_s
            self._windows.clear()

    def take(self, key: str) -> dict[str, str]:
        """Count one request for `key`; the headers to send, or PDError 429 when over."""
        if self.per_window is None:
            return {}
        now = self._clock()
        with self._lock:
            window = self._windows.get(key)
            if window is None or now - window.started >= self.window_s:
                window = self._windows[key] = _Window(now)
            window.used += 1
            reset = max(1, math.ceil(window.started + self.window_s - now))
            headers = {
                "ratelimit-limit": str(self.per_window),
                "ratelimit-remaining": str(max(0, self.per_window - window.used)),
                "ratelimit-reset": str(reset),
            }
            if window.used > self.per_window:
                raise RateLimited(headers)
        return headers


class RateLimited(PDError):
    def __init__(self, headers: dict[str, str]) -> None:
        super().__init__(429, "Rate Limit Exceeded", RATE_LIMITED)
        self.headers = headers
