"""When to try a failed event again: exponential backoff with jitter, or the remote's
Retry-After when it gave one."""

from __future__ import annotations

import random

from jirasync.config import RetrySettings


def retry_delay(
    retries: int,
    retry_after: float | None,
    settings: RetrySettings,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait after the `retries`-th transient failure (1 for the first)."""
    if retry_after is not None and retry_after >= 0:
        return min(retry_after, settings.retry_after_max_seconds)
    growth = 2.0 ** min(max(retries - 1, 0), 60)
    ceiling = min(settings.backoff_max_seconds, settings.backoff_base_seconds * growth)
    # "Equal jitter": at least half the ceiling, so retries spread out but never bunch at zero.
    jitter: float = (rng or random).uniform(0, ceiling / 2)
    return ceiling / 2 + jitter
