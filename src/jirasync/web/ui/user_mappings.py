"""The user mapping table: Jira users paired with PagerDuty users or HackerOne usernames, the
fallback user, a reminder that the same email on both sides maps a person by itself, and
"Who acts?": what a sync would do with one person, asked of the remotes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from jirasync.admin import user_mappings as admin
from jirasync.admin.errors import Refusal
from jirasync.admin.user_mappings import Acting, Pair, create_mapping, delete_mapping
from jirasync.core.errors import RemoteError
from jirasync.store.models import Connection, UserMapping
from jirasync.sync.connections import UnusableConnection
from jirasync.web.ui.access import Admin, Viewer, service_of
from jirasync.web.ui.connections import service_sync
from jirasync.web.ui.render import back, is_htmx, page

router = APIRouter()

Text = Annotated[str, Form(max_length=255)]


@router.get("/user-mappings")
async def mappings_page(request: Request, who: Viewer) -> Response:
    return await _page(request, {}, {})


@router.get("/user-mappings/who-acts")
async def who_acts(
    request: Request,
    who: Viewer,
    jira_connection_id: Annotated[int, Query(ge=0, le=2**31 - 1)],
    connection_id: Annotated[int, Query(ge=0, le=2**31 - 1)],
    jira_user: Annotated[str, Query(max_length=255)] = "",
    pagerduty_user: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """Who a sync makes act for a Jira user in PagerDuty, or for a PagerDuty user in Jira."""
    person, remote_person = jira_user.strip(), pagerduty_user.strip()
    asked: dict[str, object] = {
        "jira_connection_id": jira_connection_id,
        "connection_id": connection_id,
        "jira_user": person,
        "pagerduty_user": remote_person,
    }
    answer: Acting | None = None
    problem = None
    try:
        answer = await admin.who_acts(
            service_sync(request),
            jira_connection_id,
            connection_id,
            person or None,
            remote_person or None,
        )
    except Refusal as exc:
        problem = "; ".join(exc.errors or [exc.message])
    except (RemoteError, UnusableConnection) as exc:
        problem = str(exc)
    result: dict[str, object] = {"asked": asked, "answer": answer, "problem": problem}
    if is_htmx(request):
        return page(request, "_who_acts.html", asked=asked, answer=answer, problem=problem)
    return await _page(request, {}, {}, who_acts=result)


async def _page(
    request: Request,
    values: dict[str, object],
    errors: dict[str, str],
    status: int = 200,
    who_acts: dict[str, object] | None = None,
) -> Response:
    async with service_of(request).db.sessions() as session:
        rows = (await session.scalars(select(UserMapping).order_by(UserMapping.id))).all()
        connections = (await session.scalars(select(Connection).order_by(Connection.id))).all()
    return page(
        request,
        "user_mappings.html",
        status,
        mappings=rows,
        names={c.id: c.name for c in connections},
        jiras=[c for c in connections if c.kind == "jira"],
        remotes=[c for c in connections if c.kind in ("pagerduty", "hackerone")],
        values=values,
        errors=errors,
        pagerduties=[c for c in connections if c.kind == "pagerduty"],
        who_acts=who_acts or {"asked": {}, "answer": None, "problem": None},
    )


@router.post("/user-mappings")
async def add(
    request: Request,
    who: Admin,
    jira_connection_id: Annotated[int, Form(ge=0, le=2**31 - 1)],
    connection_id: Annotated[int, Form(ge=0, le=2**31 - 1)],
    jira_user: Text = "",
    remote_user: Text = "",
    email: Text = "",
    fallback: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    values = {
        "jira_connection_id": jira_connection_id,
        "connection_id": connection_id,
        "jira_user": jira_user.strip(),
        "remote_user": remote_user.strip(),
        "email": email.strip(),
        "fallback": fallback == "on",
    }
    errors = {k: "Required." for k in ("jira_user", "remote_user") if not values[k]}
    if not errors:
        pair = Pair(**values | {"email": values["email"] or None})  # type: ignore[arg-type]
        try:
            await create_mapping(service_of(request).db, pair)
        except Refusal as exc:
            errors = {"form": "; ".join(exc.errors or [exc.message])}
        else:
            return back(request, "/user-mappings", f"{jira_user} ⇄ {remote_user} mapped.")
    return await _page(request, values, errors, 400)


@router.post("/user-mappings/{mapping_id}/delete")
async def remove(
    request: Request, who: Admin, mapping_id: Annotated[int, Path(ge=0, le=2**31 - 1)]
) -> Response:
    await delete_mapping(service_of(request).db, mapping_id)
    return back(request, "/user-mappings", "Mapping removed.")
