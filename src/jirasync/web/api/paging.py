"""Offset pagination in PagerDuty's shape (`offset`, `limit`, `more`, `total`), used by every
list of the API so one client loop pages them all."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select


class Paging(BaseModel):
    offset: int
    limit: int
    total: bool

    async def rows(self, session: Any, query: Select[Any], *order: Any) -> tuple[int, list[Any]]:
        """How many rows the query matches, and this page of them in `order`."""
        total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
        chosen = query.order_by(*order).offset(self.offset).limit(self.limit)
        return total, list((await session.scalars(chosen)).all())

    def page(self, total: int) -> dict[str, object]:
        return {
            "offset": self.offset,
            "limit": self.limit,
            "more": self.offset + self.limit < total,
            "total": total if self.total else None,
        }


class PageInfo(BaseModel):
    offset: int
    limit: int
    more: bool
    total: int | None


def paging(
    offset: Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")] = 0,
    limit: Annotated[int, Query(ge=1, le=100, description="Items per page.")] = 25,
    total: Annotated[bool, Query(description="Also count every matching item.")] = False,
) -> Paging:
    return Paging(offset=offset, limit=limit, total=total)


Page = Annotated[Paging, Depends(paging)]
