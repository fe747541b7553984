"""What the three thin clients share: one httpx client per connection, calls named by route
template, Retry-After-aware retries of refused calls, remote errors turned into RemoteError,
and a report of every call to whoever is listening (the engine's activity recorder).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from jirasync.core.errors import RemoteError

# Methods that may be sent again after a timeout: the first try may have been applied, and
# repeating these leaves the same state. A POST (create, comment) is never repeated here: the
# engine retries it after looking up the idempotency marker.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# The remote refused the call without doing it: safe to repeat whatever the method.
REFUSED_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RemoteCall:
    """One HTTP exchange, as the activity log shows it."""

    system: str
    method: str
    route: str
    path: str
    status: int | None
    duration_ms: float
    error: str | None = None


CallListener = Callable[[RemoteCall], None]
_listener: ContextVar[CallListener | None] = ContextVar("jirasync_call_listener", default=None)
# Told of every call in the process, whatever the context (metrics): the context's listener
# only hears the calls of one event's handling.
_observers: dict[CallListener, None] = {}


@contextmanager
def listening(listener: CallListener) -> Iterator[None]:
    """Report every remote call made in this context (one event's handling) to `listener`."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def observe_calls(observer: CallListener) -> None:
    """Report every remote call made in this process to `observer`; adding it again is a no-op."""
    _observers[observer] = None


@dataclass(frozen=True)
class RetryOptions:
    """How long a client waits itself before handing a refused call back to the engine."""

    max_attempts: int = 3
    max_wait_s: float = 30.0
    base_backoff_s: float = 0.5


def retry_after_seconds(response: httpx.Response) -> float | None:
    """`Retry-After` as seconds (delta-seconds or an HTTP date), None when absent or invalid."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def expand_route(route: str, params: Mapping[str, object]) -> str:
    """Fill `{name}` placeholders with URL-quoted values."""
    return route.format(**{k: quote(str(v), safe="") for k, v in params.items()})


class ApiClient:
    """Base of the Jira, PagerDuty and HackerOne clients."""

    system = "remote"

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 15.0,
        retry: RetryOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.retry = retry or RetryOptions()
        self.calls: Counter[str] = Counter()
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            auth=auth,
            headers=dict(headers or {}),
            timeout=timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def request(
        self,
        method: str,
        route: str,
        path_params: Mapping[str, object] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send `method route`; return the 2xx response or raise RemoteError."""
        path = expand_route(route, path_params or {})
        for attempt in range(1, self.retry.max_attempts + 1):
            last = attempt == self.retry.max_attempts
            try:
                response = await self._send(method, route, path, **kwargs)
            except httpx.TransportError as exc:
                if last or method not in IDEMPOTENT_METHODS:
                    raise RemoteError(self.system, method, path, None, _describe(exc)) from exc
                await asyncio.sleep(self._backoff(attempt))
                continue
            if response.is_success:
                return response
            wait = self._refusal_wait(response, attempt)
            if last or wait is None:
                raise self.error_from(method, path, response)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _send(self, method: str, route: str, path: str, **kwargs: Any) -> httpx.Response:
        started = time.perf_counter()
        status: int | None = None
        error: str | None = None
        try:
            response = await self._http.request(method, path, **kwargs)
            status = response.status_code
            return response
        except httpx.TransportError as exc:
            error = _describe(exc)
            raise
        finally:
            self.calls[f"{method} {route}"] += 1
            listener = _listener.get()
            if listener is not None or _observers:
                duration = round((time.perf_counter() - started) * 1000, 2)
                call = RemoteCall(self.system, method, route, path, status, duration, error)
                for observer in _observers:
                    observer(call)
                if listener is not None:
                    listener(call)

    def _refusal_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before repeating a refused call; None to give up now."""
        if response.status_code not in REFUSED_STATUSES:
            return None
        wait = self.retry_after(response)
        if wait is None:
            wait = self._backoff(attempt)
        return wait if wait <= self.retry.max_wait_s else None

    def _backoff(self, attempt: int) -> float:
        jitter = random.uniform(0.5, 1.0)  # noqa: S311 - spreading retries, not crypto
        return float(self.retry.base_backoff_s * 2 ** (attempt - 1) * jitter)

    def error_from(self, method: str, path: str, response: httpx.Response) -> RemoteError:
        """Turn a non-2xx answer into RemoteError with the remote's own message."""
        return RemoteError(
            self.system,
            method,
            path,
            response.status_code,
            response.text[:500] or response.reason_phrase,
            retry_after=self.retry_after(response),
        )

    def retry_after(self, response: httpx.Response) -> float | None:
        """Seconds the remote asks us to wait; override where it says so in its own header."""
        return retry_after_seconds(response)


def _describe(exc: httpx.TransportError) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
