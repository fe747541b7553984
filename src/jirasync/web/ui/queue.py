"""The queue page: events pending, retrying, running and dead, with retry, replay and ignore,
and replaying every dead letter at once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response

from jirasync.admin.events import replay_all_dead
from jirasync.engine import inspect, queue
from jirasync.web.ui.access import Admin, Refused, Viewer, safe_next, service_of
from jirasync.web.ui.activity import connection_names, rows
from jirasync.web.ui.render import back, page

router = APIRouter()

SECTIONS = (
    ("dead", "Dead letters", "Gave up after the remote refused or the retries ran out."),
    ("retrying", "Retrying", "Failed for now (429, 5xx, time-out); tried again with backoff."),
    ("running", "Running", "A worker holds it now."),
    ("pending", "Pending", "Waiting for a worker, or behind an earlier event of its pair."),
)
LIMIT = 100

Back = Annotated[str, Form(alias="back", max_length=2000)]
EventId = Annotated[int, Path(ge=0, le=2**31 - 1)]


@router.get("/queue")
async def queue_page(request: Request, who: Viewer) -> Response:
    db = service_of(request).db
    names = await connection_names(db)
    counts = await inspect.status_counts(db)
    sections = [
        (
            status,
            title,
            note,
            rows(await inspect.list_events(db, statuses=[status], limit=LIMIT), names),
        )
        for status, title, note in SECTIONS
    ]
    return page(request, "queue.html", counts=counts, sections=sections, limit=LIMIT)


@router.post("/queue/{event_id}/retry")
async def retry(
    request: Request, who: Admin, event_id: EventId, back_to: Back = "/queue"
) -> Response:
    db = service_of(request).db
    await _do(request, event_id, "retried", lambda: queue.retry_now(db, event_id))
    return back(request, safe_next(back_to), f"Event #{event_id} will run now.")


@router.post("/queue/{event_id}/replay")
async def replay(
    request: Request, who: Admin, event_id: EventId, back_to: Back = "/queue"
) -> Response:
    db = service_of(request).db
    await _do(request, event_id, "replayed", lambda: queue.replay_event(db, event_id))
    return back(request, safe_next(back_to), f"Event #{event_id} is queued again.")


@router.post("/queue/{event_id}/ignore")
async def ignore(
    request: Request, who: Admin, event_id: EventId, back_to: Back = "/queue"
) -> Response:
    db, reason = service_of(request).db, f"ignored by hand ({who.name})"
    await _do(request, event_id, "ignored", lambda: queue.ignore_event(db, event_id, reason))
    return back(request, safe_next(back_to), f"Event #{event_id} is ignored.")


@router.post("/queue/replay-dead")
async def replay_dead(request: Request, who: Admin) -> Response:
    count = await replay_all_dead(service_of(request).db)
    return back(request, "/queue", f"{count} dead event{'s' if count != 1 else ''} queued again.")


async def _do(
    request: Request, event_id: int, what: str, action: Callable[[], Awaitable[bool]]
) -> None:
    if await action():
        return
    detail = await inspect.event_detail(service_of(request).db, event_id)
    if detail is None:
        raise Refused(404, f"There is no event {event_id}.")
    raise Refused(409, f"Event #{event_id} is {detail.event.status}: it cannot be {what}.")
