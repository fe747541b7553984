"""Events API v2 (`POST /v2/enqueue`): trigger / acknowledge / resolve alerts by `dedup_key` on
the service whose integration (routing) key is given; alerts open, group into and close
incidents (reference §2). No `Authorization`: the routing key is the credential.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.pagerduty.model import Actor, Alert, Incident, Service

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

MAX_PAYLOAD = 512 * 1024
SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")


class EventRejected(Exception):
    def __init__(
        self,
        errors: list[str],
        status: str = "invalid event",
        message: str = "Event object is invalid",
    ) -> None:
        super().__init__(message)
        self.body = {"status": status, "message": message, "errors": errors}


def _parse(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_PAYLOAD:
        raise EventRejected(["Payload larger than 512 KB"])
    try:
        event = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise EventRejected(
            ["JSON parse error"], "Unrecognized object", "Event object format is unrecognized"
        ) from None
    if not isinstance(event, dict):
        raise EventRejected(
            ["JSON parse error"], "Unrecognized object", "Event object format is unrecognized"
        )
    return event


def _validate(event: dict[str, Any]) -> list[str]:
    errors = []
    if not isinstance(event.get("routing_key"), str) or len(event["routing_key"]) != 32:
        errors.append("'routing_key' is invalid")
    if event.get("event_action") not in ACTIONS:
        errors.append("'event_action' is invalid")
    key = event.get("dedup_key")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters")
    if event.get("event_action") != "trigger":
        if not key:
            errors.append("'dedup_key' is missing or blank")
        return errors
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return [*errors, "'payload' is missing or not an object"]
    summary = payload.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.append("'payload.summary' is missing or blank")
    elif len(summary) > 1024:
        errors.append("'payload.summary' is longer than 1024 characters")
    if not isinstance(payload.get("source"), str) or not payload["source"].strip():
        errors.append("'payload.source' is missing or blank")
    if payload.get("severity") not in SEVERITIES:
        errors.append("'payload.severity' must be critical, error, warning or info")
    return errors


class EventsApi:
    def __init__(self, sim: PagerDutySimulator) -> None:
        self.sim = sim

    def open_alert(self, service: Service, key: str) -> tuple[Incident, Alert] | None:
        state = self.sim.state
        for alert in state.alerts_with_key(key):
            incident = state.incidents[alert.incident_id]
            if alert.status == "triggered" and incident.service_id == service.id:
                return incident, alert
        return None

    def handle(self, event: dict[str, Any]) -> str:
        """Apply a valid event; returns the dedup key. Unknown keys on ack/resolve are dropped."""
        state = self.sim.state
        service = state.service_by_routing_key(event["routing_key"])
        if service is None:
            raise EventRejected(["Invalid routing key"])
        key = event.get("dedup_key") or uuid.uuid4().hex
        actor = Actor("integration", service.id)
        found = self.open_alert(service, key)
        action = event["event_action"]
        if action == "trigger" and found is None:
            self._trigger(service, key, event["payload"], actor)
        elif action == "acknowledge" and found is not None:
            self.sim.incidents.acknowledge(found[0], actor)
        elif action == "resolve" and found is not None:
            incident, alert = found
            alert.status = "resolved"
            if all(state.alerts[a].status == "resolved" for a in incident.alert_ids):
                self.sim.incidents.resolve(incident, actor)
        return key

    def _trigger(self, service: Service, key: str, payload: dict[str, Any], actor: Actor) -> None:
        state = self.sim.state
        summary = payload["summary"].strip()
        # severity-based urgency, the usual service setting for event-driven incidents
        urgency = "low" if payload["severity"] in ("warning", "info") else "high"
        incident = self.sim.incidents.trigger_from_alert(service, summary, key, actor, urgency)
        alert = Alert(
            id=state.new_id("Q", 13),
            incident_id=incident.id,
            alert_key=key,
            summary=summary,
            severity=payload["severity"],
            source=payload["source"],
            created_at=state.clock(),
            details=payload.get("custom_details"),
        )
        state.add_alert(alert)
        incident.alert_ids.append(alert.id)

    async def enqueue(self, request: Request) -> Response:
        try:
            event = _parse(await request.body())
            errors = _validate(event)
            if errors:
                raise EventRejected(errors)
            key = self.handle(event)
        except EventRejected as exc:
            return JSONResponse(exc.body, 400)
        return JSONResponse(
            {"status": "success", "message": "Event processed", "dedup_key": key}, 202
        )

    async def change_enqueue(self, request: Request) -> Response:
        try:
            _parse(await request.body())
        except EventRejected as exc:
            return JSONResponse(exc.body, 400)
        return JSONResponse({"status": "success", "message": "Change event processed"}, 202)

    def routes(self) -> list[BaseRoute]:
        return [
            Route("/v2/enqueue", self.enqueue, methods=["POST"]),
            Route("/v2/change/enqueue", self.change_enqueue, methods=["POST"]),
        ]
