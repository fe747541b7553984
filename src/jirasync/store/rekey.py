"""Key rotation: every connection's credentials re-sealed under a new key, in one transaction,
and the key file swapped so that a crash at any step leaves a key that opens them.

Order for a key kept in `<data_dir>/secret.key`: the new key is written to `secret.key.new`
first, then the credentials are re-sealed (commit), then `secret.key` is renamed
`secret.key.old-<time>` and `secret.key.new` becomes `secret.key`. Interrupted before the
commit: nothing changed; after it: `secret.key.new` opens the credentials.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from jirasync.crypto import KEY_FILE_NAME, SecretBox
from jirasync.store.credentials import reseal_credentials
from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.store.types import utcnow


def new_key() -> SecretStr:
    return SecretStr(Fernet.generate_key().decode())


async def reseal_all(db: Database, old: SecretBox, new: SecretBox) -> int:
    """Re-seal every connection's credentials; all or nothing. Returns how many connections."""
    async with db.sessions() as session:
        connections = list((await session.scalars(select(Connection))).all())
        for connection in connections:
            try:
                reseal_credentials(connection, old, new)
            except ValueError as exc:
                raise ValueError(f"connection {connection.name!r}: {exc}") from None
        await session.commit()
    return len(connections)


def stage_key_file(data_dir: Path, key: SecretStr) -> Path:
    """Write the new key next to the current one, owner-only, before anything depends on it."""
    staged = data_dir / f"{KEY_FILE_NAME}.new"
    staged.unlink(missing_ok=True)
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key.get_secret_value() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return staged


def swap_key_files(data_dir: Path, staged: Path) -> Path:
    """`secret.key` → `secret.key.old-<UTC time>` (older backups need it), the staged key →
    `secret.key`. Returns the old key's file."""
    current = data_dir / KEY_FILE_NAME
    old = data_dir / f"{KEY_FILE_NAME}.old-{utcnow():%Y%m%dT%H%M%S%fZ}"
    current.replace(old)
    staged.replace(current)
    return old
