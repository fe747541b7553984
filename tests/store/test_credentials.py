from __future__ import annotations

from cryptography.fernet import Fernet
from pydantic import BaseModel, SecretStr
from sqlalchemy import select, text

from jirasync.crypto import SecretBox
from jirasync.store.credentials import open_credentials, seal_credentials
from jirasync.store.db import Database
from jirasync.store.models import Connection


class Secrets(BaseModel):
    token: SecretStr
    user: str
    nested: dict[str, SecretStr] = {}


async def test_credentials_are_encrypted_at_rest(any_db: Database) -> None:
    box = SecretBox(SecretStr(Fernet.generate_key().decode()))
    connection = Connection(kind="jira", name="Jira DC", base_url="https://jira.example.com")
    seal_credentials(
        connection,
        box,
        Secrets(token=SecretStr("pat-secret-123"), user="sync", nested={"a": SecretStr("n-1")}),
    )
    async with any_db.sessions() as session:
        session.add(connection)
        await session.commit()
    async with any_db.read() as conn:
        raw = (await conn.execute(text("SELECT credentials_encrypted FROM connections"))).scalar()
    assert "pat-secret-123" not in raw
    async with any_db.sessions() as session:
        stored = (await session.execute(select(Connection))).scalar_one()
    assert "pat-secret-123" not in repr(stored)
    credentials = open_credentials(stored, box, Secrets)
    assert credentials.token.get_secret_value() == "pat-secret-123"
    assert credentials.user == "sync"
    assert credentials.nested["a"].get_secret_value() == "n-1"
    assert "pat-secret-123" not in repr(credentials) and "n-1" not in repr(credentials)


class Optional(BaseModel):
    token: SecretStr | None = None


def test_no_credentials_yet() -> None:
    box = SecretBox(SecretStr(Fernet.generate_key().decode()))
    assert open_credentials(Connection(credentials_encrypted=""), box, Optional) == Optional()
