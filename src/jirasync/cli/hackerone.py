"""HackerOne commands: `jirasync escalate REPORT`, `jirasync link REPORT ISSUE`,
`jirasync unlink REPORT` (HackerOne's References menu) and `jirasync applink JIRA_URL` (the
OAuth 1.0a application link dance that gives a Jira connection its `oauth1` credentials)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from sqlalchemy import select

from jirasync.cli.server import ConfigOpt, _settings
from jirasync.cli.sync import _with_store
from jirasync.crypto import SecretBox
from jirasync.store.db import Database
from jirasync.store.models import Connection

console = Console()
ConnectionOpt = Annotated[
    str | None,
    typer.Option("--connection", help="HackerOne connection name (default: the only one)."),
]


def _run(config: Path | None, connection: str | None, work: Any) -> Any:
    from jirasync.sync.runtime import SyncRuntime

    async def run(db: Database, secrets: SecretBox) -> Any:
        runtime = SyncRuntime(db, secrets)
        try:
            return await work(runtime, await _connection_id(db, connection))
        finally:
            await runtime.close()

    return asyncio.run(_with_store(_settings(config), run))


async def _connection_id(db: Database, name: str | None) -> int:
    async with db.sessions() as session:
        rows = (
            await session.scalars(select(Connection).where(Connection.kind == "hackerone"))
        ).all()
    chosen = [r for r in rows if name is None or r.name == name]
    if len(chosen) != 1:
        names = ", ".join(r.name for r in rows) or "none"
        raise typer.BadParameter(f"name one HackerOne connection with --connection ({names})")
    return chosen[0].id


def escalate_command(
    report: Annotated[str, typer.Argument(help="HackerOne report id.")],
    connection: ConnectionOpt = None,
    escalation: Annotated[str | None, typer.Option(help="Escalation name.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Create the report's Jira issue with the program's escalation."""
    from jirasync.sync.escalate import escalate

    done = _run(config, connection, lambda rt, cid: escalate(rt, cid, report, escalation))
    for step in done.activity.actions:
        console.print(f"  {step['message']}")
    console.print(f"report {report} → {done.issue_key}" + ("" if done.created else " (already)"))


def link_command(
    report: Annotated[str, typer.Argument(help="HackerOne report id.")],
    issue: Annotated[str, typer.Argument(help="Jira issue key.")],
    connection: ConnectionOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Link the report to an existing Jira issue."""
    from jirasync.sync.escalate import link_existing

    key = _run(config, connection, lambda rt, cid: link_existing(rt, cid, report, issue))
    console.print(f"report {report} → {key}")


def unlink_command(
    report: Annotated[str, typer.Argument(help="HackerOne report id.")],
    connection: ConnectionOpt = None,
    config: ConfigOpt = None,
) -> None:
    """Remove the report's Jira reference (the issue stays)."""
    from jirasync.sync.escalate import unlink

    key = _run(config, connection, lambda rt, cid: unlink(rt, cid, report))
    console.print(f"report {report} unlinked from {key}" if key else f"report {report}: no link")


def applink_command(
    jira_url: Annotated[str, typer.Argument(help="Jira base URL.")],
    key_file: Annotated[
        Path, typer.Option(help="Private key PEM (created with its .pub when missing).")
    ] = Path("jira-applink.pem"),
    consumer_key: Annotated[str, typer.Option(help="Consumer key of the link.")] = (
        "HackerOne JIRA Client"
    ),
) -> None:
    """Do the OAuth 1.0a dance; prints the Jira connection's credentials as YAML."""
    from jirasync.sync.applink import AppLink, generate_key_pair

    if not key_file.exists():
        pair = generate_key_pair()
        key_file.write_text(pair.private_pem, encoding="utf-8")
        key_file.chmod(0o600)
        key_file.with_suffix(".pub").write_text(pair.public_pem, encoding="utf-8")
        console.print(f"Paste {key_file.with_suffix('.pub')} as the incoming link's public key.")
    link = AppLink(jira_url, key_file.read_text(encoding="utf-8"), consumer_key)
    request = asyncio.run(link.request_token())
    console.print(f"Open, log in as jirasync's Jira user and allow:\n{link.authorize_url(request)}")
    verifier = typer.prompt("Verification code (empty if none shown)", default="")
    access = asyncio.run(link.access_token(request, verifier or None))
    typer.echo(yaml.safe_dump({"credentials": link.credentials(access)}, sort_keys=False))


def register(app: typer.Typer) -> None:
    app.command("escalate")(escalate_command)
    app.command("link")(link_command)
    app.command("unlink")(unlink_command)
    app.command("applink")(applink_command)
