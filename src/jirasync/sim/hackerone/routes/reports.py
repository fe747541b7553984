"""Reports: `GET /v1/reports/{id}`, `GET /v1/reports` (filters, sort, pages), `POST /v1/reports`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from jirasync.sim.hackerone.errors import h1_json, invalid
from jirasync.sim.hackerone.jsonapi import page_links
from jirasync.sim.hackerone.model import REPORT_DATES, Report, Severity
from jirasync.sim.hackerone.routes.common import Call, attributes, integer, text
from jirasync.sim.hackerone.routes.report_filters import parse_query, predicates, sort_key
from jirasync.sim.hackerone.seed import RATINGS


async def get_report(call: Call) -> Response:
    report = call.report(write=False)
    return h1_json({"data": call.sim.renderer.report(report, call.base_url)})


async def list_reports(call: Call) -> Response:
    params = list(call.request.query_params.multi_items())
    query = parse_query(params)
    if "program" not in query.filters and "inbox_ids" not in query.filters:
        raise invalid(
            "filter[program]", "Either filter[program][] or filter[inbox_ids][] is required."
        )
    own = call.principal.program.id
    reports = [r for r in call.sim.state.reports.values() if r.program_id == own]
    for keep in predicates(call.sim.state, query.filters):
        reports = [r for r in reports if keep(r)]
    key, descending = sort_key(query.sort)
    reports.sort(key=key, reverse=descending)
    start = (query.page - 1) * query.size
    page = reports[start : start + query.size]
    renderer = call.sim.renderer
    return h1_json(
        {
            "data": [renderer.report(r, call.base_url, listing=True) for r in page],
            "links": page_links(
                call.base_url, "/v1/reports", params, query.page, query.size, len(reports)
            ),
        }
    )


async def create_report(call: Call) -> Response:
    """A report the program files itself (e.g. from another channel); the token is the reporter."""
    attrs = attributes(await call.data())
    handle = text(attrs, "team_handle", required=True)
    program = call.principal.program
    if handle != program.handle:
        raise invalid("team_handle")
    title = text(attrs, "title", required=True)
    information = text(attrs, "vulnerability_information", required=True)
    impact = text(attrs, "impact", required=True)
    source = text(attrs, "source", required=True)
    rating = attrs.get("severity_rating")
    if rating is not None and rating not in RATINGS:
        raise invalid("severity_rating")
    weakness_id = _optional_id(attrs, "weakness_id", program.weakness)
    scope_id = _optional_id(attrs, "structured_scope_id", program.scope)
    if not title.strip():
        raise invalid("title")
    state = call.sim.state
    now = state.clock.now()
    report = Report(
        id=state.next_id("report"),
        program_id=program.id,
        title=title,
        vulnerability_information=f"{information}\n\n## Impact\n\n{impact}",
        state="new",
        reporter_id=call.principal.user.id,
        dates=dict.fromkeys(REPORT_DATES, None) | {"created_at": now, "submitted_at": now},
        source=source,
        weakness_id=weakness_id,
        scope_id=scope_id,
    )
    state.reports[report.id] = report
    if rating is not None:
        severity = Severity(state.next_id("severity"), rating, "User", report.reporter_id, now)
        state.severities[severity.id] = severity
        report.severity_id = severity.id
    filed = call.sim.record(report, "activity-bug-filed", call.actor(), "")
    # The token is reporter and program at once: the recording sets both sides' dates.
    report.dates["last_reporter_activity_at"] = filed.created_at
    return h1_json({"data": call.sim.renderer.report(report, call.base_url)}, 201)


def _optional_id(
    attrs: dict[str, Any], key: str, find: Callable[[int], object | None]
) -> int | None:
    if attrs.get(key) is None:
        return None
    ident = integer(attrs[key], key)
    if find(ident) is None:
        raise invalid(key)
    return ident
