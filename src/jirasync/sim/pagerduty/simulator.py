"""`PagerDutySimulator`: the state, the behaviour and the routes wired together, plus the
PagerDuty-specific control routes under `/_sim/pagerduty/`.

Options (`SimConfig.options`): `rate_limit` (requests per window per key; default None = off),
`rate_limit_window_s` (60), `webhook_attempts` (attempts per webhook, default 4),
`webhook_backoff_s` (list of seconds between attempts), `webhook_timeout_s` (5),
`webhook_url` (overrides every seeded subscription's URL, e.g. to point the default seed's
subscription at a test receiver).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.common import Delivery, RetryPolicy, SeedError, SimConfig, Simulator
from jirasync.sim.pagerduty.annotations import Annotations
from jirasync.sim.pagerduty.errors import error_body, not_found
from jirasync.sim.pagerduty.events_api import EventsApi
from jirasync.sim.pagerduty.incidents import Incidents
from jirasync.sim.pagerduty.ratelimit import RateLimiter
from jirasync.sim.pagerduty.routes import directory, incidents, notes, webhook_subscriptions
from jirasync.sim.pagerduty.seed import DEFAULT_SEED, build_state
from jirasync.sim.pagerduty.serialize import Serializer, ts
from jirasync.sim.pagerduty.state import State
from jirasync.sim.pagerduty.webhooks import WebhookDispatcher


async def _unknown(_: Request) -> Response:
    return JSONResponse(not_found().body(), 404)


class PagerDutySimulator(Simulator):
    name = "pagerduty"
    # PagerDuty retries on timeout, 5xx and 429 (for 48 h); short test-friendly backoffs here
    webhook_policy = RetryPolicy(max_attempts=4, backoff_s=(0.05, 0.1, 0.2, 0.4), timeout_s=5.0)

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        options = config.options
        self.webhooks.policy = RetryPolicy(
            max_attempts=int(options.get("webhook_attempts", 4)),
            backoff_s=tuple(
                float(s) for s in options.get("webhook_backoff_s", (0.05, 0.1, 0.2, 0.4))
            ),
            timeout_s=float(options.get("webhook_timeout_s", 5.0)),
        )
        self.rate_limiter = RateLimiter(
            options.get("rate_limit"), float(options.get("rate_limit_window_s", 60.0))
        )
        self.dispatcher = WebhookDispatcher(self)
        self.events_api = EventsApi(self)
        self._routes = self._build_routes()
        self.reset()

    # -- state --------------------------------------------------------------------------------
    def _install(self, state: State) -> None:
        self.dispatcher.forget_deliveries()
        self.state = state
        self.ser = Serializer(state, self.base_url)
        self.incidents = Incidents(state, self.ser, self.dispatcher.on_change)
        self.annotations = Annotations(state, self.ser, self.dispatcher.on_change)

    def reset(self) -> None:
        self.load_seed(self.config.seed if self.config.seed is not None else DEFAULT_SEED)

    def load_seed(self, seed: dict[str, Any]) -> None:
        if not isinstance(seed, dict):
            raise SeedError("the seed must be a mapping")
        self._install(build_state(seed, self.config.options.get("webhook_url")))

    def credentials(self) -> dict[str, Any]:
        state = self.state
        users = {u.id: u for u in state.users.values()}
        return {
            "api_url": self.base_url,
            "events_url": f"{self.base_url}/v2/enqueue",
            "account_api_keys": [k for k, ro in state.credentials.account_keys.items() if not ro],
            "read_only_api_keys": [k for k, ro in state.credentials.account_keys.items() if ro],
            "user_api_keys": {users[u].email: k for k, u in state.credentials.user_keys.items()},
            "oauth_tokens": {
                t: (users[u].email if u else None)
                for t, u in state.credentials.oauth_tokens.items()
            },
            "users": {u.email: u.id for u in state.users.values()},
            "routing_keys": {s.name: s.routing_key for s in state.services.values()},
            "services": {s.name: s.id for s in state.services.values()},
            "webhook_subscriptions": {
                s.id: {"url": s.url, "secret": s.secrets[0], "secrets": list(s.secrets)}
                for s in state.subscriptions.values()
            },
        }

    def state_snapshot(self) -> dict[str, Any]:
        ser = self.ser
        return {
            "incidents": [
                ser.incident(i, {"custom_fields", "body"}) for i in self.state.incidents.values()
            ],
            "notes": [ser.note(n) for n in self.state.notes.values()],
            "webhook_subscriptions": [
                {**ser.subscription(s), "consecutive_drops": s.consecutive_drops}
                for s in self.state.subscriptions.values()
            ],
        }

    # -- hooks --------------------------------------------------------------------------------
    def fault_body(self, status: int) -> Any:
        return error_body(status)

    def on_webhook_result(self, delivery: Delivery) -> None:
        self.dispatcher.on_result(delivery)

    # -- routes -------------------------------------------------------------------------------
    def routes(self) -> Sequence[BaseRoute]:
        return self._routes

    def _build_routes(self) -> list[BaseRoute]:
        return [
            *self._control_routes(),
            *self.events_api.routes(),
            *directory.routes(self),  # before /incidents/{id}: /incidents/custom_fields
            *incidents.routes(self),
            *notes.routes(self),
            *webhook_subscriptions.routes(self),
            # anything else: PagerDuty's JSON 404 rather than Starlette's plain-text 404/405
            Route("/{path:path}", _unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
        ]

    def _control_routes(self) -> list[BaseRoute]:
        async def rate_limit(request: Request) -> Response:
            try:
                body = await request.json()
                per_window = body.get("per_window")
                window_s = float(body.get("window_s", 60.0))
                if per_window is not None and (not isinstance(per_window, int) or per_window < 1):
                    raise ValueError("per_window must be a positive integer or null")
            except (ValueError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
            self.rate_limiter.configure(per_window, window_s)
            return JSONResponse({"per_window": per_window, "window_s": window_s})

        async def clock(request: Request) -> Response:
            try:
                seconds = float((await request.json()).get("advance_s", 0))
                if seconds < 0:
                    raise ValueError("advance_s must not be negative")
            except (ValueError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": str(exc)}, 400)
            self.advance_clock(seconds)
            expired = self.incidents.expire_snoozes()
            reenabled = self.dispatcher.reenable_due()
            return JSONResponse(
                {
                    "now": ts(self.state.clock()),
                    "snoozes_expired": expired,
                    "subscriptions_reenabled": reenabled,
                }
            )

        return [
            Route("/_sim/pagerduty/rate_limit", rate_limit, methods=["PUT", "POST"]),
            Route("/_sim/pagerduty/clock", clock, methods=["POST"]),
        ]

    def advance_clock(self, seconds: float) -> None:
        """Move the simulated time forward (until the next reset)."""
        previous = self.state.clock
        step = timedelta(seconds=seconds)
        self.state.clock = lambda: previous() + step
