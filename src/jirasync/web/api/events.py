"""Events: the queue and its history. Filter by status, connection, ordering key, or the
incident / report / issue an event concerns; one event with every attempt, the actions taken
and the remote calls made; retry now, replay, ignore; replay every dead letter."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from jirasync.admin.events import pair_keys, replay_all_dead
from jirasync.engine import inspect, queue
from jirasync.store.models import EventStatus
from jirasync.web.api.deps import DB, Caller, Id, QueryId, RowId
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError

router = APIRouter(prefix="/events", tags=["events"], responses=ERROR_RESPONSES)

Status = EventStatus


class EventOut(BaseModel):
    id: int
    source: str
    connection_id: int | None
    delivery_id: str
    ordering_key: str
    status: str
    attempts: int
    retries: int
    duplicates: int
    received_at: datetime
    available_at: datetime
    finished_at: datetime | None
    reason: str | None


class EventList(BaseModel):
    events: list[EventOut]
    limit: int
    more: bool
    next_before_id: int | None = Field(description="Pass as before_id for the next page.")


class CallOut(BaseModel):
    system: str
    method: str
    path: str
    status: int | None
    duration_ms: float
    error: str | None
    at: datetime


class AttemptOut(BaseModel):
    attempt: int
    worker: str
    started_at: datetime
    finished_at: datetime
    outcome: str
    reason: str | None
    retry_at: datetime | None
    actions: list[dict[str, Any]]
    calls: list[CallOut]


class EventDetailOut(EventOut):
    headers: dict[str, str]
    body: Any = Field(description="The webhook body: JSON when it is JSON, else text.")
    history: list[AttemptOut]


class IgnoreIn(BaseModel):
    reason: str = Field("ignored by hand", min_length=1, max_length=500)


class ReplayDeadIn(BaseModel):
    connection_id: RowId | None = Field(
        None, description="Only this connection's dead events (default: every one)."
    )


class Counted(BaseModel):
    count: int


@router.get("", response_model=EventList)
async def list_events(
    db: DB,
    who: Caller,
    status: Annotated[list[Status] | None, Query(description="Any of these statuses.")] = None,
    connection_id: QueryId = None,
    ordering_key: Annotated[str | None, Query(max_length=300)] = None,
    incident: Annotated[str | None, Query(max_length=100)] = None,
    report: Annotated[str | None, Query(max_length=100)] = None,
    issue_key: Annotated[str | None, Query(max_length=100)] = None,
    before_id: QueryId = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """Newest first. `incident`, `report` and `issue_key` find the events of that linked pair
    (an unlinked issue's events: by `ordering_key` jira:CONNECTION:ISSUE_ID)."""
    keys = await pair_keys(db, incident, report, issue_key)
    if ordering_key is not None:
        keys = [ordering_key] if keys is None else [k for k in keys if k == ordering_key]
    found: list[inspect.EventSummary] = []
    for key in keys if keys is not None else [None]:
        found += await inspect.list_events(
            db,
            statuses=[s.value for s in status or []],
            connection_id=connection_id,
            ordering_key=key,
            before_id=before_id,
            limit=limit + 1,
        )
    found.sort(key=lambda e: e.id, reverse=True)
    page = found[:limit]
    more = len(found) > limit
    return {
        "events": [vars(e) for e in page],
        "limit": limit,
        "more": more,
        "next_before_id": page[-1].id if more and page else None,
    }


@router.get("/counts", response_model=dict[str, int])
async def counts(db: DB, who: Caller, connection_id: QueryId = None) -> Any:
    """How many events are in each status."""
    return await inspect.status_counts(db, connection_id)


@router.get("/{event_id}", response_model=EventDetailOut)
async def get_event(event_id: Id, db: DB, who: Caller) -> Any:
    detail = await inspect.event_detail(db, event_id)
    if detail is None:
        raise ApiError(404, f"no event {event_id}")
    return {
        **vars(detail.event),
        "headers": detail.headers,
        "body": _body(detail.body),
        "history": [{**vars(a), "calls": [vars(c) for c in a.calls]} for a in detail.attempts],
    }


@router.post("/{event_id}/retry", response_model=EventDetailOut)
async def retry(event_id: Id, db: DB, who: Caller) -> Any:
    """Run a retrying event now instead of at its backoff time."""
    if not await queue.retry_now(db, event_id):
        raise await _conflict(db, event_id, "only a pending or retrying event can be retried now")
    return await get_event(event_id, db, who)


@router.post("/{event_id}/replay", response_model=EventDetailOut)
async def replay(event_id: Id, db: DB, who: Caller) -> Any:
    """Queue a finished event (done, ignored or dead) again."""
    if not await queue.replay_event(db, event_id):
        raise await _conflict(db, event_id, "only a done, ignored or dead event can be replayed")
    return await get_event(event_id, db, who)


@router.post("/{event_id}/ignore", response_model=EventDetailOut)
async def ignore(event_id: Id, db: DB, who: Caller, body: IgnoreIn | None = None) -> Any:
    """Give up on a waiting or dead event; later events of its pair no longer wait for it."""
    reason = f"{(body or IgnoreIn()).reason} ({who.name})"
    if not await queue.ignore_event(db, event_id, reason):
        raise await _conflict(db, event_id, "only a pending, retrying or dead event can be ignored")
    return await get_event(event_id, db, who)


@router.post("/replay-dead", response_model=Counted)
async def replay_dead(db: DB, who: Caller, body: ReplayDeadIn | None = None) -> Any:
    """Queue every dead event again (of one connection, or all), in their original order."""
    chosen = (body or ReplayDeadIn()).connection_id
    return {"count": await replay_all_dead(db, chosen)}


async def _conflict(db: Any, event_id: int, message: str) -> ApiError:
    detail = await inspect.event_detail(db, event_id)
    if detail is None:
        return ApiError(404, f"no event {event_id}")
    return ApiError(409, f"event {event_id} is {detail.event.status}: {message}")


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return raw.decode("utf-8", errors="replace")
