"""The template tokens of PagerDuty's Jira rules (`incident.title`, `incident.service.summary`…).

A token path walks the incident JSON; a list on the way is mapped over and joined, so
`incident.acknowledgements.acknowledger.name` gives every acknowledger. Items whose `icon` is
"text" are constant text, as in PagerDuty's rule editor.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

# Tokens that are not plain paths in the incident JSON.
_ALIASES = {
    "incident.assignee": "incident.assignments.assignee.summary",
    "incident.impacted_services.name": "incident.service.summary",
    "incident.acknowledgements.acknowledger.name": "incident.acknowledgements.acknowledger.summary",
    "incident.incident_number": "incident.number|incident.incident_number",
}


def resolve(key: str, incident: Mapping[str, Any], description: str | None = None) -> str:
    """The text a token key stands for on this incident ('' when the incident has no such value)."""
    if key == "log_entries.channel.details":
        return description or _first(incident, "incident.body.details") or ""
    for path in _ALIASES.get(key, key).split("|"):
        value = _first(incident, path)
        if value:
            return value
    return ""


def render_items(
    items: Iterable[Mapping[str, Any]], incident: Mapping[str, Any], description: str | None = None
) -> list[str]:
    """Each rule item (`{"key", "icon"}`) as text, empty results dropped."""
    texts = []
    for item in items:
        key = str(item.get("key", ""))
        text = key if item.get("icon") == "text" else resolve(key, incident, description)
        if text:
            texts.append(text)
    return texts


def _first(incident: Mapping[str, Any], path: str) -> str | None:
    parts = path.split(".")
    if parts[0] != "incident":
        return None
    values = _walk([incident], parts[1:])
    texts = [_text(v) for v in values if v not in (None, "", [])]
    return ", ".join(t for t in texts if t) or None


def _walk(values: Sequence[Any], parts: Sequence[str]) -> list[Any]:
    for part in parts:
        next_values: list[Any] = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            next_values.extend(i[part] for i in items if isinstance(i, Mapping) and part in i)
        values = next_values
    return list(values)


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return str(value.get("summary") or value.get("name") or value.get("id") or "")
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value)
    return str(value)
