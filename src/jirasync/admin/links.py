"""Finding links: which incident or report is paired with which issue, and how its sync does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select

from jirasync.store.models import CommentLink, Link


@dataclass(frozen=True)
class LinkQuery:
    incident: str | None = None
    report: str | None = None
    issue_key: str | None = None
    connection_id: int | None = None  # either side's
    sync_status: str | None = None  # ok | error
    text: str | None = None  # an incident, report or issue key, whichever it is


def link_query(chosen: LinkQuery) -> Select[Link]:
    query = select(Link)
    if chosen.incident is not None:
        query = query.where(Link.source_type == "incident", Link.source_id == chosen.incident)
    if chosen.report is not None:
        query = query.where(Link.source_type == "report", Link.source_id == chosen.report)
    if chosen.issue_key is not None:
        query = query.where(Link.issue_key == chosen.issue_key.upper())
    if chosen.text:
        text = chosen.text.strip()
        query = query.where(or_(Link.source_id == text, Link.issue_key == text.upper()))
    if chosen.connection_id is not None:
        query = query.where(
            or_(
                Link.source_connection_id == chosen.connection_id,
                Link.jira_connection_id == chosen.connection_id,
            )
        )
    if chosen.sync_status is not None:
        query = query.where(Link.sync_status == chosen.sync_status)
    return query


async def comment_counts(session: Any, link_ids: list[int]) -> dict[int, int]:
    """How many comments and notes are mirrored on each link."""
    if not link_ids:
        return {}
    query = (
        select(CommentLink.link_id, func.count())
        .where(CommentLink.link_id.in_(link_ids))
        .group_by(CommentLink.link_id)
    )
    return {link_id: count for link_id, count in (await session.execute(query)).tuples()}
