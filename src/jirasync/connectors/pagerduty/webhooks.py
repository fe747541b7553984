"""PagerDuty webhooks → IncidentEvent: v3 signature check, v3 events, legacy v2 messages.

v3 carries one event per POST (`{"event": {...}}`); v2 carries a `messages` list, each mapped
to the v3 event type of the same meaning so the planner sees one vocabulary.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from typing import Any

from jirasync.connectors.webhook_json import load_json
from jirasync.core.events import (
    Actor,
    IncidentEvent,
    MalformedEvent,
    Note,
    Source,
    UnsupportedEvent,
)

V2_TO_V3 = {
    "incident.trigger": "incident.triggered",
    "incident.acknowledge": "incident.acknowledged",
    "incident.unacknowledge": "incident.unacknowledged",
    "incident.resolve": "incident.resolved",
    "incident.assign": "incident.reassigned",
    "incident.escalate": "incident.escalated",
    "incident.delegate": "incident.delegated",
    "incident.annotate": "incident.annotated",
}


def sign(body: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secrets: Iterable[str]) -> bool:
    """True when one `v1=` signature of the header matches one of the secrets.

    PagerDuty sends one signature per active secret during rotation, comma-separated.
    """
    if not header:
        return False
    offered = [part.strip() for part in header.split(",") if part.strip().startswith("v1=")]
    expected = [sign(body, secret) for secret in secrets if secret]
    return any(hmac.compare_digest(o, e) for o in offered for e in expected)


def parse_webhook(raw: bytes) -> list[IncidentEvent]:
    body = load_json(raw)
    if not isinstance(body, dict):
        raise MalformedEvent("body must be a JSON object")
    if isinstance(body.get("event"), Mapping):
        return [_v3_event(body["event"])]
    if isinstance(body.get("messages"), list):
        return [_v2_message(m, i) for i, m in enumerate(body["messages"])]
    raise MalformedEvent("neither a v3 'event' object nor a v2 'messages' list")


def _v3_event(event: Mapping[str, Any]) -> IncidentEvent:
    event_type = _text(event.get("event_type"), "event.event_type")
    if not event_type.startswith("incident."):
        raise UnsupportedEvent(f"PagerDuty event {event_type!r} is not synced")
    data = event.get("data")
    if not isinstance(data, Mapping):
        raise MalformedEvent("event.data: missing or not an object")
    incident, note = _incident_and_note(data)
    return IncidentEvent(
        event_id=_text(event.get("id"), "event.id"),
        kind=event_type,
        incident_id=_text(incident.get("id"), "event.data incident id"),
        incident=incident,
        actor=_actor(event.get("agent")),
        occurred_at=_optional(event.get("occurred_at")),
        service_id=_ref_id(incident.get("service")),
        note=note,
        extra={} if data is incident else dict(data),
    )


def _incident_and_note(data: Mapping[str, Any]) -> tuple[Mapping[str, Any], Note | None]:
    """Incident events carry the incident; note/responder/status-update events a reference."""
    if data.get("type") == "incident":
        return data, None
    incident = data.get("incident")
    if not isinstance(incident, Mapping):
        raise MalformedEvent(f"event.data ({data.get('type')}): no incident reference")
    if data.get("type") == "incident_note":
        content = str(data.get("content") or "")
        return incident, Note(id=_optional(data.get("id")), content=content, author=None)
    return incident, None


def _v2_message(message: object, index: int) -> IncidentEvent:
    where = f"messages[{index}]"
    if not isinstance(message, Mapping):
        raise MalformedEvent(f"{where}: not an object")
    name = _text(message.get("event"), f"{where}.event")
    if name not in V2_TO_V3:
        raise UnsupportedEvent(f"PagerDuty v2 event {name!r} is not synced")
    incident = message.get("incident")
    if not isinstance(incident, Mapping):
        raise MalformedEvent(f"{where}.incident: missing or not an object")
    entries = message.get("log_entries") or []
    entry = entries[0] if isinstance(entries, list) and entries else {}
    entry = entry if isinstance(entry, Mapping) else {}
    return IncidentEvent(
        event_id=_text(message.get("id"), f"{where}.id"),
        kind=V2_TO_V3[name],
        incident_id=_text(incident.get("id"), f"{where}.incident.id"),
        incident=incident,
        actor=_actor(entry.get("agent")),
        occurred_at=_optional(message.get("created_on")),
        service_id=_ref_id(incident.get("service")),
        note=_v2_note(entry) if name == "incident.annotate" else None,
    )


def _v2_note(entry: Mapping[str, Any]) -> Note | None:
    channel = entry.get("channel")
    if not isinstance(channel, Mapping):
        return None
    return Note(id=None, content=str(channel.get("content") or ""), author=None)


def _actor(agent: object) -> Actor | None:
    if not isinstance(agent, Mapping):
        return None
    return Actor(
        system=Source.PAGERDUTY,
        id=_optional(agent.get("id")),
        name=_optional(agent.get("summary")),
        email=_optional(agent.get("email")),
        display_name=_optional(agent.get("summary")),
    )


def _ref_id(ref: object) -> str | None:
    return _optional(ref.get("id")) if isinstance(ref, Mapping) else None


def _text(value: object, where: str) -> str:
    if isinstance(value, str) and value:
        return value
    raise MalformedEvent(f"{where}: missing or not a string")


def _optional(value: object) -> str | None:
    return value if isinstance(value, str) else None
