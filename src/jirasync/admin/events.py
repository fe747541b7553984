"""The queue as an admin sees it: events of a linked pair, and replaying every dead letter."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from jirasync.engine import queue
from jirasync.store.db import Database
from jirasync.store.models import Connection, Link
from jirasync.sync.links import SourceRef
from jirasync.sync.runtime import source_key


async def pair_keys(
    db: Database,
    incident: str | None = None,
    report: str | None = None,
    issue_key: str | None = None,
) -> list[str] | None:
    """The ordering keys of the pairs with this incident, report and issue (None: no filter)."""
    if incident is None and report is None and issue_key is None:
        return None
    query = select(Link.source_connection_id, Link.source_type, Link.source_id)
    if incident is not None:
        query = query.where(Link.source_type == "incident", Link.source_id == incident)
    if report is not None:
        query = query.where(Link.source_type == "report", Link.source_id == report)
    if issue_key is not None:
        query = query.where(Link.issue_key == issue_key.upper())
    return await _keys(db, query)


async def keys_named_by(db: Database, text: str) -> list[str]:
    """The ordering keys of every pair whose incident, report or issue key is `text`."""
    query = select(Link.source_connection_id, Link.source_type, Link.source_id).where(
        or_(Link.source_id == text, Link.issue_key == text.upper())
    )
    return await _keys(db, query)


async def _keys(db: Database, query: Select[int, str, str]) -> list[str]:
    async with db.read() as conn:
        rows = (await conn.execute(query)).all()
    return [source_key(SourceRef(r[0], r[1], r[2])) for r in rows]


async def replay_all_dead(db: Database, connection_id: int | None = None) -> int:
    """Queue every dead event again (of one connection, or all), in their original order."""
    if connection_id is not None:
        return await queue.replay_dead(db, connection_id)
    async with db.read() as conn:
        ids = [row[0] for row in await conn.execute(select(Connection.id))]
    # Events that name no connection are dead letters too (unreadable bodies).
    return sum([await queue.replay_dead(db, i) for i in [*ids, None]])
