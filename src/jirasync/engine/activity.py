"""The activity log of one attempt: what the handler did and which remote calls it made.

Handlers get the recorder as `ctx.activity`. HTTP clients deep in the call stack find it with
`current_recorder()` (a context variable set by the worker around each attempt) and report each
call with `record_call`, so handlers need not pass it down.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jirasync.store.types import utcnow

_current: ContextVar[ActivityRecorder | None] = ContextVar("activity_recorder", default=None)


@dataclass(frozen=True)
class RemoteCallRecord:
    system: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    error: str | None
    at: datetime


@dataclass
class ActivityRecorder:
    actions: list[dict[str, Any]] = field(default_factory=list)
    calls: list[RemoteCallRecord] = field(default_factory=list)

    def action(self, message: str, **data: Any) -> None:
        """Record a step: "rule 'P1 incidents' matched", "transitioned ABC-1 to Done" …"""
        self.actions.append({"at": utcnow().isoformat(), "message": message, **data})

    def record_call(
        self,
        *,
        system: str,
        method: str,
        path: str,
        status: int | None,
        duration_ms: float,
        error: str | None = None,
    ) -> None:
        """Record one remote call; `path` without query secrets, `error` the remote's message."""
        self.calls.append(
            RemoteCallRecord(system, method.upper(), path, status, duration_ms, error, utcnow())
        )

    @contextmanager
    def timed_call(self, system: str, method: str, path: str) -> Iterator[CallTimer]:
        """Times a call; set `timer.status` / `timer.error` inside the block."""
        timer = CallTimer()
        started = time.perf_counter()
        try:
            yield timer
        except Exception as exc:
            timer.error = timer.error or f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self.record_call(
                system=system,
                method=method,
                path=path,
                status=timer.status,
                duration_ms=(time.perf_counter() - started) * 1000,
                error=timer.error,
            )


@dataclass
class CallTimer:
    status: int | None = None
    error: str | None = None


def current_recorder() -> ActivityRecorder | None:
    """The recorder of the attempt running in this task, if any."""
    return _current.get()


@contextmanager
def recording(recorder: ActivityRecorder) -> Iterator[ActivityRecorder]:
    token = _current.set(recorder)
    try:
        yield recorder
    finally:
        _current.reset(token)
