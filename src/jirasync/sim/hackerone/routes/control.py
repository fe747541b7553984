"""`/_sim/` routes of the HackerOne simulator: webhook configuration per program (HackerOne has
no API for it), the actions only a hacker can take (submit, comment, agree to disclosure), public
disclosure, rate limits, and attachment downloads. Hacker actions record their activity and send
their webhook exactly like API changes."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.common import SeedError
from jirasync.sim.hackerone.model import REPORT_DATES, Program, Report, Severity, User
from jirasync.sim.hackerone.ratelimit import RateLimiter
from jirasync.sim.hackerone.seed import RATINGS, webhook_config

if TYPE_CHECKING:
    from jirasync.sim.hackerone.simulator import HackerOneSimulator


ControlHandler = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _json(request: Request) -> Any:
    try:
        return json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ControlError(f"body is not JSON: {exc}") from exc


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ControlError("body must be a JSON object")
    return value


def _str(body: dict[str, Any], key: str, default: str | None = None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise ControlError(f"'{key}' is required and must be a string")
    return value


class Control:
    def __init__(self, sim: HackerOneSimulator) -> None:
        self.sim = sim

    def routes(self) -> list[BaseRoute]:
        handlers: list[tuple[str, ControlHandler, str]] = [
            ("/_sim/programs/{handle}/webhooks", self.get_webhooks, "GET"),
            ("/_sim/programs/{handle}/webhooks", self.put_webhooks, "PUT"),
            ("/_sim/programs/{handle}/reports", self.submit_report, "POST"),
            ("/_sim/reports/{report_id}/comments", self.hacker_comment, "POST"),
            ("/_sim/reports/{report_id}/disclosure_requests", self.hacker_disclosure, "POST"),
            ("/_sim/reports/{report_id}/disclose", self.disclose, "POST"),
            ("/_sim/reports/{report_id}/inactive", self.close_inactive, "POST"),
            ("/_sim/rate_limits", self.get_rate_limits, "GET"),
            ("/_sim/rate_limits", self.put_rate_limits, "PUT"),
            ("/_sim/attachments/{attachment_id}", self.download, "GET"),
        ]
        return [Route(path, self._wrap(fn), methods=[m]) for path, fn, m in handlers]

    @staticmethod
    def _wrap(fn: ControlHandler) -> ControlHandler:
        async def run(request: Request) -> Response:
            try:
                return await fn(request)
            except ControlError as exc:
                return JSONResponse({"error": str(exc)}, exc.status)

        return run

    # -- look-ups -----------------------------------------------------------------------------
    def _program(self, request: Request) -> Program:
        handle = request.path_params["handle"]
        program = self.sim.state.program_by_handle(handle)
        if program is None:
            raise ControlError(f"no program {handle!r}", 404)
        return program

    def _report(self, request: Request) -> Report:
        raw = request.path_params["report_id"]
        report = self.sim.state.reports.get(int(raw)) if raw.isdigit() else None
        if report is None:
            raise ControlError(f"no report {raw}", 404)
        return report

    def _hacker(self, body: dict[str, Any], report: Report | None = None) -> User:
        if report is not None and "username" not in body:
            return self.sim.state.users[report.reporter_id]
        username = _str(body, "username")
        user = self.sim.state.user_by_name(username)
        if user is None:
            raise ControlError(f"no user {username!r}", 404)
        return user

    def _report_json(self, report: Report, status: int = 200) -> Response:
        return JSONResponse({"data": self.sim.renderer.report(report, self.sim.base_url)}, status)

    # -- webhooks -----------------------------------------------------------------------------
    async def get_webhooks(self, request: Request) -> Response:
        program = self._program(request)
        hooks = [
            {"url": h.url, "secret": h.secret, "events": h.events or "all"}
            for h in program.webhooks
        ]
        return JSONResponse({"webhooks": hooks, "default_secret": program.webhook_secret})

    async def put_webhooks(self, request: Request) -> Response:
        """Replace the program's webhooks: `{"webhooks": [{url, secret?, events?}]}` or a list."""
        program = self._program(request)
        body = await _json(request)
        entries = body.get("webhooks") if isinstance(body, dict) else body
        if not isinstance(entries, list):
            raise ControlError('send {"webhooks": [{"url", "secret", "events"}]}')
        try:
            hooks = [
                webhook_config(_object(e), f"webhooks[{i}]", program.webhook_secret)
                for i, e in enumerate(entries)
            ]
        except SeedError as exc:
            raise ControlError(str(exc)) from exc
        program.webhooks = hooks
        return await self.get_webhooks(request)

    # -- hacker actions -----------------------------------------------------------------------
    async def submit_report(self, request: Request) -> Response:
        program = self._program(request)
        body = _object(await _json(request))
        reporter = self._hacker({"username": _str(body, "reporter")})
        title = _str(body, "title")
        information = _str(body, "vulnerability_information", "")
        impact = body.get("impact")
        if impact:
            information = f"{information}\n\n## Impact\n\n{impact}"
        state = self.sim.state
        now = state.clock.now()
        report = Report(
            id=state.next_id("report"),
            program_id=program.id,
            title=title,
            vulnerability_information=information,
            state="new",
            reporter_id=reporter.id,
            dates=dict.fromkeys(REPORT_DATES, None) | {"created_at": now, "submitted_at": now},
            source=None,
        )
        self._classify(program, report, body)
        state.reports[report.id] = report
        self.sim.record(report, "activity-bug-filed", ("user", reporter.id), "")
        return self._report_json(report, 201)

    def _classify(self, program: Program, report: Report, body: dict[str, Any]) -> None:
        rating = body.get("severity_rating")
        if rating is not None:
            if rating not in RATINGS:
                raise ControlError(f"severity_rating must be one of {list(RATINGS)}")
            state = self.sim.state
            severity = Severity(
                state.next_id("severity"), rating, "User", report.reporter_id, state.clock.now()
            )
            state.severities[severity.id] = severity
            report.severity_id = severity.id
        weakness_id = body.get("weakness_id")
        if weakness_id is not None:
            if not isinstance(weakness_id, int) or program.weakness(weakness_id) is None:
                raise ControlError(f"no weakness {weakness_id!r} in {program.handle}")
            report.weakness_id = weakness_id
        scope_id = body.get("structured_scope_id")
        if scope_id is not None:
            if not isinstance(scope_id, int) or program.scope(scope_id) is None:
                raise ControlError(f"no structured scope {scope_id!r} in {program.handle}")
            report.scope_id = scope_id

    async def hacker_comment(self, request: Request) -> Response:
        report = self._report(request)
        body = _object(await _json(request))
        hacker = self._hacker(body, report)
        message = _str(body, "message")
        if report.comments_closed:
            raise ControlError("comments on this report are closed", 409)
        attachment_ids = body.get("attachment_ids", [])
        if not isinstance(attachment_ids, list) or any(
            not isinstance(i, int) or i not in self.sim.state.attachments for i in attachment_ids
        ):
            raise ControlError("attachment_ids must list uploaded attachment ids")
        report.attachment_ids.extend(attachment_ids)
        activity = self.sim.record(
            report,
            "activity-comment",
            ("user", hacker.id),
            message,
            False,
            attachment_ids=attachment_ids,
        )
        return JSONResponse({"data": self.sim.renderer.activity(activity, self.sim.base_url)}, 201)

    async def hacker_disclosure(self, request: Request) -> Response:
        """The reporter requests (or agrees to) public disclosure."""
        report = self._report(request)
        body = _object(await _json(request))
        hacker = self._hacker(body, report)
        if report.dates["disclosed_at"] is not None:
            raise ControlError("the report is already disclosed", 409)
        report.dates["reporter_agreed_on_going_public_at"] = self.sim.state.clock.now()
        activity = self.sim.record(
            report,
            "activity-agreed-on-going-public",
            ("user", hacker.id),
            _str(body, "message", ""),
            False,
        )
        return JSONResponse({"data": self.sim.renderer.activity(activity, self.sim.base_url)}, 201)

    async def disclose(self, request: Request) -> Response:
        """The report becomes public (what HackerOne does once both sides agreed)."""
        report = self._report(request)
        if report.dates["disclosed_at"] is not None:
            raise ControlError("the report is already disclosed", 409)
        report.dates["disclosed_at"] = self.sim.state.clock.now()
        self.sim.record(report, "activity-report-became-public", ("program", report.program_id), "")
        return self._report_json(report)

    async def close_inactive(self, request: Request) -> Response:
        """What HackerOne does to a report left in needs-more-info for 30 days: it closes it as
        informative, with `activity-bug-inactive` and no actor."""
        report = self._report(request)
        if report.state != "needs-more-info":
            raise ControlError("only a needs-more-info report can go inactive", 409)
        report.state = "informative"
        report.dates["closed_at"] = self.sim.state.clock.now()
        self.sim.record(report, "activity-bug-inactive", None, "")
        return self._report_json(report)

    # -- rate limits and attachments ----------------------------------------------------------
    async def get_rate_limits(self, _: Request) -> Response:
        return JSONResponse(self.sim.limiter.limits())

    async def put_rate_limits(self, request: Request) -> Response:
        body = _object(await _json(request))
        limits = self.sim.limiter.limits()
        for key in limits:
            value = body.get(key, limits[key])
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ControlError(f"'{key}' must be a positive integer")
            limits[key] = value
        self.sim.limiter = RateLimiter(**limits)
        return JSONResponse(limits)

    async def download(self, request: Request) -> Response:
        raw = request.path_params["attachment_id"]
        state = self.sim.state
        attachment = state.attachments.get(int(raw)) if raw.isdigit() else None
        if attachment is None:
            raise ControlError(f"no attachment {raw}", 404)
        return Response(state.attachment_data[attachment.id], media_type=attachment.content_type)
