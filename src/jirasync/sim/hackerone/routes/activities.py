"""Activities: `GET /v1/activities/{id}` and `GET /v1/incremental/activities` (the polling
feed: every activity of a program updated after a moment, with `meta.max_updated_at`)."""

from __future__ import annotations

from starlette.responses import Response

from jirasync.sim.hackerone.errors import H1Error, h1_json, invalid
from jirasync.sim.hackerone.jsonapi import iso, page_links
from jirasync.sim.hackerone.model import Activity
from jirasync.sim.hackerone.routes.common import Call
from jirasync.sim.hackerone.routes.report_filters import parse_timestamp

SORTS = {
    "updated_at": lambda a: (a.updated_at, a.id),
    "created_at": lambda a: (a.created_at, a.id),
    "report_id": lambda a: (a.report_id, a.id),
}


async def get_activity(call: Call) -> Response:
    raw = call.request.path_params["activity_id"]
    activity = call.sim.state.activities.get(int(raw)) if raw.isdigit() else None
    if activity is None:
        raise H1Error(404)
    report = call.sim.state.reports[activity.report_id]
    if report.program_id != call.principal.program.id:
        raise H1Error(403)
    return h1_json({"data": call.sim.renderer.activity(activity, call.base_url, True)})


async def incremental_activities(call: Call) -> Response:
    params = call.request.query_params
    handle = params.get("handle")
    if not handle:
        raise invalid("handle")
    if handle != call.principal.program.handle:
        raise H1Error(403)
    found = _program_activities(call)
    after = params.get("updated_at_after")
    if after:  # an empty value (sent by some clients on the first poll) means "from the start"
        moment = parse_timestamp(after, "updated_at_after")
        found = [a for a in found if a.updated_at > moment]
    if params.get("report_id"):
        wanted = params["report_id"]
        found = [a for a in found if str(a.report_id) == wanted]
    sort = params.get("sort", "updated_at")
    if sort not in SORTS:
        raise invalid("sort")
    order = params.get("order", "asc")
    if order not in ("asc", "desc"):
        raise invalid("order")
    found.sort(key=SORTS[sort], reverse=order == "desc")
    number, size = _paging(
        params.get("page[number]", "1"), params.get("page[size]") or params.get("first") or "25"
    )
    page = found[(number - 1) * size : number * size]
    newest = max((a.updated_at for a in page), default=None)
    renderer = call.sim.renderer
    return h1_json(
        {
            "data": [renderer.activity(a, call.base_url, with_report_id=True) for a in page],
            "meta": {"max_updated_at": iso(newest)},
            "links": page_links(
                call.base_url,
                "/v1/incremental/activities",
                list(params.multi_items()),
                number,
                size,
                len(found),
            ),
        }
    )


def _program_activities(call: Call) -> list[Activity]:
    state, own = call.sim.state, call.principal.program.id
    return [a for a in state.activities.values() if state.reports[a.report_id].program_id == own]


def _paging(number: str, size: str) -> tuple[int, int]:
    if not number.isdigit() or int(number) < 1:
        raise invalid("page[number]")
    if not size.isdigit() or not 1 <= int(size) <= 100:
        raise invalid("page[size]")
    return int(number), int(size)
