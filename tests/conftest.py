"""Shared fixtures: a throw-away PostgreSQL cluster for the session, a fresh database per test,
and migrated SQLite databases."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from jirasync.store.db import Database
from jirasync.store.migrate import upgrade


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    pytest.fail(
        f"PostgreSQL server binary {name!r} not found on PATH or in /usr/lib/postgresql/*/bin; "
        "install the 'postgresql' package (./dev test does it)",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    # initdb refuses to run as root; the cluster then belongs to the postgres user.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Base URL (no database) of a throw-away PostgreSQL cluster for the whole session."""
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="jirasync-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    user = "postgres" if os.geteuid() == 0 else os.environ.get("USER", "postgres")
    subprocess.run(
        _as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", user, "--no-sync"]),
        check=True,
        capture_output=True,
    )
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres([pg_ctl, "-D", str(data), "-o", options, "-l", f"{root}/log", "-w", "start"]),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+asyncpg://{user}@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


async def _create_database(base_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = base_url.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base_url}/{name}"


@pytest.fixture
async def pg_url(postgres_url: str) -> str:
    """URL of a new, empty PostgreSQL database for this test."""
    return await _create_database(postgres_url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'jirasync.db'}"


async def migrated(url: str) -> Database:
    db = Database(url)
    await upgrade(db)
    return db


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    db = await migrated(sqlite_url)
    yield db
    await db.dispose()


@pytest.fixture
async def pg_db(pg_url: str) -> AsyncIterator[Database]:
    db = await migrated(pg_url)
    yield db
    await db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def any_db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """The test runs on both databases."""
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
    else:
        url = await _create_database(request.getfixturevalue("postgres_url"))
    db = await migrated(url)
    yield db
    await db.dispose()


__all__ = ["asyncio", "migrated"]
