"""`jirasync rotate-key`: re-seal every connection's credentials under a new key.

Stop every jirasync process first: a running one keeps the old key and could no longer read
the credentials it has not loaded yet.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from cryptography.fernet import Fernet
from pydantic import SecretStr
from rich.console import Console

from jirasync.cli.server import ConfigOpt, _settings
from jirasync.crypto import KEY_FILE_NAME, SecretBox, load_or_create_key
from jirasync.store.db import Database
from jirasync.store.rekey import new_key, reseal_all, stage_key_file, swap_key_files

console = Console()

NewKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--new-key",
        envvar="JIRASYNC_NEW_SECRET_KEY",
        show_default=False,
        help="The new Fernet key (prefer the JIRASYNC_NEW_SECRET_KEY variable: command lines "
        "are visible to other users). Required when the key comes from JIRASYNC_SECRET_KEY; "
        "generated when it comes from the key file.",
    ),
]


def rotate_key_command(new_key_value: NewKeyOpt = None, config: ConfigOpt = None) -> None:
    """Re-seal every connection's credentials under a new key (stop jirasync first)."""
    settings = _settings(config)
    from_file = settings.secret_key is None
    if not from_file and new_key_value is None:
        raise typer.BadParameter(
            "the key comes from JIRASYNC_SECRET_KEY: give the new one in "
            "JIRASYNC_NEW_SECRET_KEY, then put it in JIRASYNC_SECRET_KEY everywhere",
            param_hint="--new-key",
        )
    key_file = settings.data_dir / KEY_FILE_NAME
    if from_file and not key_file.exists():
        raise typer.BadParameter(f"no key to rotate: {key_file} does not exist")
    old = load_or_create_key(settings.secret_key, settings.data_dir)
    new = _valid_key(new_key_value) if new_key_value is not None else new_key()
    if new.get_secret_value() == old.get_secret_value():
        raise typer.BadParameter("the new key is the current key", param_hint="--new-key")

    staged = stage_key_file(settings.data_dir, new) if from_file else None
    try:
        count = asyncio.run(_reseal(settings.database, SecretBox(old), SecretBox(new)))
    except ValueError as exc:
        if staged is not None:
            staged.unlink()
        console.print(f"[red]✗[/red] nothing changed: {exc}")
        raise typer.Exit(1) from None
    console.print(f"re-sealed the credentials of {count} connection(s)")
    if staged is not None:
        old_file = swap_key_files(settings.data_dir, staged)
        console.print(
            f"new key in {key_file}; the old one is in {old_file}: keep it only as long as "
            "the database backups made before now, which need it"
        )
    else:
        console.print(
            "now set JIRASYNC_SECRET_KEY to the new key for every jirasync process, then start them"
        )


def _valid_key(value: str) -> SecretStr:
    try:
        Fernet(value.encode())
    except ValueError:
        raise typer.BadParameter(
            "not a Fernet key (32 url-safe base64-encoded bytes)", param_hint="--new-key"
        ) from None
    return SecretStr(value)


async def _reseal(url: str, old: SecretBox, new: SecretBox) -> int:
    db = Database(url)
    try:
        return await reseal_all(db, old, new)
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    app.command("rotate-key")(rotate_key_command)
