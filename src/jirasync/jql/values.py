"""How the values of each field kind compare: equality keys and ordering ranks.

Raw values come from issue JSON (via fields.py); atoms come from the query (via operands.py).
Both sides are turned into the same shapes here so the compiler only compares.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from jirasync.jql.context import EvalContext
from jirasync.jql.dates import epoch_millis, parse_date_operand, parse_issue_datetime
from jirasync.jql.errors import JqlError
from jirasync.jql.fields import Kind
from jirasync.jql.operands import Atom

_IDENTITY_KEYS: dict[Kind, tuple[str, ...]] = {
    Kind.NAMED: ("name", "key", "value", "id"),
    # Jira Server also accepts a user's full name where it identifies one user.
    Kind.USER: ("name", "key", "emailAddress", "displayName"),
    Kind.CATEGORY: ("key", "name", "id"),
    Kind.PRIORITY: ("name", "id"),
    Kind.RESOLUTION: ("name", "id"),
    Kind.VERSION: ("name", "id"),
    Kind.KEY: ("key", "id"),
}

# A fresh Jira Server's resolutions, ids 1-5 in this order.
DEFAULT_RESOLUTIONS = ("Fixed", "Won't Fix", "Duplicate", "Incomplete", "Cannot Reproduce")
DEFAULT_PRIORITIES = (
    ("blocker", "critical", "major", "minor", "trivial"),
    ("highest", "high", "medium", "low", "lowest"),
)


def raw_keys(kind: Kind, raw: Any) -> tuple[str, ...]:
    """Lowercase spellings that identify one raw value (`{"name":"Open","id":"1"}` → open, 1)."""
    if isinstance(raw, Mapping):
        names = _IDENTITY_KEYS.get(kind, ("name", "value", "id"))
        return tuple(str(raw[n]).lower() for n in names if raw.get(n) is not None)
    return (str(raw).lower(),)


def atom_keys(atom: Atom) -> frozenset[str]:
    if isinstance(atom, frozenset):
        return atom
    if isinstance(atom, datetime):
        raise JqlError("A date cannot be compared with this field.")
    return frozenset({str(atom).lower()})


# ---- ordering -------------------------------------------------------------------------


def raw_rank(kind: Kind, raw: Any, context: EvalContext) -> Any:
    """A comparable value for `<`, `>` and ORDER BY, or None when there is none."""
    if kind is Kind.DATE:
        return parse_issue_datetime(str(raw), context.time_zone)
    if kind is Kind.NUMBER:
        return _number(raw)
    if kind is Kind.PRIORITY:
        return priority_rank(raw.get("name") if isinstance(raw, Mapping) else raw, context, raw)
    if kind is Kind.RESOLUTION:
        return resolution_rank(raw.get("name") if isinstance(raw, Mapping) else raw, context, raw)
    if kind is Kind.KEY:
        return key_rank(str(raw.get("key", "")) if isinstance(raw, Mapping) else str(raw))
    if kind is Kind.VERSION:
        name = raw.get("name") if isinstance(raw, Mapping) else raw
        return version_rank(str(name), context)
    if isinstance(raw, Mapping):
        for label in ("displayName", "name", "value", "key"):
            if raw.get(label) is not None:
                return str(raw[label]).lower()
        return None
    return str(raw).lower()


def atom_rank(kind: Kind, atom: Atom, context: EvalContext) -> Any:
    if isinstance(atom, frozenset):
        raise JqlError("A function returning users cannot be used with '<' or '>'.")
    if kind is Kind.DATE:
        if isinstance(atom, datetime):
            return atom
        if isinstance(atom, int):
            return epoch_millis(atom, context.time_zone)
        return parse_date_operand(str(atom), context.now())
    if kind is Kind.NUMBER:
        number = _number(atom)
        if number is None:
            raise JqlError(f"'{atom}' is not a valid number.")
        return number
    if kind is Kind.PRIORITY:
        priority = priority_rank(str(atom), context, None)
        if priority is None:
            raise JqlError(f"The value '{atom}' does not exist for the field 'priority'.")
        return priority
    if kind is Kind.RESOLUTION:
        rank = resolution_rank(str(atom), context, None)
        if rank is None:
            raise JqlError(f"The value '{atom}' does not exist for the field 'resolution'.")
        return rank
    if kind is Kind.KEY:
        key = key_rank(str(atom))
        if key is None:
            raise JqlError(f"The issue key '{atom}' for field 'key' is invalid.")
        return key
    if kind is Kind.VERSION:
        return version_rank(str(atom), context)
    return str(atom).lower()


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def priority_rank(name: Any, context: EvalContext, raw: Any) -> int | None:
    """Higher priority ranks higher: `priority > Major` means Critical and Blocker."""
    wanted = str(name).lower()
    rank = _priority_ranks(tuple(context.priorities)).get(wanted)
    if rank is not None:
        return rank
    ident = str(raw.get("id") if isinstance(raw, Mapping) else name)
    return -int(ident) if ident.isdigit() else None


def resolution_rank(name: Any, context: EvalContext, raw: Any) -> int | None:
    """Resolutions order by their position in GET /resolution (Jira's sequence)."""
    rank = _resolution_ranks(tuple(context.resolutions)).get(str(name).lower())
    if rank is not None:
        return rank
    ident = str(raw.get("id") if isinstance(raw, Mapping) else name)
    return int(ident) if ident.isdigit() else None


@lru_cache(maxsize=64)
def _resolution_ranks(catalogue: tuple[str, ...]) -> dict[str, int]:
    names = catalogue or DEFAULT_RESOLUTIONS
    return {name.lower(): index + 1 for index, name in enumerate(names)}


@lru_cache(maxsize=64)
def _priority_ranks(catalogue: tuple[str, ...]) -> dict[str, int]:
    ranks = {
        name: -(index + 1) for scheme in DEFAULT_PRIORITIES for index, name in enumerate(scheme)
    }
    ranks.update({name.lower(): -index for index, name in enumerate(catalogue)})
    return ranks


_KEY = re.compile(r"([A-Za-z][A-Za-z0-9_]*)-(\d+)")


def key_rank(key: str) -> tuple[str, int] | int | None:
    """`ABC-12` → ("ABC", 12), compared only within one project; an id → int."""
    match = _KEY.fullmatch(key.strip())
    if match is not None:
        return match.group(1).upper(), int(match.group(2))
    return int(key) if key.isdigit() else None


def version_rank(name: str, context: EvalContext) -> tuple[Any, ...]:
    """Position in the project's version list when known, else natural order of the name."""
    for names in context.versions.values():
        lowered = [n.lower() for n in names]
        if name.lower() in lowered:
            return (0, lowered.index(name.lower()))
    parts = re.split(r"(\d+)", name.lower())
    return (1, tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p))
