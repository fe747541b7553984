"""Reading and writing links, comment twins and create intents.

The unique constraints of the tables are the last line of defence against duplicates: a link
is inserted once per source object; a create intent once per (source, target).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from jirasync.core.links import LinkState
from jirasync.store.db import Database
from jirasync.store.models import CommentLink, CreateIntent, Link
from jirasync.store.types import utcnow

links_table = cast(Table, Link.__table__)
twins_table = cast(Table, CommentLink.__table__)
intents_table = cast(Table, CreateIntent.__table__)

# A link and its comment twins in one query (one row per twin, or one row without any), built
# once: every event looks its links up at least once.
_WITH_TWINS = select(
    links_table.c.id,
    links_table.c.source_connection_id,
    links_table.c.source_type,
    links_table.c.source_id,
    links_table.c.jira_connection_id,
    links_table.c.issue_id,
    links_table.c.issue_key,
    links_table.c.last_synced,
    twins_table.c.source_comment_id,
    twins_table.c.issue_comment_id,
    twins_table.c.origin,
).select_from(links_table.outerjoin(twins_table, twins_table.c.link_id == links_table.c.id))
_BY_SOURCE = _WITH_TWINS.where(
    links_table.c.source_connection_id == bindparam("connection_id"),
    links_table.c.source_type == bindparam("type"),
    links_table.c.source_id == bindparam("id"),
)
_BY_ISSUE = _WITH_TWINS.where(
    links_table.c.jira_connection_id == bindparam("jira_connection_id"),
    links_table.c.issue_id == bindparam("issue_id"),
).order_by(links_table.c.id)

# The writes, built once too (bind parameters of SET values are named b_*: SQLAlchemy keeps the
# column names for itself).
_INSERT_LINK = insert(links_table)
_INSERT_TWIN = insert(twins_table)
_INSERT_INTENT = insert(intents_table)
_LAST_SYNCED = select(links_table.c.last_synced).where(links_table.c.id == bindparam("link_id"))
_MARK_SYNCED = (
    update(links_table)
    .where(links_table.c.id == bindparam("link_id"))
    .values(
        last_synced=bindparam("b_last_synced"),
        sync_status="ok",
        last_error=None,
        updated_at=bindparam("b_now"),
    )
)
_MARK_FAILED = (
    update(links_table)
    .where(links_table.c.id == bindparam("link_id"))
    .values(sync_status="error", last_error=bindparam("b_error"), updated_at=bindparam("b_now"))
)
_INTENT = select(intents_table.c.state, intents_table.c.remote_id).where(
    intents_table.c.marker == bindparam("marker")
)
_INTENT_DONE = (
    update(intents_table)
    .where(intents_table.c.marker == bindparam("b_marker"))
    .values(state="done", remote_id=bindparam("b_remote_id"), updated_at=bindparam("b_now"))
)


@dataclass(frozen=True)
class SourceRef:
    """The source side of a link: an incident or a report of one connection."""

    connection_id: int
    type: str  # "incident" | "report" | "issue"
    id: str


@dataclass(frozen=True)
class StoredLink:
    id: int
    source: SourceRef
    jira_connection_id: int
    issue_id: str
    issue_key: str
    last_synced: Mapping[str, Any]
    mirrored: frozenset[str]
    note_twins: Mapping[str, str] = field(default_factory=dict)

    def state(self) -> LinkState:
        return LinkState(
            source_id=self.source.id,
            issue_id=self.issue_id,
            issue_key=self.issue_key,
            last_synced={k: str(v) for k, v in self.last_synced.items() if v is not None},
            mirrored=self.mirrored,
            note_twins=self.note_twins,
        )


class Links:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def by_source(self, source: SourceRef) -> StoredLink | None:
        params = {"connection_id": source.connection_id, "type": source.type, "id": source.id}
        found = await self._db.query(lambda conn: _stored(conn.execute(_BY_SOURCE, params).all()))
        return found[0] if found else None

    async def by_issue(self, jira_connection_id: int, issue_id: str) -> list[StoredLink]:
        params = {"jira_connection_id": jira_connection_id, "issue_id": issue_id}
        return await self._db.query(lambda conn: _stored(conn.execute(_BY_ISSUE, params).all()))

    async def create(
        self,
        source: SourceRef,
        jira_connection_id: int,
        issue_id: str,
        issue_key: str,
        synced: Mapping[str, Any],
    ) -> StoredLink:
        """Insert the link; if a concurrent attempt already did, return that one."""
        values = {
            "source_connection_id": source.connection_id,
            "source_type": source.type,
            "source_id": source.id,
            "jira_connection_id": jira_connection_id,
            "issue_id": issue_id,
            "issue_key": issue_key,
            "last_synced": dict(synced),
            "sync_status": "ok",
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        with suppress(IntegrityError):
            await self._db.statement(lambda conn: conn.execute(_INSERT_LINK, values))
        found = await self.by_source(source)
        if found is None:
            raise RuntimeError(f"link of {source} vanished after insert")
        return found

    async def synced(self, link_id: int, values: Mapping[str, Any]) -> None:
        """Merge values into `last_synced` (the echo guard) and mark the link healthy."""

        def merge(conn: Connection) -> None:
            current = conn.scalar(_LAST_SYNCED, {"link_id": link_id})
            merged = {**(current or {}), **values}
            params = {"link_id": link_id, "b_last_synced": merged, "b_now": utcnow()}
            conn.execute(_MARK_SYNCED, params)

        await self._db.transaction(merge)

    async def failed(self, link_id: int, message: str) -> None:
        params = {"link_id": link_id, "b_error": message, "b_now": utcnow()}
        await self._db.statement(lambda conn: conn.execute(_MARK_FAILED, params))

    async def mirror(
        self, link_id: int, source_comment_id: str, issue_comment_id: str, origin: str
    ) -> None:
        """Remember a comment and its twin, so neither is posted again."""
        values = {
            "link_id": link_id,
            "source_comment_id": source_comment_id,
            "issue_comment_id": issue_comment_id,
            "origin": origin,
            "created_at": utcnow(),
        }
        with suppress(IntegrityError):
            await self._db.statement(lambda conn: conn.execute(_INSERT_TWIN, values))

    # -- create intents ------------------------------------------------------------------------
    async def intend(
        self, source: SourceRef, target_connection_id: int, marker: str
    ) -> tuple[str, str | None]:
        """Record the intent to create; returns (state, remote id) of the intent as stored.

        "pending" from a previous attempt means a remote object may exist: look for `marker`.
        """
        values = {
            "source_connection_id": source.connection_id,
            "source_type": source.type,
            "source_id": source.id,
            "target_connection_id": target_connection_id,
            "marker": marker,
            "state": "pending",
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        try:
            await self._db.statement(lambda conn: conn.execute(_INSERT_INTENT, values))
            return "new", None
        except IntegrityError:
            row = await self._db.query(
                lambda conn: conn.execute(_INTENT, {"marker": marker}).one_or_none()
            )
            if row is None:
                raise
            return str(row.state), row.remote_id

    async def intended(self, marker: str) -> bool:
        """An attempt has set out to create the object that carries `marker`."""
        row = await self._db.query(
            lambda conn: conn.execute(_INTENT, {"marker": marker}).one_or_none()
        )
        return row is not None

    async def intent_done(self, marker: str, remote_id: str) -> None:
        params = {"b_marker": marker, "b_remote_id": remote_id, "b_now": utcnow()}
        await self._db.statement(lambda conn: conn.execute(_INTENT_DONE, params))


def _stored(rows: Sequence[Any]) -> list[StoredLink]:
    """Links from `_WITH_TWINS` rows, in the order of their first row."""
    twins: dict[int, list[Any]] = {}
    first: dict[int, Any] = {}
    for row in rows:
        first.setdefault(row.id, row)
        twins.setdefault(row.id, [])
        if row.source_comment_id is not None:
            twins[row.id].append(row)
    return [_link(row, twins[link_id]) for link_id, row in first.items()]


def _link(row: Any, twins: Sequence[Any]) -> StoredLink:
    mirrored = frozenset(i for t in twins for i in (t.source_comment_id, t.issue_comment_id))
    note_twins = {t.issue_comment_id: t.source_comment_id for t in twins if t.origin == "jira"}
    return StoredLink(
        id=row.id,
        source=SourceRef(row.source_connection_id, row.source_type, row.source_id),
        jira_connection_id=row.jira_connection_id,
        issue_id=row.issue_id,
        issue_key=row.issue_key,
        last_synced=row.last_synced or {},
        mirrored=mirrored,
        note_twins=note_twins,
    )
