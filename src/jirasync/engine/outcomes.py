"""What a handler tells the engine: done, ignored, retry later, or failed for good.

Handlers either return an outcome or raise `TransientError` / `PermanentError`; any other
exception counts as transient (a bug or an outage may go away; the retry limit bounds it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Done:
    kind = "done"


@dataclass(frozen=True)
class Ignored:
    reason: str
    kind = "ignored"


@dataclass(frozen=True)
class Retry:
    """Try again later: after `retry_after` seconds if the remote said so, else with backoff."""

    reason: str
    retry_after: float | None = None
    kind = "retry"


@dataclass(frozen=True)
class Failed:
    """Cannot succeed as is (a 4xx the remote will repeat): dead-letter without retrying."""

    reason: str
    kind = "failed"


Outcome = Done | Ignored | Retry | Failed


class TransientError(Exception):
    """A failure worth retrying: 429, 5xx, timeouts, connection errors."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class PermanentError(Exception):
    """A failure that retrying will not fix; the message is the remote's own when there is one."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
