"""Fault injection shared by the simulators: error responses, latency and dropped webhooks.

A fault rule matches requests by method and route template (the same template the request
counter uses, e.g. ``GET /rest/api/2/issue/{issueIdOrKey}``) or by a glob over the concrete
path. It fires a limited number of times (``count``) and/or with a probability.
"""

from __future__ import annotations

import fnmatch
import itertools
import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

FaultKind = Literal["response", "latency", "drop_webhook"]


@dataclass
class FaultRule:
    """One fault. ``kind`` says what happens when it matches.

    - ``response``: answer ``status`` with ``body`` (JSON) and ``headers`` instead of the route.
    - ``latency``: wait ``latency_ms`` then serve the request normally.
    - ``drop_webhook``: do not deliver a matching webhook (``path`` matches the event name or
      the target URL; ``method`` is ignored).
    """

    kind: FaultKind = "response"
    method: str = "*"
    path: str = "*"
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    latency_ms: int = 0
    probability: float = 1.0
    count: int | None = None
    id: int = 0
    fired: int = 0

    def applies_to(self, method: str, template: str, path: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        if self.method not in ("*", method.upper()):
            return False
        return self.path in ("*", template) or fnmatch.fnmatchcase(path, self.path)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultError(ValueError):
    """A fault rule sent to the control API is not valid."""


class FaultInjector:
    """Holds the active fault rules; thread-safe because the sim may run in a server thread."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._rules: list[FaultRule] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._rng = rng or random.Random()  # noqa: S311 - fault dice, not crypto

    def add(self, spec: dict[str, Any]) -> FaultRule:
        rule = _rule_from_spec(spec)
        with self._lock:
            rule.id = next(self._ids)
            self._rules.append(rule)
        return rule

    def remove(self, rule_id: int) -> bool:
        with self._lock:
            before = len(self._rules)
            self._rules = [r for r in self._rules if r.id != rule_id]
            return len(self._rules) != before

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def for_request(self, method: str, template: str, path: str) -> list[FaultRule]:
        """The rules that fire for this request (latency first, then at most one response)."""
        fired: list[FaultRule] = []
        with self._lock:
            for rule in self._rules:
                if rule.kind == "drop_webhook" or not rule.applies_to(method, template, path):
                    continue
                if rule.kind == "response" and any(f.kind == "response" for f in fired):
                    continue
                if self._roll(rule):
                    fired.append(rule)
        return sorted(fired, key=lambda r: r.kind != "latency")

    def drops_webhook(self, event: str, url: str) -> bool:
        with self._lock:
            for rule in self._rules:
                if rule.kind != "drop_webhook" or (rule.count is not None and rule.count <= 0):
                    continue
                targets = (event, url)
                if rule.path != "*" and not any(fnmatch.fnmatchcase(t, rule.path) for t in targets):
                    continue
                if self._roll(rule):
                    return True
        return False

    def _roll(self, rule: FaultRule) -> bool:
        if rule.probability < 1.0 and self._rng.random() >= rule.probability:
            return False
        if rule.count is not None:
            rule.count -= 1
        rule.fired += 1
        return True


_FIELDS = {
    "kind",
    "method",
    "path",
    "status",
    "body",
    "headers",
    "latency_ms",
    "probability",
    "count",
}


def _rule_from_spec(spec: dict[str, Any]) -> FaultRule:
    if not isinstance(spec, dict):
        raise FaultError("a fault rule must be a JSON object")
    unknown = set(spec) - _FIELDS
    if unknown:
        raise FaultError(f"unknown fault rule field(s): {', '.join(sorted(unknown))}")
    kind = spec.get("kind", "response")
    if kind not in ("response", "latency", "drop_webhook"):
        raise FaultError(f"kind must be response, latency or drop_webhook, not {kind!r}")
    probability = float(spec.get("probability", 1.0))
    if not 0.0 <= probability <= 1.0:
        raise FaultError("probability must be between 0 and 1")
    count = spec.get("count")
    if count is not None and (not isinstance(count, int) or count < 0):
        raise FaultError("count must be a non-negative integer or null")
    headers = spec.get("headers", {})
    if not isinstance(headers, dict):
        raise FaultError("headers must be an object of strings")
    return FaultRule(
        kind=kind,
        method=str(spec.get("method", "*")).upper(),
        path=str(spec.get("path", "*")),
        status=int(spec.get("status", 500)),
        body=spec.get("body"),
        headers={str(k): str(v) for k, v in headers.items()},
        latency_ms=int(spec.get("latency_ms", 0)),
        probability=probability,
        count=count,
    )
