"""HackerOne webhooks: `X-H1-Signature` check and `{"data": {"activity", "report"}}` → ReportEvent.

The event name is only in the `X-H1-Event` header; the body says which activity happened.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from jirasync.connectors.webhook_json import load_json
from jirasync.core.events import Actor, MalformedEvent, ReportEvent, Source, UnsupportedEvent

# Program-level events carry no report and have nothing to sync.
PROGRAM_EVENTS = frozenset({"program_hacker_joined", "program_hacker_left"})


def sign(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    return bool(header) and hmac.compare_digest(sign(body, secret), (header or "").strip())


def parse_webhook(raw: bytes, event: str | None, delivery_id: str | None = None) -> ReportEvent:
    if not event:
        raise MalformedEvent("X-H1-Event header: missing")
    if event in PROGRAM_EVENTS:
        raise UnsupportedEvent(f"HackerOne event {event!r} concerns the program, not a report")
    data = _data(raw)
    activity = _object(data, "activity")
    report = _object(data, "report")
    report_id = report.get("id")
    if not isinstance(report_id, str | int) or isinstance(report_id, bool) or not str(report_id):
        raise MalformedEvent("data.report.id: missing or not a string")
    attributes = _at(activity, "attributes")
    return ReportEvent(
        delivery_id=delivery_id,
        event=event,
        activity_type=str(activity.get("type") or ""),
        report_id=str(report_id),
        report=report,
        activity=activity,
        actor=_actor(activity),
        internal=bool(_at(attributes, "internal")),
        message=str(_at(attributes, "message") or ""),
        program_handle=_program_handle(report),
    )


def _data(raw: bytes) -> Mapping[str, Any]:
    body = load_json(raw)
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        raise MalformedEvent("body must be an object with a 'data' object")
    data: Mapping[str, Any] = body["data"]
    return data


def _object(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise MalformedEvent(f"data.{key}: missing or not an object")
    return value


def _actor(activity: Mapping[str, Any]) -> Actor | None:
    actor = _at(activity, "relationships", "actor", "data")
    if not isinstance(actor, Mapping):
        return None
    name = _at(actor, "attributes", "username") or _at(actor, "attributes", "handle")
    return Actor(
        system=Source.HACKERONE,
        id=str(actor.get("id")) if actor.get("id") is not None else None,
        name=str(name) if name else None,
        display_name=str(_at(actor, "attributes", "name") or name or "") or None,
    )


def _program_handle(report: Mapping[str, Any]) -> str | None:
    handle = _at(report, "relationships", "program", "data", "attributes", "handle")
    return str(handle) if handle else None


def _at(value: object, *keys: str) -> Any:
    """The value under `keys`, or None where a step is missing or not an object (optional
    parts of the body are read as absent when their shape is wrong)."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value
