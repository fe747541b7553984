"""The database handle: one async engine per process, tuned per dialect.

SQLite runs in WAL mode with a busy timeout, and the process funnels its write transactions
through one lock, so concurrent workers queue in memory instead of failing on SQLITE_BUSY.
The queue's hot paths use `transaction(fn)`: on SQLite it runs the whole transaction on one
writer connection in one dedicated thread (one hand-off per transaction instead of one per
statement); on PostgreSQL it runs on an asyncpg connection. `statement(fn)` is for work that is
a single atomic statement: on PostgreSQL it runs in autocommit mode, one round trip instead of
three (BEGIN, statement, COMMIT). `query(fn)` is for the per-event reads: on SQLite one hand-off
to a small pool of reader threads with synchronous connections (aiosqlite hands off every
cursor step, three times the CPU of the query); on PostgreSQL autocommit, like `statement`.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000

T = TypeVar("T")


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine: AsyncEngine = _create_engine(url, pool_size=pool_size, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None
        self._writer: _SqliteWriter | None = _SqliteWriter(url) if self.is_sqlite else None
        self._readers: _SqliteReaders | None = _SqliteReaders(url) if self.is_sqlite else None
        self._autocommit: AsyncEngine | None = (
            None if self.is_sqlite else _create_queue_engine(url, pool_size=pool_size, echo=echo)
        )

    def __repr__(self) -> str:
        return f"Database({make_url(self.url).render_as_string(hide_password=True)!r})"

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncConnection]:
        """A connection in a write transaction, committed on exit."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock, self.engine.begin() as conn:
            yield conn

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction (committed if it returns) and return its result."""
        if self._writer is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(work)
        assert self._write_lock is not None
        async with self._write_lock:
            return await self._writer.run(work)

    async def statement(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, which issues exactly one statement, atomically and with few round trips."""
        if self._autocommit is None:
            return await self.transaction(work)
        async with self._autocommit.connect() as conn:
            return await conn.run_sync(work)

    async def query(self, work: Callable[[Connection], T]) -> T:
        """Run `work`, which only reads, with few hand-offs. Its statements may see different
        commits (no snapshot across them on PostgreSQL)."""
        if self._readers is not None:
            return await self._readers.run(work)
        assert self._autocommit is not None
        async with self._autocommit.connect() as conn:
            return await conn.run_sync(work)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.engine.connect() as conn:
            yield conn

    async def ping(self) -> None:
        async with self.read() as conn:
            await conn.exec_driver_sql("SELECT 1")

    async def dispose(self) -> None:
        if self._writer is not None:
            await self._writer.close()
        if self._readers is not None:
            await self._readers.close()
        if self._autocommit is not None:
            await self._autocommit.dispose()
        await self.engine.dispose()


class _SqliteWriter:
    """One synchronous SQLite connection, used only from its own thread."""

    def __init__(self, url: str) -> None:
        sync_url = make_url(url).set(drivername="sqlite")
        self._engine: Engine = create_engine(
            sync_url,
            poolclass=StaticPool,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")

    async def run(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self._run, work)

    def _run(self, work: Callable[[Connection], T]) -> T:
        with self._engine.begin() as conn:
            return work(conn)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._engine.dispose)
        self._thread.shutdown(wait=False)


class _SqliteReaders:
    """Synchronous SQLite connections for reads, each used by one of a few threads at a time."""

    THREADS = 4

    def __init__(self, url: str) -> None:
        sync_url = make_url(url).set(drivername="sqlite")
        self._engine: Engine = create_engine(
            sync_url,
            pool_size=self.THREADS,
            max_overflow=0,
            connect_args={"timeout": 30, "check_same_thread": False},
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        self._threads = ThreadPoolExecutor(
            max_workers=self.THREADS, thread_name_prefix="sqlite-reader"
        )

    async def run(self, work: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, work)

    def _run(self, work: Callable[[Connection], T]) -> T:
        with self._engine.connect() as conn:
            return work(conn)

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._threads, self._engine.dispose)
        self._threads.shutdown(wait=False)


def _create_engine(url: str, *, pool_size: int, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size, echo=echo)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    # Every write commits or rolls back explicitly, so the pool's reset-on-return rollback would
    # only add a thread round trip to each transaction. Each aiosqlite connection is a thread of
    # its own plus a file open and its pragmas: the pool keeps as many as the process uses at
    # once, or every burst over the default five would open and close connections per query.
    engine = create_async_engine(
        url,
        echo=echo,
        connect_args={"timeout": 30},
        pool_reset_on_return=None,
        pool_size=pool_size,
        max_overflow=pool_size,
    )
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _create_queue_engine(url: str, *, pool_size: int, echo: bool) -> AsyncEngine:
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        echo=echo,
        isolation_level="AUTOCOMMIT",
        # The queue's statements are single-row updates by id, and the claim, which must walk
        # the active-events index in id order and stop at its limit. With fresh or stale
        # statistics (a burst into a new table) the planner would otherwise sort every ready
        # event first, costing milliseconds per claim.
        connect_args={"server_settings": {"enable_sort": "off"}},
    )


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: commits survive a process crash; only an OS crash may lose the last ones.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
