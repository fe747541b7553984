"""Handlers by source, and the per-source hook that derives an event's ordering key.

A sync module registers itself with a function `register(registry)`; `serve` and `worker` call
the hooks listed in `DEFAULT_HANDLER_MODULES` plus the configured `worker.handler_modules`.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jirasync.engine.activity import ActivityRecorder
from jirasync.engine.outcomes import Outcome
from jirasync.store.db import Database

# `module:function` hooks of the sync packages, appended by their owners.
DEFAULT_HANDLER_MODULES: tuple[str, ...] = ()


@dataclass(frozen=True)
class EventContext:
    """Everything a handler gets for one attempt on one event."""

    event_id: int
    source: str
    connection_id: int | None
    delivery_id: str
    ordering_key: str
    headers: Mapping[str, str]
    body: bytes
    received_at: datetime
    attempt: int
    # Stable across attempts of this event: use it as the idempotency key of remote creates.
    idempotency_token: str
    activity: ActivityRecorder
    db: Database

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[EventContext], Awaitable[Outcome]]
OrderingKeyHook = Callable[[int | None, Mapping[str, str], bytes], str]


class HandlerRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._ordering_keys: dict[str, OrderingKeyHook] = {}

    def register(
        self, source: str, handler: Handler, *, ordering_key: OrderingKeyHook | None = None
    ) -> None:
        if source in self._handlers:
            raise ValueError(f"a handler for source {source!r} is already registered")
        self._handlers[source] = handler
        if ordering_key is not None:
            self._ordering_keys[source] = ordering_key

    def handler(self, source: str) -> Callable[[Handler], Handler]:
        """Decorator form of `register`."""

        def decorate(handler: Handler) -> Handler:
            self.register(source, handler)
            return handler

        return decorate

    def handler_for(self, source: str) -> Handler | None:
        return self._handlers.get(source)

    def ordering_key_hook(self, source: str) -> OrderingKeyHook | None:
        return self._ordering_keys.get(source)

    @property
    def sources(self) -> list[str]:
        return sorted(self._handlers)


def build_registry(extra_modules: Iterable[str] = ()) -> HandlerRegistry:
    registry = HandlerRegistry()
    for spec in (*DEFAULT_HANDLER_MODULES, *extra_modules):
        _load_hook(spec)(registry)
    return registry


def _load_hook(spec: str) -> Callable[[HandlerRegistry], None]:
    module_name, _, function_name = spec.partition(":")
    if not function_name:
        raise ValueError(f"handler module {spec!r} must look like 'package.module:function'")
    hook = getattr(importlib.import_module(module_name), function_name)
    if not callable(hook):
        raise TypeError(f"{spec} is not callable")
    return hook  # type: ignore[no-any-return]
