"""User mappings: a Jira user paired with a PagerDuty user or HackerOne username, and the
fallback user that acts when nobody is mapped (mapping by email needs no row)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from jirasync.admin.connections import connection_row
from jirasync.admin.errors import Refusal
from jirasync.store.db import Database
from jirasync.store.models import UserMapping
from jirasync.sync.runtime import SyncRuntime


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


@dataclass(frozen=True)
class Acting:
    """Who acts on the other side for a person, and how they were found (manual, email,
    fallback), or why nobody does."""

    person: str
    email: str | None
    acts_as: str | None
    how: str


async def who_acts(
    runtime: SyncRuntime,
    jira_connection_id: int,
    pagerduty_connection_id: int,
    jira_user: str | None = None,
    pagerduty_user: str | None = None,
) -> Acting:
    """What a sync would do with this Jira user's change (the PagerDuty user it acts as) or
    with this PagerDuty user as an assignee (the Jira user), asking the remotes as it does."""
    await connection_row(runtime.db, jira_connection_id, "jira")
    await connection_row(runtime.db, pagerduty_connection_id, "pagerduty")
    if (jira_user is None) == (pagerduty_user is None):
        raise Refusal(400, "Invalid Input Provided", ["give either jira_user or pagerduty_user"])
    jira = await runtime.pool.jira(jira_connection_id)
    pagerduty = await runtime.pool.pagerduty(pagerduty_connection_id)
    if jira_user is not None:
        found = await jira.metadata.user(jira_user)
        if found is None:
            return Acting(jira_user, None, None, f"Jira has no user {jira_user!r}")
        email = found.get("emailAddress")
        name = str(found["name"])
        acts_as, how = await runtime.handlers.pagerduty_user_for(jira, pagerduty, name, email)
        return Acting(name, email, acts_as, how)
    assert pagerduty_user is not None
    user = await pagerduty.client.user(pagerduty_user)
    email = user.get("email")
    acts_as, how = await runtime.handlers.jira_user_for(jira, pagerduty, pagerduty_user, email)
    return Acting(str(user.get("name") or pagerduty_user), email, acts_as, how)
