"""The HackerOne simulator: owns the state, records activities (updating the report's dates)
and announces them as signed program webhooks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from starlette.routing import BaseRoute

from jirasync.sim.common import SimConfig, Simulator
from jirasync.sim.hackerone import webhooks
from jirasync.sim.hackerone.default_seed import default_seed
from jirasync.sim.hackerone.jsonapi import Renderer, error_body
from jirasync.sim.hackerone.model import Activity, Program, Ref, Report
from jirasync.sim.hackerone.ratelimit import GENEROUS_LIMITS, RateLimiter
from jirasync.sim.hackerone.seed import build_state, rate_limits
from jirasync.sim.hackerone.state import State


class HackerOneSimulator(Simulator):
    name = "hackerone"
    webhook_policy = webhooks.WEBHOOK_POLICY

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self._configured_seed = config.seed if config.seed is not None else default_seed()
        self.state = State()
        self.renderer = Renderer(self.state)
        self.limiter = RateLimiter(**GENEROUS_LIMITS)
        self.reset()

    # -- Simulator ----------------------------------------------------------------------------
    def reset(self) -> None:
        self.load_seed(self._configured_seed)

    def load_seed(self, seed: dict[str, Any]) -> None:
        state = build_state(seed)
        limits = {**GENEROUS_LIMITS, **self.config.options.get("rate_limits", {})}
        limits |= rate_limits(seed)
        self.state = state
        self.renderer = Renderer(state)
        self.limiter = RateLimiter(**limits)

    def credentials(self) -> dict[str, Any]:
        """The first program's token and webhook secret at the top, every program below."""
        programs = [self._program_credentials(p) for p in self.state.programs.values()]
        first = next(iter(self.state.programs.values()), None)
        token = first.tokens[0] if first and first.tokens else None
        return {
            "base_url": self.base_url,
            "api_url": f"{self.base_url}/v1",
            "program": first.handle if first else None,
            "api_identifier": token.identifier if token else None,
            "api_token": token.value if token else None,
            "webhook_secret": first.webhook_secret if first else None,
            "programs": programs,
        }

    @staticmethod
    def _program_credentials(program: Program) -> dict[str, Any]:
        return {
            "handle": program.handle,
            "id": str(program.id),
            "api_tokens": [{"identifier": t.identifier, "token": t.value} for t in program.tokens],
            "webhook_secret": program.webhook_secret,
            "webhooks": [
                {"url": h.url, "secret": h.secret, "events": h.events or "all"}
                for h in program.webhooks
            ],
        }

    def routes(self) -> Sequence[BaseRoute]:
        # Imported here: the route modules import this module for type checking.
        from jirasync.sim.hackerone.routes import all_routes

        return all_routes(self)

    def fault_body(self, status: int) -> Any:
        return error_body(status)

    def state_snapshot(self) -> dict[str, Any]:
        base = self.base_url
        return {
            "programs": [self.renderer.program(p, full=True) for p in self.state.programs.values()],
            "reports": [self.renderer.report(r, base) for r in self.state.reports.values()],
        }

    # -- recording changes --------------------------------------------------------------------
    def record(
        self,
        report: Report,
        kind: str,
        actor: Ref | None,
        message: str | None = "",
        internal: bool = False,
        attributes: dict[str, Any] | None = None,
        links: Mapping[str, Ref | list[Ref]] | None = None,
        attachment_ids: Sequence[int] = (),
    ) -> Activity:
        """Append an activity to the report, touch its dates, and send its webhook."""
        now = self.state.clock.now()
        activity = Activity(
            id=self.state.next_id("activity"),
            type=kind,
            report_id=report.id,
            actor=actor,
            message=message,
            internal=internal,
            created_at=now,
            updated_at=now,
            attributes=attributes or {},
            links=dict(links or {}),
            attachment_ids=list(attachment_ids),
        )
        self.state.activities[activity.id] = activity
        report.activity_ids.append(activity.id)
        self._touch(report, activity)
        self.announce(report, activity)
        return activity

    def _touch(self, report: Report, activity: Activity) -> None:
        dates, now = report.dates, activity.created_at
        dates["last_activity_at"] = now
        if self._program_side(report, activity.actor):
            dates["last_program_activity_at"] = now
            dates["first_program_activity_at"] = dates["first_program_activity_at"] or now
        elif activity.actor is not None:
            dates["last_reporter_activity_at"] = now
        if not activity.internal:
            dates["last_public_activity_at"] = now

    def _program_side(self, report: Report, actor: Ref | None) -> bool:
        """The program itself, its members and its API users act for the program; any other
        user (the reporter, a collaborator) is on the hacker's side."""
        if actor is None:
            return False
        kind, ident = actor
        program = self.state.programs[report.program_id]
        if kind == "program":
            return True
        return program.member_for(ident) is not None or any(
            t.user_id == ident for t in program.tokens
        )

    def announce(self, report: Report, activity: Activity) -> None:
        event = webhooks.EVENTS.get(activity.type)
        program = self.state.programs[report.program_id]
        hooks = [(h.url, h.secret) for h in program.webhooks if event and h.wants(event)]
        if event is None or not hooks:
            return
        body = webhooks.envelope(
            self.renderer.activity(activity, self.base_url, with_report_id=True),
            self.renderer.report(report, self.base_url),
        )
        webhooks.send(self.webhooks, hooks, event, body, report.id)
