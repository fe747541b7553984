"""`jirasync admin`: the first admin account and API tokens, from the command line.

jirasync admin create --username alice            (prompts for the password twice)
echo "$PASSWORD" | jirasync admin create --username ci --password-stdin --role viewer
jirasync admin password --username alice
jirasync admin token create --name deploy --role admin   (prints the token once)
jirasync admin token list
jirasync admin token revoke ID
"""

from __future__ import annotations

import asyncio
import sys
from typing import Annotated, Any

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from jirasync.access.accounts import (
    AccessError,
    create_account,
    create_token,
    list_tokens,
    revoke_token,
    set_password,
)
from jirasync.cli.server import ConfigOpt, _settings
from jirasync.cli.sync import _with_store
from jirasync.store.models import AccountRole

app = typer.Typer(help="Accounts and API tokens.", no_args_is_help=True)
tokens = typer.Typer(help="API tokens for the REST API.", no_args_is_help=True)
app.add_typer(tokens, name="token")
console = Console(stderr=True)

UsernameOpt = Annotated[str, typer.Option("--username", "-u", help="The account's name.")]
StdinOpt = Annotated[
    bool, typer.Option("--password-stdin", help="Read the password from standard input.")
]
RoleOpt = Annotated[AccountRole, typer.Option(help="admin (change) or viewer (read).")]


def _password(from_stdin: bool) -> SecretStr:
    if from_stdin:
        return SecretStr(sys.stdin.readline().rstrip("\r\n"))
    return SecretStr(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _run(config: Any, work: Any) -> Any:
    try:
        return asyncio.run(_with_store(_settings(config), lambda db, _: work(db)))
    except AccessError as exc:
        console.print(f"[red]✗[/red] {exc}")
        raise typer.Exit(1) from None


@app.command("create")
def create_command(
    username: UsernameOpt,
    password_stdin: StdinOpt = False,
    role: RoleOpt = AccountRole.ADMIN,
    config: ConfigOpt = None,
) -> None:
    """Create an account (the first one is usually the admin)."""
    password = _password(password_stdin)
    _run(config, lambda db: create_account(db, username, password, role))
    console.print(f"account {username!r} created ({role.value})")


@app.command("password")
def password_command(
    username: UsernameOpt, password_stdin: StdinOpt = False, config: ConfigOpt = None
) -> None:
    """Set an account's password; its browser sessions end."""
    password = _password(password_stdin)
    _run(config, lambda db: set_password(db, username, password))
    console.print(f"password of {username!r} changed")


@tokens.command("create")
def token_create_command(
    name: Annotated[str, typer.Option("--name", help="What the token is for.")],
    role: RoleOpt = AccountRole.VIEWER,
    config: ConfigOpt = None,
) -> None:
    """Create an API token and print it: it is shown this once (only its hash is kept)."""
    made = _run(config, lambda db: create_token(db, name, role, created_by="cli"))
    console.print(f"token {made.info.id} {name!r} ({role.value}); it is not shown again:")
    typer.echo(made.token.get_secret_value())


@tokens.command("list")
def token_list_command(config: ConfigOpt = None) -> None:
    """The tokens (never the tokens themselves: their first characters)."""
    found = _run(config, list_tokens)
    table = Table("id", "name", "role", "starts with", "created", "last used", "revoked")
    for t in found:
        table.add_row(
            str(t.id),
            t.name,
            t.role,
            t.prefix + "…",
            f"{t.created_at:%Y-%m-%d %H:%M}",
            f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "",
            f"{t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "",
        )
    Console().print(table)


@tokens.command("revoke")
def token_revoke_command(
    token_id: Annotated[int, typer.Argument(help="The token's id (see `token list`).")],
    config: ConfigOpt = None,
) -> None:
    """Revoke a token: it stops working at once."""
    if _run(config, lambda db: revoke_token(db, token_id)) is None:
        console.print(f"[red]✗[/red] no token {token_id}")
        raise typer.Exit(1)
    console.print(f"token {token_id} revoked")
