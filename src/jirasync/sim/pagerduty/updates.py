"""PUT /incidents/{id} bodies → a validated `IncidentUpdate`, so that a bad field is refused
before any other field of the same request has changed anything."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jirasync.sim.pagerduty.errors import (
    ALREADY_RESOLVED,
    CANNOT_ESCALATE,
    INVALID_PRIORITY,
    INVALID_STATUS,
    PDError,
    invalid,
)
from jirasync.sim.pagerduty.model import STATUSES, URGENCIES, Incident
from jirasync.sim.pagerduty.state import State


def ref_id(value: Any, kind: str, field_name: str) -> str:
    """The id of a `{id, type}` reference whose type is `kind` or `kind_reference`."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise invalid(f"{field_name} must be a reference with an id")
    if value.get("type") not in (kind, f"{kind}_reference"):
        raise invalid(f"{field_name} type must be {kind}_reference")
    return str(value["id"])


def priority_id(state: State, value: Any) -> str | None:
    """A priority reference, a priority name (the most severe match), or None to clear."""
    if value is None:
        return None
    if isinstance(value, str):
        found = state.priority_by_name(value)
    else:
        found = state.priority(ref_id(value, "priority", "priority"))
    if found is None:
        raise PDError(400, "Invalid Priority", INVALID_PRIORITY, ["Priority not found"])
    return found.id


def assignee_ids(state: State, assignments: Any) -> list[str]:
    if not assignments:
        return []
    if not isinstance(assignments, list):
        raise invalid("assignments must be a list")
    ids = []
    for n, item in enumerate(assignments):
        assignee = item.get("assignee") if isinstance(item, dict) else None
        user_ref = ref_id(assignee, "user", f"assignments[{n}].assignee")
        ids.append(state.require_user(user_ref).id)
    return ids


def type_name(value: Any) -> str:
    if value is None:
        return "incident_default"
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise invalid("incident_type must be an object with a name")
    return str(value["name"])


def conference_bridge(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
        isinstance(value.get(k), str | None) for k in ("conference_number", "conference_url")
    ):
        raise invalid("conference_bridge must have string conference_number / conference_url")
    return {k: value.get(k) for k in ("conference_number", "conference_url")}


@dataclass
class IncidentUpdate:
    """The fields a request asked to change (`given`), validated."""

    given: set[str] = field(default_factory=set)
    title: str = ""
    urgency: str = ""
    incident_type: str = ""
    priority_id: str | None = None
    conference_bridge: dict[str, Any] | None = None
    service_id: str = ""
    status: str = ""
    resolution: str | None = None
    policy_id: str = ""
    escalation_level: int = 0
    assignee_ids: list[str] = field(default_factory=list)


def parse_update(state: State, incident: Incident, body: Any) -> IncidentUpdate:
    if not isinstance(body, dict) or body.get("type") not in ("incident", "incident_reference"):
        raise invalid("Incident type must be incident or incident_reference")
    update = IncidentUpdate()
    _parse_fields(state, body, update)
    _parse_routing(state, incident, body, update)
    _check_resolved(incident, update)
    return update


def _parse_fields(state: State, body: dict[str, Any], update: IncidentUpdate) -> None:
    if "title" in body:
        if not isinstance(body["title"], str) or not body["title"].strip():
            raise invalid("Title cannot be empty.")
        update.title = body["title"].strip()
    if "urgency" in body:
        if body["urgency"] not in URGENCIES:
            raise invalid("Urgency must be high or low")
        update.urgency = body["urgency"]
    if "status" in body:
        if body["status"] not in STATUSES:
            raise PDError(
                400,
                "Invalid Status Provided",
                INVALID_STATUS,
                ["Status must be triggered, acknowledged or resolved"],
            )
        update.status = body["status"]
    resolution = body.get("resolution")
    if resolution is not None and (not isinstance(resolution, str) or update.status != "resolved"):
        raise invalid("resolution is only allowed with status resolved")
    update.resolution = resolution
    if "incident_type" in body:
        update.incident_type = type_name(body["incident_type"])
    if "priority" in body:
        update.priority_id = priority_id(state, body["priority"])
    if "conference_bridge" in body:
        update.conference_bridge = conference_bridge(body["conference_bridge"])
    update.given = {k for k in body if k not in ("type", "id", "resolution")}


def _parse_routing(
    state: State, incident: Incident, body: dict[str, Any], update: IncidentUpdate
) -> None:
    if body.get("service") is not None:
        service_ref = ref_id(body["service"], "service", "Service")
        if service_ref not in state.services:
            raise invalid("Service not found")
        update.service_id = service_ref
    update.assignee_ids = assignee_ids(state, body.get("assignments"))
    if body.get("escalation_policy"):
        policy_ref = ref_id(body["escalation_policy"], "escalation_policy", "Escalation policy")
        update.policy_id = state.require_policy(policy_ref).id
    if "escalation_level" in body:
        policy = state.escalation_policies[update.policy_id or incident.escalation_policy_id]
        level = body["escalation_level"]
        if (
            not isinstance(level, int)
            or isinstance(level, bool)
            or not 1 <= level <= len(policy.levels)
        ):
            raise PDError(
                400,
                "Cannot Escalate",
                CANNOT_ESCALATE,
                [f"Escalation level must be between 1 and {len(policy.levels)}"],
            )
        update.escalation_level = level


def _check_resolved(incident: Incident, update: IncidentUpdate) -> None:
    """What a resolved incident cannot do unless the same request reopens it."""
    if incident.status != "resolved" or update.status in ("triggered", "acknowledged"):
        return
    routing = update.assignee_ids or update.policy_id or update.escalation_level
    if update.status == "resolved" or routing or update.service_id:
        raise PDError(
            400, "Incident Already Resolved", ALREADY_RESOLVED, ["Incident Already Resolved"]
        )
