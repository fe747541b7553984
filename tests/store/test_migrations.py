from __future__ import annotations

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from jirasync.store.db import Database
from jirasync.store.migrate import alembic_config, current_revision, schema_diff, upgrade

TABLES = {
    "connections",
    "rules",
    "user_mappings",
    "links",
    "comment_links",
    "create_intents",
    "inbox_events",
    "event_attempts",
    "remote_calls",
    "accounts",
    "api_tokens",
}


# The newest migration script: the tests follow new migrations without edits.
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


async def _check_up_from_empty(url: str) -> None:
    db = Database(url)
    try:
        assert await current_revision(db) is None
        await upgrade(db)
        await upgrade(db)  # a second run is a no-op
        assert await current_revision(db) == HEAD
        async with db.read() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert tables >= TABLES
        assert await schema_diff(db) == []
    finally:
        await db.dispose()


async def test_sqlite_migrates_up_from_empty_and_matches_models(sqlite_url: str) -> None:
    await _check_up_from_empty(sqlite_url)


@pytest.mark.postgres
async def test_postgres_migrates_up_from_empty_and_matches_models(pg_url: str) -> None:
    await _check_up_from_empty(pg_url)


async def test_sqlite_runs_in_wal_mode(sqlite_db: Database) -> None:
    async with sqlite_db.read() as conn:
        mode = (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar_one()
        timeout = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar_one()
    assert mode == "wal"
    assert timeout > 0
