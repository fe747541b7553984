"""The links page: every incident or report paired with a Jira issue, its sync status and last
error (the remote's own words); search by incident, report or issue key; unlink."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from jirasync.admin import actions
from jirasync.admin.links import LinkQuery, comment_counts, link_query
from jirasync.core.errors import RemoteError
from jirasync.store.models import Link
from jirasync.sync.connections import UnusableConnection
from jirasync.web.ui.access import Admin, Refused, Viewer, service_of
from jirasync.web.ui.activity import connection_names
from jirasync.web.ui.connections import service_sync
from jirasync.web.ui.render import back, page

router = APIRouter()
LIMIT = 200


@router.get("/links")
async def links_page(
    request: Request,
    who: Viewer,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sync_status: Annotated[str | None, Query(max_length=10)] = None,
) -> Response:
    if sync_status not in (None, "", "ok", "error"):
        raise Refused(400, f"sync_status: {sync_status!r} is not ok or error")
    db = service_of(request).db
    query = link_query(LinkQuery(text=q or None, sync_status=sync_status or None))
    async with db.sessions() as session:
        found = list((await session.scalars(query.order_by(Link.id.desc()).limit(LIMIT))).all())
        counts = await comment_counts(session, [r.id for r in found])
    return page(
        request,
        "links.html",
        links=found,
        counts=counts,
        names=await connection_names(db),
        q=q or "",
        sync_status=sync_status or "",
        limit=LIMIT,
    )


@router.post("/links/{link_id}/unlink")
async def unlink(
    request: Request, who: Admin, link_id: Annotated[int, Path(ge=0, le=2**31 - 1)]
) -> Response:
    """Both objects stay; a report's HackerOne reference is cleared."""
    try:
        row = await actions.unlink(service_sync(request), link_id)
    except RemoteError as exc:
        raise Refused(502, str(exc)) from None
    except UnusableConnection as exc:
        raise Refused(422, str(exc)) from None
    return back(
        request, "/links", f"Unlinked {row.source_type} {row.source_id} from {row.issue_key}."
    )
