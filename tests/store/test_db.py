"""`Database.query`, the reads of the per-event path: they see every commit made before them,
through any of the write paths, and a failing read leaves the connection usable."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import Connection, func, insert, select, text
from sqlalchemy.exc import DBAPIError

from jirasync.store.db import Database
from jirasync.store.models import Connection as ConnectionRow

connections = ConnectionRow.__table__


def _count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(connections)).scalar_one())


def _add(name: str) -> object:
    return insert(connections).values(kind="jira", name=name, base_url="http://jira")


async def test_a_read_sees_what_was_just_committed(any_db: Database) -> None:
    assert await any_db.query(_count) == 0
    await any_db.transaction(lambda conn: conn.execute(_add("a")))
    assert await any_db.query(_count) == 1
    await any_db.statement(lambda conn: conn.execute(_add("b")))
    assert await any_db.query(_count) == 2
    async with any_db.write() as conn:
        await conn.execute(_add("c"))
    assert await any_db.query(_count) == 3


async def test_concurrent_reads_and_a_failing_one(any_db: Database) -> None:
    await any_db.transaction(lambda conn: conn.execute(_add("a")))
    counts = await asyncio.gather(*(any_db.query(_count) for _ in range(20)))
    assert counts == [1] * 20
    with pytest.raises(DBAPIError, match=r"no such table|does not exist"):
        await any_db.query(lambda conn: conn.execute(text("SELECT * FROM no_such_table")))
    assert await any_db.query(_count) == 1
