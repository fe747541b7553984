"""Shared fixtures: a throw-away PostgreSQL cluster for the session, a fresh database per test,
and migrated SQLite databases."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from jirasync.bench.pgcluster import PostgresMissing, create_database, temporary_cluster
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """Base URL (no database) of a throw-away PostgreSQL cluster for the whole session."""
    try:
        with temporary_cluster() as url:
            yield url
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
async def pg_url(postgres_url: str) -> str:
    """URL of a new, empty PostgreSQL database for this test."""
    return await create_database(postgres_url)


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
        url = await create_database(request.getfixturevalue("postgres_url"))
    db = await migrated(url)
    yield db
    await db.dispose()
