"""What every simulator shares: configuration, the request counter, faults, webhooks, and the
ASGI app around a simulator's own routes (counting + fault middleware, `/_sim/` control API).

A simulator subclasses `Simulator`, implements its state (`reset`, `load_seed`,
`credentials`, `routes`) and is served by `build_app(sim)`.
"""

from __future__ import annotations

import abc
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from starlette.routing import BaseRoute

from jirasync.sim.common.faults import FaultInjector
from jirasync.sim.common.webhooks import RetryPolicy, WebhookDeliverer


class SeedError(ValueError):
    """A seed document is not valid; the message says what and where."""


@dataclass
class SimConfig:
    """How a simulator is started.

    ``base_url`` is the URL clients use to reach it: it appears in every ``self`` link.
    ``seed`` is the parsed seed document; None means the simulator's built-in default seed.
    """

    base_url: str = "http://127.0.0.1:8080"
    seed: dict[str, Any] | None = None
    state_file: Path | None = None
    allow_remote_control: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def load_seed_file(path: Path) -> dict[str, Any]:
    """Read a YAML (or JSON) seed file into a dict, with a clear error when it is not one."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise SeedError(f"{path}: a seed file must be a mapping at the top level")
    return data


class RequestCounter:
    """Counts requests per ``METHOD /route/{template}``; readable through the control API."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, method: str, template: str) -> None:
        with self._lock:
            self._counts[f"{method} {template}"] += 1

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()


class Simulator(abc.ABC):
    """Base of the Jira, PagerDuty and HackerOne simulators."""

    name: str = "sim"
    webhook_policy: RetryPolicy = RetryPolicy()

    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        self.faults = FaultInjector()
        self.requests = RequestCounter()
        self.webhooks = WebhookDeliverer(
            self.faults, self.retry_policy(), on_result=self.on_webhook_result
        )

    # -- to implement -------------------------------------------------------------------------
    @abc.abstractmethod
    def reset(self) -> None:
        """Back to the configured seed (or the built-in default seed)."""

    @abc.abstractmethod
    def load_seed(self, seed: dict[str, Any]) -> None:
        """Replace the state with this seed; raise SeedError with a clear message if invalid."""

    @abc.abstractmethod
    def credentials(self) -> dict[str, Any]:
        """Logins, tokens and secrets of the current seed, for `GET /_sim/credentials`."""

    @abc.abstractmethod
    def routes(self) -> Sequence[BaseRoute]:
        """The simulated API's routes."""

    # -- optional hooks -----------------------------------------------------------------------
    def retry_policy(self) -> RetryPolicy:
        """How webhooks are retried; override to read `config.options`."""
        return self.webhook_policy

    def fault_body(self, status: int) -> Any:
        """The error body an injected fault answers with when the rule gives none."""
        return {"error": f"injected fault {status}"}

    def on_webhook_result(self, delivery: Any) -> None:
        """Called after each delivery ends (delivered, failed or dropped)."""
        del delivery  # default: nothing to do

    def state_snapshot(self) -> dict[str, Any]:
        """A JSON view of the state for `GET /_sim/state` (tests, debugging)."""
        return {}

    async def shutdown(self) -> None:
        await self.webhooks.close()
