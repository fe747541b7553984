"""`JiraSimulator`: the state holder the shared core serves (reset, seed, credentials, routes),
plus optional persistence of the state to `config.state_file`."""

from __future__ import annotations

import contextlib
import itertools
import pickle
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.routing import BaseRoute

from jirasync.sim.common import RetryPolicy, SeedError, SimConfig, Simulator
from jirasync.sim.jira.errors import error_collection
from jirasync.sim.jira.model import State
from jirasync.sim.jira.ratelimit import RateLimiter
from jirasync.sim.jira.seed import build_state, default_seed
from jirasync.sim.jira.serialize import Serializer
from jirasync.sim.jira.webhooks import WebhookDispatcher


class JiraSimulator(Simulator):
    name = "jira"
    # Jira Server/DC sends each webhook once and never retries.
    webhook_policy = RetryPolicy(max_attempts=1, timeout_s=10.0)

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.context_path = urlsplit(self.base_url).path.rstrip("/")
        self.seed = _with_options(config.seed or default_seed(), config.options)
        self.state = self._initial_state()
        self.serializer = Serializer(self.state, self.base_url)
        self.limiter = RateLimiter(self.state.options.rate_limit)
        self.dispatcher = WebhookDispatcher(
            lambda: self.state, lambda: self.serializer, self.webhooks
        )
        self._routes: list[BaseRoute] | None = None
        self.request_ids = itertools.count(1)  # X-AREQUESTID values

    def _initial_state(self) -> State:
        path = self.config.state_file
        if path is not None and path.exists():
            loaded = _load(path)
            if loaded is not None:
                return loaded
        return build_state(self.seed)

    def _install(self, state: State) -> None:
        self.state = state
        self.serializer = Serializer(state, self.base_url)
        self.limiter = RateLimiter(state.options.rate_limit)
        self.persist()

    # -- Simulator API --------------------------------------------------------------------
    def reset(self) -> None:
        """Back to the seed the simulator was started with (not one loaded later)."""
        self.seed = _with_options(self.config.seed or default_seed(), self.config.options)
        self._install(build_state(self.seed))

    def load_seed(self, seed: dict[str, Any]) -> None:
        seed = _with_options(seed, self.config.options)
        state = build_state(seed)
        self.seed = seed
        self._install(state)

    def credentials(self) -> dict[str, Any]:
        state = self.state
        return {
            "base_url": self.base_url,
            "users": [
                {
                    "name": u.name,
                    "key": u.key,
                    "password": u.password,
                    "email": u.email,
                    "tokens": list(u.tokens),
                    "admin": "jira-administrators" in u.groups,
                }
                for u in state.users.values()
            ],
            "admin": {"username": "admin", "password": _password(state, "admin")},
            "applicationLinks": [
                {"consumerKey": c.key, "name": c.name, "hasPublicKey": bool(c.public_key)}
                for c in state.consumers.values()
            ],
            "oauthTokens": [
                {"token": t.token, "secret": t.secret, "consumerKey": t.consumer, "user": t.user}
                for t in state.oauth_tokens.values()
                if t.kind == "access"
            ],
        }

    def routes(self) -> Sequence[BaseRoute]:
        if self._routes is None:
            from jirasync.sim.jira.routes import all_routes

            self._routes = all_routes(self)
        return self._routes

    def fault_body(self, status: int) -> Any:
        return error_collection([f"Injected fault: HTTP {status}"])

    def state_snapshot(self) -> dict[str, Any]:
        state = self.state
        return {
            "version": state.options.version,
            "projects": sorted(state.projects),
            "issues": {i.key: self.serializer.issue(i, {"status", "summary", "assignee"})
                       for i in state.issues.values()},
            "webhooks": len(state.webhooks),
        }  # fmt: skip

    # -- persistence ----------------------------------------------------------------------
    def persist(self) -> None:
        path = self.config.state_file
        if path is None:
            return
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_bytes(pickle.dumps(self.state))
        tmp.replace(path)


def _load(path: Path) -> State | None:
    """The state file is written by this simulator only (pickle of `State`)."""
    with contextlib.suppress(OSError, pickle.UnpicklingError, EOFError, AttributeError):
        loaded = pickle.loads(path.read_bytes())  # noqa: S301 - our own file
        if isinstance(loaded, State):
            return loaded
    return None


def _password(state: State, name: str) -> str | None:
    user = state.users.get(name)
    return user.password if user else None


def _with_options(seed: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """`SimConfig.options` (e.g. {"version": "8.20.0"}) override the seed's `jira:` block."""
    if not options:
        return seed
    if not isinstance(seed, dict):
        raise SeedError("the seed must be a mapping")
    merged = dict(seed)
    merged["jira"] = {**(seed.get("jira") or {}), **options}
    return merged
