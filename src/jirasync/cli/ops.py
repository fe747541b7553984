"""`jirasync replay` (queue finished or dead events again) and `jirasync backfill` (link or
create for what existed before the rules: open incidents, issues matching a rule's JQL)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from jirasync.cli.server import ConfigOpt, _settings
from jirasync.cli.sync import _with_store
from jirasync.crypto import SecretBox
from jirasync.store.db import Database
from jirasync.store.models import Connection

console = Console()


def replay_command(
    event_id: Annotated[int | None, typer.Argument(help="Inbox event to queue again.")] = None,
    dead: Annotated[bool, typer.Option("--dead", help="Queue every dead event again.")] = False,
    connection: Annotated[
        str | None, typer.Option(help="With --dead: only this connection's events (its name).")
    ] = None,
    config: ConfigOpt = None,
) -> None:
    """Queue an event again (done, ignored or dead), or every dead event with --dead."""
    if (event_id is None) == (not dead):
        raise typer.BadParameter("give either an EVENT_ID or --dead")
    if connection is not None and not dead:
        raise typer.BadParameter("--connection goes with --dead")
    settings = _settings(config)
    if event_id is not None:
        if not asyncio.run(_with_store(settings, lambda db, _: _replay_one(db, event_id))):
            console.print(f"[red]✗[/red] event {event_id}: no such event, or still queued")
            raise typer.Exit(1)
        console.print(f"event {event_id} queued again")
        return
    count = asyncio.run(_with_store(settings, lambda db, _: _replay_dead(db, connection)))
    console.print(f"{count} dead event(s) queued again")


async def _replay_one(db: Database, event_id: int) -> bool:
    from jirasync.engine.queue import replay_event

    return await replay_event(db, event_id)


async def _replay_dead(db: Database, connection: str | None) -> int:
    from jirasync.engine.queue import replay_dead

    async with db.read() as conn:
        rows = await conn.execute(select(Connection.id, Connection.name))
        ids = {name: connection_id for connection_id, name in rows}
    if connection is not None:
        if connection not in ids:
            raise typer.BadParameter(f"no connection named {connection!r}")
        return await replay_dead(db, ids[connection])
    # Events that name no connection are dead letters too (unreadable bodies).
    return sum([await replay_dead(db, i) for i in [*ids.values(), None]])


def backfill_command(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the planned actions; change nothing.")
    ] = False,
    config: ConfigOpt = None,
) -> None:
    """Link or create for what existed before the rules: open incidents on the rules'
    services (PagerDuty → Jira), issues matching a rule's JQL (Jira → PagerDuty), and open
    HackerOne reports (linked to the issue their reference names, or escalated if the
    escalation's automatic filter wants them)."""
    from jirasync.sync.backfill import Backfill
    from jirasync.sync.report_backfill import ReportBackfill

    settings = _settings(config)

    async def run(db: Database, secrets: SecretBox) -> Any:
        from jirasync.sync.runtime import SyncRuntime

        runtime = SyncRuntime(db, secrets)
        try:
            backfills: list[Any] = [Backfill(runtime), ReportBackfill(runtime)]
            work = [(b, c) for b in backfills for c in await b.candidates()]
            with _progress() as progress:
                task = progress.add_task("backfill", total=len(work))
                results = []
                for backfill, candidate in work:
                    progress.update(task, description=candidate.label)
                    results.append(await backfill.run(candidate, dry_run=dry_run))
                    progress.advance(task)
            return results
        finally:
            await runtime.close()

    results = asyncio.run(_with_store(settings, run))
    for result in results:
        console.print(f"{result.candidate.label}: {result.summary}")
        for line in result.actions:
            console.print(f"  - {line}")
    acted = sum(1 for r in results if r.acted)
    verb = "would act on" if dry_run else "acted on"
    console.print(f"{verb} {acted} of {len(results)} item(s)")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def register(app: typer.Typer) -> None:
    app.command("replay")(replay_command)
    app.command("backfill")(backfill_command)
