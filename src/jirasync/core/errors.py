"""Errors a remote system gives back, in one shape for Jira, PagerDuty and HackerOne.

The engine decides retry or dead letter from `transient`; the activity log and the link show
`message`, which is the remote's own text (Jira's errorMessages/errors, PagerDuty's
error.message + errors, HackerOne's errors), never ours.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# 408/425/429 and 5xx can succeed later; every other 4xx will fail the same way again.
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass
class RemoteError(Exception):
    """A remote call failed. `status` is None when no HTTP answer came (timeout, refused)."""

    system: str
    method: str
    path: str
    status: int | None
    message: str
    details: dict[str, str] = field(default_factory=dict)
    retry_after: float | None = None

    def __post_init__(self) -> None:
        super().__init__(str(self))

    @property
    def transient(self) -> bool:
        return self.status is None or self.status in TRANSIENT_STATUSES

    def __str__(self) -> str:
        where = f"{self.system} {self.method} {self.path}"
        status = "no response" if self.status is None else f"HTTP {self.status}"
        detail = "; ".join(f"{k}: {v}" for k, v in self.details.items())
        text = f"{self.message} ({detail})" if detail else self.message
        return f"{where} → {status}: {text}"
