"""Key-for-key comparison of a produced JSON document with a recorded one."""

from __future__ import annotations

from typing import Any


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def shape_diff(
    expected: Any, actual: Any, path: str = "$", ignore: frozenset[str] = frozenset()
) -> list[str]:
    """Differences in keys and value types. None on either side matches any type (recorded
    payloads show null for absent values); list items are compared with the first recorded
    item. Paths in `ignore` (e.g. `$.incident.alert_grouping`) are skipped."""
    if path in ignore or expected is None or actual is None:
        return []
    if _kind(expected) != _kind(actual):
        return [f"{path}: {_kind(expected)} recorded, {_kind(actual)} produced"]
    if isinstance(expected, dict):
        diffs = [
            f"{path}.{k}: missing"
            for k in expected
            if k not in actual and f"{path}.{k}" not in ignore
        ]
        diffs += [
            f"{path}.{k}: extra"
            for k in actual
            if k not in expected and f"{path}.{k}" not in ignore
        ]
        for key in expected.keys() & actual.keys():
            diffs += shape_diff(expected[key], actual[key], f"{path}.{key}", ignore)
        return diffs
    if isinstance(expected, list) and expected:
        return [
            d
            for n, item in enumerate(actual)
            for d in shape_diff(expected[0], item, f"{path}[]", ignore)
        ][:20]
    return []
