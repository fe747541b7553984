"""User mapping between Jira and PagerDuty / HackerOne: manual pairs first, then the same email
on both sides, then the fallback user. Nobody found means the change is skipped, with the
reason in the activity log (as PagerDuty's guide describes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, select

from jirasync.store.db import Database
from jirasync.store.models import UserMapping

mappings = cast(Table, UserMapping.__table__)
# Built once: a Jira change that plans a PagerDuty write reads the pairs.
_PAIRS = select(
    mappings.c.jira_user, mappings.c.remote_user, mappings.c.email, mappings.c.is_fallback
).where(
    mappings.c.jira_connection_id == bindparam("jira_connection_id"),
    mappings.c.connection_id == bindparam("connection_id"),
)


@dataclass(frozen=True)
class Mapping:
    jira_user: str
    remote_user: str
    email: str | None
    is_fallback: bool


class UserMap:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def pairs(self, jira_connection_id: int, connection_id: int) -> list[Mapping]:
        params = {"jira_connection_id": jira_connection_id, "connection_id": connection_id}
        rows = await self._db.query(lambda conn: conn.execute(_PAIRS, params).all())
        return [Mapping(r.jira_user, r.remote_user, r.email, r.is_fallback) for r in rows]

    async def remote_for_jira_user(
        self,
        jira_connection_id: int,
        connection_id: int,
        jira_user: str | None,
        jira_email: str | None,
    ) -> tuple[str | None, str]:
        """The remote user (PagerDuty email, HackerOne username) acting for a Jira user, and how
        it was found ("manual", "email", "fallback") or why not."""
        pairs = await self.pairs(jira_connection_id, connection_id)
        for pair in pairs:
            if not pair.is_fallback and jira_user and pair.jira_user == jira_user:
                return pair.email or pair.remote_user, "manual"
        if jira_email:
            return jira_email, "email"
        for pair in pairs:
            if pair.is_fallback:
                return pair.email or pair.remote_user, "fallback"
        return None, f"Jira user {jira_user or '?'} is not mapped and there is no fallback user"

    async def paired_jira_user(
        self,
        jira_connection_id: int,
        connection_id: int,
        remote_user: str | None,
        remote_email: str | None,
    ) -> str | None:
        """The Jira user a manual pair gives a remote user (email lookups against Jira and the
        fallback are the caller's next steps)."""
        for pair in await self.pairs(jira_connection_id, connection_id):
            if pair.is_fallback:
                continue
            if remote_user in (pair.remote_user, pair.email):
                return pair.jira_user
            if remote_email and pair.email == remote_email:
                return pair.jira_user
        return None

    async def fallback(self, jira_connection_id: int, connection_id: int) -> Mapping | None:
        pairs = await self.pairs(jira_connection_id, connection_id)
        return next((p for p in pairs if p.is_fallback), None)
