"""A throw-away PostgreSQL cluster from the Debian server binaries, for tests and benchmarks.

As root, initdb and pg_ctl run as the `postgres` user (initdb refuses root); the data directory
and the Unix socket live in a temporary directory; durability is off because nothing here
needs to survive a crash of the machine.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.ext.asyncio import create_async_engine


class PostgresMissing(RuntimeError):
    pass


def find_binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise PostgresMissing(
        f"PostgreSQL server binary {name!r} not found on PATH or in /usr/lib/postgresql/*/bin; "
        "install the 'postgresql' package (./dev test does it)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


@contextmanager
def temporary_cluster() -> Iterator[str]:
    """Yields the cluster's base URL (no database name), e.g. postgresql+asyncpg://u@host:port"""
    initdb, pg_ctl = find_binary("initdb"), find_binary("pg_ctl")
    root = Path(tempfile.mkdtemp(prefix="jirasync-pg-"))
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(root, "postgres", "postgres")
    data, port = root / "data", _free_port()
    user = "postgres" if as_root else os.environ.get("USER", "postgres")
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c full_page_writes=off -c synchronous_commit=off -c max_connections=300"
    )
    try:
        _run([initdb, "-D", str(data), "-A", "trust", "-U", user, "--no-sync"])
        _run([pg_ctl, "-D", str(data), "-o", options, "-l", f"{root}/log", "-w", "start"])
        yield f"postgresql+asyncpg://{user}@127.0.0.1:{port}"
    finally:
        if data.exists():
            _run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(root, ignore_errors=True)


def _run(argv: list[str], check: bool = True) -> None:
    # argv: the server binaries found above and paths we created.
    result = subprocess.run(  # noqa: S603
        _as_postgres(argv), capture_output=True, text=True, check=False
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed: {result.stderr or result.stdout}")


async def create_database(base_url: str) -> str:
    """A new empty database in the cluster; returns its SQLAlchemy URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    # CREATE DATABASE cannot run inside a transaction.
    engine = create_async_engine(f"{base_url}/postgres", isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        await engine.dispose()
    return f"{base_url}/{name}"
