"""`jirasync rotate-key`: every connection's credentials re-sealed under a new key, all or
nothing, with the key file swapped (or the new environment key required)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr
from sqlalchemy import select
from typer.testing import CliRunner

from jirasync import cli
from jirasync.crypto import KEY_FILE_NAME, SecretBox, load_or_create_key
from jirasync.store.credentials import open_credentials, seal_credentials
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade
from jirasync.store.models import Connection


class Token(BaseModel):
    token: SecretStr


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("JIRASYNC_"):
            monkeypatch.delenv(name)


def _url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'jirasync.db'}"


def _store(url: str, key: SecretStr, tokens: dict[str, str]) -> None:
    async def run() -> None:
        db = Database(url)
        try:
            await upgrade(db)
            async with db.sessions() as session:
                for name, token in tokens.items():
                    connection = Connection(kind="jira", name=name, base_url="http://jira")
                    seal_credentials(connection, SecretBox(key), Token(token=SecretStr(token)))
                    session.add(connection)
                await session.commit()
        finally:
            await db.dispose()

    asyncio.run(run())


def _tokens(url: str, key: SecretStr) -> dict[str, str]:
    async def run() -> dict[str, str]:
        db = Database(url)
        try:
            async with db.sessions() as session:
                rows = (await session.scalars(select(Connection))).all()
                return {
                    c.name: open_credentials(c, SecretBox(key), Token).token.get_secret_value()
                    for c in rows
                }
        finally:
            await db.dispose()

    return asyncio.run(run())


def _rotate(tmp_path: Path, **env: str):
    base = {"JIRASYNC_DATABASE_URL": _url(tmp_path), "JIRASYNC_DATA_DIR": str(tmp_path / "data")}
    return CliRunner().invoke(cli.app, ["rotate-key"], env={**base, **env})


def test_the_key_file_is_replaced_and_every_credential_follows(tmp_path: Path) -> None:
    data = tmp_path / "data"
    old = load_or_create_key(None, data)
    _store(_url(tmp_path), old, {"jira": "pat-1", "jira-2": "pat-2"})

    result = _rotate(tmp_path)
    assert result.exit_code == 0, result.output
    assert "re-sealed the credentials of 2 connection(s)" in result.output

    new = SecretStr((data / KEY_FILE_NAME).read_text().strip())
    assert new.get_secret_value() != old.get_secret_value()
    assert (data / KEY_FILE_NAME).stat().st_mode & 0o077 == 0
    assert _tokens(_url(tmp_path), new) == {"jira": "pat-1", "jira-2": "pat-2"}
    with pytest.raises(ValueError, match="cannot be decrypted"):
        _tokens(_url(tmp_path), old)
    [kept] = data.glob(f"{KEY_FILE_NAME}.old-*")
    assert kept.read_text().strip() == old.get_secret_value()
    assert not (data / f"{KEY_FILE_NAME}.new").exists()
    # The new key is never printed.
    assert new.get_secret_value() not in result.output


def test_an_environment_key_needs_the_new_one_given(tmp_path: Path) -> None:
    old = SecretStr(Fernet.generate_key().decode())
    _store(_url(tmp_path), old, {"jira": "pat-1"})

    refused = _rotate(tmp_path, JIRASYNC_SECRET_KEY=old.get_secret_value())
    assert refused.exit_code == 2
    assert "JIRASYNC_NEW_SECRET_KEY" in refused.output
    malformed = _rotate(
        tmp_path, JIRASYNC_SECRET_KEY=old.get_secret_value(), JIRASYNC_NEW_SECRET_KEY="short"
    )
    assert malformed.exit_code == 2
    assert "not a Fernet key" in malformed.output

    new = Fernet.generate_key().decode()
    result = _rotate(
        tmp_path, JIRASYNC_SECRET_KEY=old.get_secret_value(), JIRASYNC_NEW_SECRET_KEY=new
    )
    assert result.exit_code == 0, result.output
    assert _tokens(_url(tmp_path), SecretStr(new)) == {"jira": "pat-1"}
    assert not (tmp_path / "data" / KEY_FILE_NAME).exists()


def test_a_credential_the_current_key_cannot_open_changes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    current = load_or_create_key(None, data)
    stranger = SecretStr(Fernet.generate_key().decode())
    _store(_url(tmp_path), current, {"jira": "pat-1"})
    _store(_url(tmp_path), stranger, {"restored-from-elsewhere": "pat-9"})

    result = _rotate(tmp_path)
    assert result.exit_code == 1
    assert "nothing changed" in result.output and "restored-from-elsewhere" in result.output
    assert (data / KEY_FILE_NAME).read_text().strip() == current.get_secret_value()
    assert sorted(p.name for p in data.iterdir()) == [KEY_FILE_NAME]
