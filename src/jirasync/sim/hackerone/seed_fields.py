"""Typed readers for seed documents: each failure is a SeedError naming the place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from jirasync.sim.common import SeedError
from jirasync.sim.hackerone.model import User
from jirasync.sim.hackerone.state import State

T = TypeVar("T")
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def get(entry: dict[str, Any], key: str, kind: type[T], where: str, default: Any = ...) -> T:
    if key not in entry or entry[key] is None:
        if default is ...:
            raise SeedError(f"{where}: '{key}' is required")
        return default  # type: ignore[no-any-return]
    value = entry[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        if abs(value) > 10**15:
            raise SeedError(f"{where}: '{key}' is out of range")
        value = float(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SeedError(f"{where}: '{key}' must be {kind.__name__}, not {type(value).__name__}")
    return value


def get_list(entry: dict[str, Any], key: str, where: str) -> list[Any]:
    return get(entry, key, list, where, [])


def mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: must be a mapping")
    return value


def get_time(entry: dict[str, Any], key: str, where: str, default: Any = ...) -> datetime:
    value = entry.get(key)
    if value is None:
        if default is ...:
            raise SeedError(f"{where}: '{key}' is required")
        return default  # type: ignore[no-any-return]
    return parse_time(value, f"{where}: '{key}'")


def parse_time(value: Any, where: str) -> datetime:
    """YAML gives datetimes (or dates); JSON gives ISO strings."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError as exc:
            raise SeedError(f"{where}: {value!r} is not an ISO-8601 timestamp") from exc
    else:
        raise SeedError(f"{where}: must be a timestamp")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def each(
    entry: dict[str, Any], key: str, where: str, build: Callable[[dict[str, Any], str], T]
) -> list[T]:
    return [
        build(mapping(item, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
        for i, item in enumerate(get_list(entry, key, where))
    ]


def unique(items: list[Any], attr: str, where: str) -> None:
    seen: set[Any] = set()
    for item in items:
        value = getattr(item, attr)
        if value in seen:
            raise SeedError(f"{where}: duplicate {attr} {value!r}")
        seen.add(value)


def user_ref(state: State, entry: dict[str, Any], key: str, where: str) -> User:
    username = get(entry, key, str, where)
    user = state.user_by_name(username)
    if user is None:
        raise SeedError(f"{where}: '{key}' names unknown user {username!r}")
    return user
