"""The user mapping table: Jira users paired with PagerDuty users or HackerOne usernames, the
fallback user, and a reminder that the same email on both sides maps a person by itself."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import Response
from sqlalchemy import select

from jirasync.admin.errors import Refusal
from jirasync.admin.user_mappings import Pair, create_mapping, delete_mapping
from jirasync.store.models import Connection, UserMapping
from jirasync.web.ui.access import Admin, Viewer, service_of
from jirasync.web.ui.render import back, page

router = APIRouter()

Text = Annotated[str, Form(max_length=255)]


@router.get("/user-mappings")
async def mappings_page(request: Request, who: Viewer) -> Response:
    return await _page(request, {}, {})


async def _page(
    request: Request, values: dict[str, object], errors: dict[str, str], status: int = 200
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
