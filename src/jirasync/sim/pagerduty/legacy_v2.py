"""The legacy v2 "generic webhook" message (reference §3.5): `{"messages": [...]}` with the
incident in its 2017 REST shape plus the log entry of the change. v2 knows only eight incident
events and, notably, none for a priority change."""

from __future__ import annotations

import uuid
from typing import Any

from jirasync.sim.pagerduty.changes import Change
from jirasync.sim.pagerduty.model import WebhookSubscription
from jirasync.sim.pagerduty.serialize import Serializer, ts

V2_EVENT_NAMES = {
    "incident.triggered": "incident.trigger",
    "incident.acknowledged": "incident.acknowledge",
    "incident.unacknowledged": "incident.unacknowledge",
    "incident.resolved": "incident.resolve",
    "incident.reassigned": "incident.assign",
    "incident.escalated": "incident.escalate",
    "incident.delegated": "incident.delegate",
    "incident.annotated": "incident.annotate",
}
# REST keys the v2 incident does not carry
_NOT_IN_V2 = {"updated_at", "assigned_via", "resolved_at", "incident_type", "conference_bridge"}


def v2_incident(ser: Serializer, incident_id: str) -> dict[str, Any]:
    state = ser.state
    incident = state.incidents[incident_id]
    rest = ser.incident(incident)
    data = {k: v for k, v in rest.items() if k not in _NOT_IN_V2}
    if incident.status != "resolved":
        data.pop("resolve_reason")  # v2 shows it on resolved incidents only
    data.update(
        {
            "description": incident.title,
            "service": _v2_service(ser, incident.service_id),
            "privilege": None,
            "impacted_services": [ser.service_ref(incident.service_id)],
            "basic_alert_grouping": None,
            "metadata": {},
            "external_references": [],
            "importance": None,
            "subscriber_requests": [],
            "alerts": [{"alert_key": state.alerts[a].alert_key} for a in incident.alert_ids],
        }
    )
    return data


def _v2_service(ser: Serializer, service_id: str) -> dict[str, Any]:
    """The service as v2 payloads show it (2017 shape: no grouping / auto-pause settings)."""
    data = ser.service(ser.state.services[service_id])
    for key in ("alert_grouping_parameters", "auto_pause_notifications_parameters"):
        data.pop(key)
    created = [i.created_at for i in ser.state.incidents.values() if i.service_id == service_id]
    data.update(
        {
            "last_incident_timestamp": ts(max(created)) if created else None,
            "addons": [],
            "privilege": None,
            "metadata": {},
        }
    )
    return data


def v2_message(
    ser: Serializer, sub: WebhookSubscription, change: Change, name: str, created_on: str
) -> dict[str, Any]:
    state = ser.state
    entry_id = change.log_entry_id
    webhook_path = f"webhooks/{sub.id}"
    return {
        "event": name,
        "log_entries": [ser.log_entry(state.log_entries[entry_id])] if entry_id else [],
        "webhook": {
            "endpoint_url": sub.url,
            "name": sub.description or "Generic V2 Webhook",
            "description": sub.description or None,
            "webhook_object": ser.service_ref(change.service_id),
            "config": {},
            "outbound_integration": {
                "id": "PJFWPEP",
                "type": "outbound_integration_reference",
                "summary": "Generic V2 Webhook",
                "self": f"{ser.base}/outbound_integrations/PJFWPEP",
                "html_url": None,
            },
            "accounts_addon": None,
            "id": sub.id,
            "type": "webhook",
            "summary": sub.description or "Generic V2 Webhook",
            "self": f"{ser.base}/{webhook_path}",
            "html_url": None,
        },
        "incident": v2_incident(ser, change.incident_id),
        "id": str(uuid.uuid4()),
        "created_on": created_on,
    }
