"""User mappings between a Jira instance and a PagerDuty account or HackerOne program: manual
pairs, and the fallback user that acts when nobody is mapped (PagerDuty's guide). Mapping by
email needs no row: a person with the same email on both sides is found at sync time."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jirasync.admin import user_mappings as admin
from jirasync.admin.user_mappings import Pair
from jirasync.store.models import UserMapping
from jirasync.web.api.deps import DB, Caller, Id, QueryId, RowId, Runtime
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError
from jirasync.web.api.paging import Page, PageInfo

router = APIRouter(prefix="/user-mappings", tags=["user mappings"], responses=ERROR_RESPONSES)


class MappingIn(BaseModel):
    jira_connection_id: RowId
    connection_id: RowId = Field(description="The PagerDuty or HackerOne connection.")
    jira_user: str = Field(min_length=1, max_length=255)
    remote_user: str = Field(
        min_length=1, max_length=255, description="PagerDuty user id or HackerOne username."
    )
    email: str | None = Field(None, max_length=320)
    fallback: bool = False


class MappingOut(MappingIn):
    id: int


class MappingList(PageInfo):
    user_mappings: list[MappingOut]


def out(row: UserMapping) -> MappingOut:
    return MappingOut(
        id=row.id,
        jira_connection_id=row.jira_connection_id,
        connection_id=row.connection_id,
        jira_user=row.jira_user,
        remote_user=row.remote_user,
        email=row.email,
        fallback=row.is_fallback,
    )


@router.get("", response_model=MappingList)
async def list_mappings(
    db: DB,
    who: Caller,
    page: Page,
    jira_connection_id: QueryId = None,
    connection_id: QueryId = None,
) -> Any:
    query = select(UserMapping)
    if jira_connection_id is not None:
        query = query.where(UserMapping.jira_connection_id == jira_connection_id)
    if connection_id is not None:
        query = query.where(UserMapping.connection_id == connection_id)
    async with db.sessions() as session:
        total, rows = await page.rows(session, query, UserMapping.id)
    return {**page.page(total), "user_mappings": [out(r) for r in rows]}


@router.post("", response_model=MappingOut, status_code=201)
async def create_mapping(body: MappingIn, db: DB, who: Caller) -> Any:
    return out(await admin.create_mapping(db, Pair(**body.model_dump())))


class ActingOut(BaseModel):
    person: str = Field(description="The user asked about, as the remote names them.")
    email: str | None
    acts_as: str | None = Field(
        description="The PagerDuty user (email) or Jira user (name) acting for them; none: "
        "their changes are skipped."
    )
    how: str = Field(description="manual, email or fallback; or why nobody acts.")


@router.get("/who-acts", response_model=ActingOut)
async def who_acts(
    runtime: Runtime,
    who: Caller,
    jira_connection_id: Annotated[int, Query(ge=0, le=2**31 - 1)],
    connection_id: Annotated[int, Query(ge=0, le=2**31 - 1, description="PagerDuty.")],
    jira_user: Annotated[str | None, Query(min_length=1, max_length=255)] = None,
    pagerduty_user: Annotated[
        str | None, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9]+$")
    ] = None,
) -> Any:
    """Who a sync makes act for a Jira user in PagerDuty, or for a PagerDuty user (as an
    assignee) in Jira: a manual pair, the same email, or the fallback user."""
    acting = await admin.who_acts(
        runtime, jira_connection_id, connection_id, jira_user, pagerduty_user
    )
    return ActingOut(**dataclasses.asdict(acting))


@router.get("/{mapping_id}", response_model=MappingOut)
async def get_mapping(mapping_id: Id, db: DB, who: Caller) -> Any:
    async with db.sessions() as session:
        return out(await _row(session, mapping_id))


@router.put("/{mapping_id}", response_model=MappingOut)
async def update_mapping(mapping_id: Id, body: MappingIn, db: DB, who: Caller) -> Any:
    await _check_pair(db, body)
    try:
        async with db.sessions() as session, session.begin():
            row = await _row(session, mapping_id)
            row.jira_connection_id, row.connection_id = body.jira_connection_id, body.connection_id
            row.jira_user, row.remote_user = body.jira_user, body.remote_user
            row.email, row.is_fallback = body.email, body.fallback
    except IntegrityError:
        raise ApiError(409, f"{body.remote_user!r} is mapped already") from None
    return out(row)


@router.delete("/{mapping_id}", status_code=204)
async def delete_mapping(mapping_id: Id, db: DB, who: Caller) -> Response:
    await admin.delete_mapping(db, mapping_id)
    return Response(status_code=204)


async def _row(session: Any, mapping_id: int) -> UserMapping:
    row = await session.get(UserMapping, mapping_id) if mapping_id < 2**31 else None
    if row is None:
        raise ApiError(404, f"no user mapping {mapping_id}")
    found: UserMapping = row
    return found


async def _check_pair(db: Any, body: MappingIn) -> None:
    await admin.check_pair(db, Pair(**body.model_dump()))
