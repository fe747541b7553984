"""Data Center (8.6+) REST rate limiting: a token bucket per user, off unless configured."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Bucket:
    tokens: float
    updated: float = field(default_factory=time.monotonic)


class RateLimiter:
    """`capacity` tokens per user, refilled by `fill_rate` tokens every `interval_s` seconds."""

    def __init__(self, settings: dict[str, Any] | None) -> None:
        self.settings = settings
        self._buckets: dict[str, Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.settings is not None

    def take(self, user: str) -> tuple[bool, dict[str, str]]:
        """Spend one token; returns (allowed, the X-RateLimit-* / Retry-After headers)."""
        settings = self.settings
        if settings is None or user in settings["exempt"]:
            return True, {}
        capacity = int(settings["capacity"])
        rate = float(settings["fill_rate"]) / float(settings["interval_s"])
        bucket = self._buckets.setdefault(user, Bucket(float(capacity)))
        now = time.monotonic()
        bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated) * rate)
        bucket.updated = now
        allowed = bucket.tokens >= 1
        if allowed:
            bucket.tokens -= 1
        retry_after = 0 if allowed else math.ceil((1 - bucket.tokens) / rate)
        headers = {
            "X-RateLimit-Limit": str(capacity),
            "X-RateLimit-Remaining": str(int(bucket.tokens)),
            "X-RateLimit-Interval-Seconds": str(settings["interval_s"]),
            "X-RateLimit-FillRate": str(settings["fill_rate"]),
            "Retry-After": str(retry_after),
        }
        return allowed, headers
