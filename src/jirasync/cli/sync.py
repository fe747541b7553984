"""`jirasync apply FILE` (connections, rules, user mappings from YAML) and `jirasync check`
(the webhooks on Jira and PagerDuty: what is missing or wrong, fixed with --fix)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from jirasync.cli.server import ConfigOpt, _settings
from jirasync.config import Settings
from jirasync.crypto import SecretBox, load_or_create_key
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade

console = Console()


def apply_command(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="YAML set-up document.")
    ],
    config: ConfigOpt = None,
) -> None:
    """Create or update connections, rules and user mappings from a YAML document."""
    from jirasync.sync.setup import SetupError, apply

    settings = _settings(config)
    try:
        document = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise typer.BadParameter(f"{file}: {exc}") from exc

    async def run(db: Database, secrets: SecretBox) -> Any:
        return await apply(db, secrets, document)

    try:
        applied = asyncio.run(_with_store(settings, run))
    except SetupError as exc:
        for problem in exc.problems:
            console.print(f"[red]✗[/red] {problem}")
        raise typer.Exit(2) from None
    console.print(
        f"applied: {len(applied.connections)} connection(s), {applied.rules} rule(s), "
        f"{applied.user_mappings} user mapping(s)"
    )


def check_command(
    config: ConfigOpt = None,
    fix: Annotated[bool, typer.Option(help="Create, repair or delete webhooks as needed.")] = False,
    public_url: Annotated[
        str | None, typer.Option(help="URL the remotes call back (default: settings public_url).")
    ] = None,
) -> None:
    """Check the webhooks jirasync needs on every connection; --fix repairs them."""
    from jirasync.sync.registration import check_webhooks
    from jirasync.sync.runtime import SyncRuntime

    settings = _settings(config)
    url = (public_url or settings.callback_url).rstrip("/")

    async def run(db: Database, secrets: SecretBox) -> Any:
        runtime = SyncRuntime(db, secrets)
        try:
            return await check_webhooks(runtime, secrets, url, fix)
        finally:
            await runtime.close()

    reports = asyncio.run(_with_store(settings, run))
    table = Table("connection", "kind", "finding", "fix")
    for report in reports:
        for finding in report.findings:
            done = "done" if fix else f"would {finding.fix}"
            table.add_row(report.connection, report.kind, f"{finding.kind}: {finding.detail}", done)
        for error in report.errors:
            table.add_row(report.connection, report.kind, f"[red]{error}[/red]", "")
        for line in report.instructions:
            table.add_row(report.connection, report.kind, line, "manual")
        if not (report.findings or report.errors or report.instructions):
            table.add_row(report.connection, report.kind, "[green]ok[/green]", "")
    console.print(table)
    if any(r.errors for r in reports) or (not fix and any(r.findings for r in reports)):
        raise typer.Exit(1)


async def _with_store(settings: Settings, work: Any) -> Any:
    db = Database(settings.database)
    secrets = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
    try:
        if settings.migrate_on_start:
            await upgrade(db)
        return await work(db, secrets)
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    app.command("apply")(apply_command)
    app.command("check")(check_command)
