"""`jirasync events`: the queue from the command line, read straight from the database (no
API token needed on the host that runs jirasync). With an EVENT_ID: that event's attempts,
what each did and the remote calls it made."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
from rich.console import Console

from jirasync.cli.server import ConfigOpt, _settings
from jirasync.engine.inspect import (
    EventDetail,
    EventSummary,
    event_detail,
    list_events,
    status_counts,
)
from jirasync.store.db import Database
from jirasync.store.models import EventStatus

console = Console()
T = TypeVar("T")


def events_command(
    event_id: Annotated[int | None, typer.Argument(help="Show this event in detail.")] = None,
    status: Annotated[
        list[EventStatus] | None,
        typer.Option("--status", "-s", help="Only events in this status (repeatable)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
    config: ConfigOpt = None,
) -> None:
    """The queue: counts by status and the latest events, or one event's attempts and calls."""
    settings = _settings(config)
    if event_id is not None:
        detail = asyncio.run(_read(settings.database, lambda db: event_detail(db, event_id)))
        if detail is None:
            _say(f"✗ no event {event_id}")
            raise typer.Exit(1)
        _print_detail(detail)
        return
    statuses = [s.value for s in status or []]

    async def overview(db: Database) -> tuple[dict[str, int], list[EventSummary]]:
        return await status_counts(db), await list_events(db, statuses=statuses, limit=limit)

    counts, events = asyncio.run(_read(settings.database, overview))
    _say("  ".join(f"{s.value}: {counts.get(s.value, 0)}" for s in EventStatus))
    for e in events:
        _say(
            f"#{e.id}  {e.source}  {e.status}  tries {e.attempts}"
            f"  {e.received_at:%Y-%m-%d %H:%M:%S}  {e.ordering_key}"
            + (f"  {e.reason}" if e.reason else "")
        )


def _print_detail(detail: EventDetail) -> None:
    e = detail.event
    _say(
        f"event {e.id}: {e.source} {e.status}, {e.attempts} attempt(s), "
        f"{e.duplicates} duplicate deliveries, key {e.ordering_key}, delivery {e.delivery_id}"
    )
    if e.reason:
        _say(f"reason: {e.reason}")
    for attempt in detail.attempts:
        _say(
            f"\nattempt {attempt.attempt} on {attempt.worker}: {attempt.outcome}"
            f" ({(attempt.finished_at - attempt.started_at).total_seconds():.3f} s)"
            + (f": {attempt.reason}" if attempt.reason else "")
        )
        for action in attempt.actions:
            _say(f"  - {action.get('message')}")
        for call in attempt.calls:
            answer = call.status if call.status is not None else call.error
            _say(f"    {call.method} {call.path} → {answer} ({call.duration_ms:.0f} ms)")


def _say(line: str) -> None:
    # One line per item, never wrapped: the output is read with grep as often as by eye, and
    # keys and remote messages hold brackets that are not markup.
    console.print(line, markup=False, highlight=False, soft_wrap=True)


async def _read(url: str, work: Callable[[Database], Awaitable[T]]) -> T:
    db = Database(url)
    try:
        return await work(db)
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    app.command("events")(events_command)
