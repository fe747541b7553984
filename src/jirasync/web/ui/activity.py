"""The activity log: the latest events, filtered by source, status, connection and text; one
event with the rule that matched, the actions taken and every remote call of every attempt;
and a live stream (server-sent events) that adds new events and updates changed ones."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from jirasync.admin.events import keys_named_by
from jirasync.engine import inspect
from jirasync.store.db import Database
from jirasync.store.models import Connection, EventStatus
from jirasync.web.ui.access import Refused, Viewer, service_of
from jirasync.web.ui.actions import offer
from jirasync.web.ui.render import TEMPLATES, page

router = APIRouter()

POLL_S = 0.5
# A browser's EventSource reconnects by itself; ending streams bounds what a server holds.
STREAM_S = 300.0
FINAL = frozenset({EventStatus.DONE, EventStatus.IGNORED, EventStatus.DEAD})
SOURCES = ("jira", "pagerduty", "hackerone")


class Filters(BaseModel):
    source: str | None = Field(None, max_length=32)
    status: str | None = Field(None, max_length=16)
    connection_id: int | None = Field(None, ge=0, le=2**31 - 1)
    q: str | None = Field(None, max_length=200)

    def query(self) -> str:
        return urlencode({k: v for k, v in self.model_dump().items() if v not in (None, "")})


def filters(
    source: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str | None, Query(max_length=16)] = None,
    connection_id: Annotated[str | None, Query(max_length=12)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> Filters:
    """Empty fields of the filter form mean "any"; a bad value is a 400 saying which."""
    if source and source not in SOURCES:
        raise Refused(400, f"source: {source!r} is not one of {', '.join(SOURCES)}")
    if status and status not in {s.value for s in EventStatus}:
        raise Refused(400, f"status: {status!r} is not an event status")
    chosen = None
    if connection_id:
        if not connection_id.isdigit() or len(connection_id) > 9:
            raise Refused(400, f"connection_id: {connection_id!r} is not a connection id")
        chosen = int(connection_id)
    return Filters(source=source or None, status=status or None, connection_id=chosen, q=q or None)


Chosen = Annotated[Filters, Depends(filters)]


@dataclass(frozen=True)
class Row:
    """An event as a row of the log."""

    event: inspect.EventSummary
    connection: str


async def connection_names(db: Database) -> dict[int, str]:
    async with db.read() as conn:
        return {r[0]: r[1] for r in await conn.execute(select(Connection.id, Connection.name))}


async def find(
    db: Database, chosen: Filters, limit: int, after_id: int | None = None
) -> list[inspect.EventSummary]:
    keys = await keys_named_by(db, chosen.q.strip()) if chosen.q else []
    return await inspect.list_events(
        db,
        statuses=[chosen.status] if chosen.status else [],
        connection_id=chosen.connection_id,
        source=chosen.source,
        text=chosen.q.strip() if chosen.q else None,
        text_keys=keys,
        after_id=after_id,
        limit=limit,
    )


def rows(events: list[inspect.EventSummary], names: dict[int, str]) -> list[Row]:
    return [Row(e, names.get(e.connection_id or -1, "—")) for e in events]


@router.get("/activity")
async def activity(request: Request, who: Viewer, chosen: Chosen) -> Response:
    db = service_of(request).db
    names = await connection_names(db)
    events = await find(db, chosen, limit=100)
    return page(
        request,
        "activity.html",
        rows=rows(events, names),
        filters=chosen,
        connections=names,
        sources=SOURCES,
        statuses=[s.value for s in EventStatus],
        newest=events[0].id if events else 0,
        watch=[e.id for e in events if e.status not in FINAL][:100],
    )


@router.get("/activity/stream")
async def stream(
    request: Request,
    who: Viewer,
    chosen: Chosen,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    watch: Annotated[list[int] | None, Query(max_length=100)] = None,
) -> Response:
    """Server-sent events: `activity` messages carry new rows and, out of band, changed ones
    (`watch`: the shown events that are not finished yet)."""
    return StreamingResponse(
        _follow(request, chosen, after, watch or []),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _follow(
    request: Request, chosen: Filters, after: int, watch: list[int]
) -> AsyncIterator[str]:
    db = service_of(request).db
    template = TEMPLATES.env.get_template("_event_rows.html")
    # Events shown whose status may still change.
    watching = {e.id: e.status for e in await inspect.summaries(db, watch)}
    deadline = time.monotonic() + STREAM_S
    yield "retry: 2000\n\n"
    while time.monotonic() < deadline and not await request.is_disconnected():
        new = await find(db, chosen, limit=50, after_id=after)
        changed = [
            e for e in await inspect.summaries(db, list(watching)) if e.status != watching[e.id]
        ]
        if new or changed:
            names = await connection_names(db)
            after = max([after, *(e.id for e in new)])
            html = template.render(rows=rows(new, names), changed=rows(changed, names), live=True)
            yield _message("activity", html)
        for e in [*new, *changed]:
            watching.pop(e.id, None)
            if e.status not in FINAL:
                watching[e.id] = e.status
        await asyncio.sleep(POLL_S)


def _message(event: str, data: str) -> str:
    lines = "".join(f"data: {line}\n" for line in data.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


@router.get("/activity/{event_id}")
async def event_page(request: Request, who: Viewer, event_id: int) -> Response:
    db = service_of(request).db
    detail = await inspect.event_detail(db, event_id) if event_id < 2**31 else None
    if detail is None:
        raise Refused(404, f"There is no event {event_id}.")
    names = await connection_names(db)
    return page(
        request,
        "event.html",
        detail=detail,
        event=detail.event,
        connection=names.get(detail.event.connection_id or -1, "—"),
        body=_body(detail.body),
        offer=await offer(request, detail.event.ordering_key) if who.can_change else None,
    )


def _body(raw: bytes) -> str:
    try:
        return json.dumps(json.loads(raw), indent=2, sort_keys=True, ensure_ascii=False)
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", errors="replace")


def action_details(action: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in action.items() if k not in ("at", "message")}


TEMPLATES.env.globals["action_details"] = action_details
