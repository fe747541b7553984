"""Classic offset pagination: `limit` (default 25, at most 100), `offset`, `total`, `more`,
and the 10,000 offset cap (reference §1.2)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from starlette.datastructures import QueryParams

from jirasync.sim.pagerduty.errors import invalid

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
OFFSET_CAP = 10_000


def _int(params: QueryParams, name: str, default: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if value < 0:
        raise invalid(f"{name} must not be negative")
    return value


def page(
    items: Sequence[Any],
    params: QueryParams,
    wrapper: str,
    render: Callable[[Any], Any] = lambda item: item,
) -> dict[str, Any]:
    """`{wrapper: [...], limit, offset, more, total}` for one page of `items`."""
    limit = min(_int(params, "limit", DEFAULT_LIMIT), MAX_LIMIT) or DEFAULT_LIMIT
    offset = _int(params, "offset", 0)
    if offset + limit > OFFSET_CAP:
        raise invalid(f"Offset plus limit must not exceed {OFFSET_CAP}")
    with_total = params.get("total", "false").lower() == "true"
    chunk = [render(item) for item in items[offset : offset + limit]]
    return {
        wrapper: chunk,
        "limit": limit,
        "offset": offset,
        "more": offset + len(chunk) < len(items),
        "total": len(items) if with_total else None,
    }


def multi(params: QueryParams, name: str) -> list[str]:
    """A repeated array filter, sent as `name[]=a&name[]=b` (or without the brackets)."""
    return params.getlist(f"{name}[]") + params.getlist(name)
