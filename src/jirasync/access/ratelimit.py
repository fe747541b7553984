"""Login rate limiting: after a few failed logins for one username from one address, further
attempts are refused for a while, right password or not. Kept in memory (per process)."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class LoginLimiter:
    max_failures: int = 5
    window_s: float = 300.0
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], deque[float]] = field(default_factory=dict)

    def retry_after(self, username: str, address: str) -> float:
        """Seconds until this pair may try again; 0 when it may now."""
        recent = self._recent((username.lower(), address))
        if len(recent) < self.max_failures:
            return 0.0
        return max(0.0, recent[0] + self.window_s - self.clock())

    def failed(self, username: str, address: str) -> None:
        key = (username.lower(), address)
        self._recent(key).append(self.clock())
        if len(self._failures) > 10_000:  # bound memory under a spray of usernames
            self._forget_stale()

    def succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username.lower(), address), None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        recent = self._failures.setdefault(key, deque())
        horizon = self.clock() - self.window_s
        while recent and recent[0] <= horizon:
            recent.popleft()
        return recent

    def _forget_stale(self) -> None:
        for key in list(self._failures):
            if not self._recent(key):
                del self._failures[key]
