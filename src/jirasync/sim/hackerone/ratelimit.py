"""HackerOne's per-token rate limits: reads per minute and writes per 20 seconds → 429.

Sliding windows over request times. The simulator's defaults are generous so tests are never
throttled unless they set HackerOne's real numbers (600 reads/min, 25 writes/20 s).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

REAL_LIMITS = {"reads_per_minute": 600, "writes_per_20s": 25}
GENEROUS_LIMITS = {"reads_per_minute": 1_000_000, "writes_per_20s": 1_000_000}


@dataclass
class _Window:
    limit: int
    seconds: float
    hits: deque[float]

    def admit(self, now: float) -> bool:
        while self.hits and self.hits[0] <= now - self.seconds:
            self.hits.popleft()
        if len(self.hits) >= self.limit:
            return False
        self.hits.append(now)
        return True


class RateLimiter:
    def __init__(self, reads_per_minute: int, writes_per_20s: int) -> None:
        self.reads_per_minute = reads_per_minute
        self.writes_per_20s = writes_per_20s
        self._windows: dict[tuple[str, bool], _Window] = {}
        self._lock = threading.Lock()

    def limits(self) -> dict[str, int]:
        return {"reads_per_minute": self.reads_per_minute, "writes_per_20s": self.writes_per_20s}

    def admit(self, token: str, write: bool) -> bool:
        with self._lock:
            window = self._windows.get((token, write))
            if window is None:
                limit, seconds = (
                    (self.writes_per_20s, 20.0) if write else (self.reads_per_minute, 60.0)
                )
                window = self._windows[(token, write)] = _Window(limit, seconds, deque())
            return window.admit(time.monotonic())
