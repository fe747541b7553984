"""Links: which incident or report is paired with which Jira issue, how its sync is doing and
the last error; linking an existing issue by hand, and unlinking."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from jirasync.admin import actions
from jirasync.admin.links import LinkQuery, comment_counts, link_query
from jirasync.store.models import Link
from jirasync.web.api.deps import DB, MAX_ID, Caller, Id, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError
from jirasync.web.api.paging import Page, PageInfo

router = APIRouter(prefix="/links", tags=["links"], responses=ERROR_RESPONSES)


class SourceOut(BaseModel):
    connection_id: int
    type: str = Field(description="incident, report, or issue (an issue not yet paired)")
    id: str


class LinkOut(BaseModel):
    id: int
    source: SourceOut
    jira_connection_id: int
    issue_id: str
    issue_key: str
    sync_status: str
    last_error: str | None
    last_synced: dict[str, Any] = Field(description="Values last written either way.")
    comments: int = Field(description="Comments and notes mirrored on this link.")
    created_at: datetime
    updated_at: datetime


class LinkList(PageInfo):
    links: list[LinkOut]


class LinkIn(BaseModel):
    source_type: Literal["incident", "report"]
    connection_id: RowId = Field(description="The PagerDuty or HackerOne connection.")
    source_id: str = Field(min_length=1, max_length=100)
    issue_key: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z][A-Za-z0-9_]*-\d+$")
    jira_connection_id: RowId | None = Field(
        None, description="Incidents: the Jira connection (default: the only one)."
    )


@router.get("", response_model=LinkList)
async def list_links(
    db: DB,
    who: Caller,
    page: Page,
    incident: Annotated[str | None, Query(description="PagerDuty incident id.")] = None,
    report: Annotated[str | None, Query(description="HackerOne report id.")] = None,
    issue_key: Annotated[str | None, Query(description="Jira issue key.")] = None,
    connection_id: Annotated[
        int | None, Query(ge=0, le=MAX_ID, description="Either side's connection.")
    ] = None,
    sync_status: Annotated[Literal["ok", "error"] | None, Query()] = None,
) -> Any:
    query = link_query(
        LinkQuery(incident, report, issue_key, connection_id=connection_id, sync_status=sync_status)
    )
    async with db.sessions() as session:
        total, rows = await page.rows(session, query, Link.id.desc())
        counts = await comment_counts(session, [r.id for r in rows])
    return {**page.page(total), "links": [out(r, counts.get(r.id, 0)) for r in rows]}


@router.get("/{link_id}", response_model=LinkOut)
async def get_link(link_id: Id, db: DB, who: Caller) -> Any:
    async with db.sessions() as session:
        row = await _row(session, link_id)
        counts = await comment_counts(session, [row.id])
    return out(row, counts.get(row.id, 0))


@router.post("", response_model=LinkOut, status_code=201)
async def link_existing(body: LinkIn, db: DB, runtime: Runtime, who: Caller) -> Any:
    """Pair an incident or report with an issue that exists ("link existing")."""
    wanted = actions.LinkRequest(
        body.source_type,
        body.connection_id,
        body.source_id,
        body.issue_key,
        body.jira_connection_id,
    )
    return await get_link(await actions.link_existing(runtime, wanted), db, who)


@router.delete("/{link_id}", status_code=204)
async def unlink(link_id: Id, runtime: Runtime, who: Caller) -> Response:
    """Unpair: both objects stay; a report's HackerOne reference is cleared (or, where
    HackerOne cannot, an internal comment says so)."""
    await actions.unlink(runtime, link_id)
    return Response(status_code=204)


def out(row: Link, comments: int) -> LinkOut:
    return LinkOut(
        id=row.id,
        source=SourceOut(
            connection_id=row.source_connection_id, type=row.source_type, id=row.source_id
        ),
        jira_connection_id=row.jira_connection_id,
        issue_id=row.issue_id,
        issue_key=row.issue_key,
        sync_status=row.sync_status,
        last_error=row.last_error,
        last_synced=row.last_synced or {},
        comments=comments,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


async def _row(session: Any, link_id: int) -> Link:
    row: Link | None = await session.get(Link, link_id)
    if row is None:
        raise ApiError(404, f"no link {link_id}")
    return row
