"""User mappings: a Jira user paired with a PagerDuty user or HackerOne username, and the
fallback user that acts when nobody is mapped (mapping by email needs no row)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from jirasync.admin.connections import connection_row
from jirasync.admin.errors import Refusal
from jirasync.store.db import Database
from jirasync.store.models import UserMapping


@dataclass(frozen=True)
class Pair:
    jira_connection_id: int
    connection_id: int
    jira_user: str
    remote_user: str
    email: str | None = None
    fallback: bool = False


async def check_pair(db: Database, pair: Pair) -> None:
    await connection_row(db, pair.jira_connection_id, "jira")
    other = await connection_row(db, pair.connection_id)
    if other.kind not in ("pagerduty", "hackerone"):
        raise Refusal(
            400,
            "Invalid Input Provided",
            [f"connection_id: {other.name!r} is a {other.kind} connection, not a remote one"],
        )


async def create_mapping(db: Database, pair: Pair) -> UserMapping:
    await check_pair(db, pair)
    row = UserMapping(
        jira_connection_id=pair.jira_connection_id,
        connection_id=pair.connection_id,
        jira_user=pair.jira_user,
        remote_user=pair.remote_user,
        email=pair.email,
        is_fallback=pair.fallback,
    )
    try:
        async with db.sessions() as session, session.begin():
            session.add(row)
    except IntegrityError:
        raise Refusal(409, f"{row.remote_user!r} is mapped already") from None
    return row


async def delete_mapping(db: Database, mapping_id: int) -> None:
    async with db.sessions() as session, session.begin():
        row = await session.get(UserMapping, mapping_id) if mapping_id < 2**31 else None
        if row is None:
            raise Refusal(404, f"no user mapping {mapping_id}")
        await session.delete(row)
