"""Safe reads of HackerOne's JSON:API objects: `{id, type, attributes, relationships}` where a
relationship embeds the related object itself (`{"data": {...}}` or `{"data": [...]}`), and a
key may be missing (an unassigned report has no `assignee`).
"""

from __future__ import annotations

from typing import Any

JSON = dict[str, Any]


def attributes(obj: JSON) -> JSON:
    value = obj.get("attributes")
    return value if isinstance(value, dict) else {}


def attribute(obj: JSON, name: str, default: Any = None) -> Any:
    return attributes(obj).get(name, default)


def related(obj: JSON, name: str) -> JSON | None:
    """The one object `name` points at (reporter, assignee, program, severity…), or None."""
    data = _relationship_data(obj, name)
    return data if isinstance(data, dict) else None


def related_list(obj: JSON, name: str) -> list[JSON]:
    """The objects of a to-many relationship (activities, attachments, groups, members…)."""
    data = _relationship_data(obj, name)
    if not isinstance(data, list):
        return []
    return [item for item in data if isinstance(item, dict)]


def _relationship_data(obj: JSON, name: str) -> object:
    relationships = obj.get("relationships")
    if not isinstance(relationships, dict):
        return None
    relationship = relationships.get(name)
    return relationship.get("data") if isinstance(relationship, dict) else None
