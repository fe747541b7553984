"""Incident behaviour: create, the status machine (acknowledge, unacknowledge, resolve,
reopen), reassign / escalate / delegate, priority, snooze and merge. Each change goes through
the journal (log entry + `Change` for the webhooks); notes and the like are in annotations.py.

Inputs are the already-unwrapped JSON entities; malformed ones raise `PDError` (400).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from jirasync.sim.pagerduty.errors import (
    ALREADY_RESOLVED,
    CANNOT_ESCALATE,
    INVALID_PRIORITY,
    INVALID_STATUS,
    NOT_ACKNOWLEDGED,
    PDError,
    invalid,
)
from jirasync.sim.pagerduty.journal import Journal
from jirasync.sim.pagerduty.model import (
    STATUSES,
    URGENCIES,
    Actor,
    Assignment,
    Incident,
    Service,
)
from jirasync.sim.pagerduty.serialize import summary

DUPLICATE_KEY = "Open incident with matching dedup key already exists on this service"


def ref_id(value: Any, kind: str, field: str) -> str:
    """The id of a `{id, type}` reference whose type is `kind` or `kind_reference`."""
    if not isinstance(value, dict) or not isinstance(value.get("id"), str):
        raise invalid(f"{field} must be a reference with an id")
    if value.get("type") not in (kind, f"{kind}_reference"):
        raise invalid(f"{field} type must be {kind}_reference")
    return str(value["id"])


class Incidents(Journal):
    # -- helpers ------------------------------------------------------------------------------
    def _status_changed(self, incident: Incident, actor: Actor | None) -> None:
        incident.last_status_change_at = self.state.clock()
        incident.last_status_change_by = actor

    def _name(self, actor: Actor | None) -> str:
        if actor is not None and actor.kind == "user" and actor.id in self.state.users:
            return self.state.users[actor.id].name
        return "the API"

    def _policy_users(self, incident: Incident, level: int) -> list[str]:
        policy = self.state.escalation_policies[incident.escalation_policy_id]
        return list(policy.levels[level - 1])

    def _assign(self, incident: Incident, user_ids: list[str], via: str) -> None:
        now = self.state.clock()
        incident.assignments = [Assignment(u, now) for u in dict.fromkeys(user_ids)]
        incident.assigned_via = via

    def _priority_id(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):  # a name: PagerDuty takes the most severe match
            found = self.state.priority_by_name(value)
        else:
            found = self.state.priority(ref_id(value, "priority", "priority"))
        if found is None:
            raise PDError(400, "Invalid Priority", INVALID_PRIORITY, ["Priority not found"])
        return found.id

    # -- create -------------------------------------------------------------------------------
    def create(self, body: Any, actor: Actor | None) -> Incident:
        if not isinstance(body, dict) or body.get("type") not in ("incident", None):
            raise invalid("Incident type must be incident")
        title = body.get("title")
        if not isinstance(title, str) or not title.strip():
            raise invalid("Title cannot be empty.")
        service_id = ref_id(body.get("service"), "service", "Service")
        service = self.state.services.get(service_id)
        if service is None:
            raise invalid("Service not found")
        if body.get("escalation_policy") and body.get("assignments"):
            raise invalid("Only one of escalation_policy or assignments may be given")
        key = body.get("incident_key")
        if key is not None and not isinstance(key, str):
            raise invalid("incident_key must be a string")
        if key and self.open_by_key(service.id, key):
            raise invalid(DUPLICATE_KEY)
        urgency = body.get("urgency", "high")
        if urgency not in URGENCIES:
            raise invalid("Urgency must be high or low")
        priority_id = self._priority_id(body.get("priority"))
        assignee_ids = self._assignee_ids(body.get("assignments"))
        policy_id = service.escalation_policy_id
        if body.get("escalation_policy"):
            policy_id = self.state.require_policy(
                ref_id(body["escalation_policy"], "escalation_policy", "Escalation policy")
            ).id
        incident = self._new_incident(service, title.strip(), policy_id, urgency, key)
        incident.priority_id = priority_id
        incident.details = _details(body.get("body"))
        incident.incident_type = _type_name(body.get("incident_type"))
        incident.conference_bridge = body.get("conference_bridge")
        self._trigger(incident, actor, assignee_ids, {"type": "api"}, "Triggered through the API")
        if assignee_ids and actor and actor.kind == "user" and assignee_ids == [actor.id]:
            self.acknowledge(incident, actor)  # self-assigned incidents start acknowledged
        return incident

    def _assignee_ids(self, assignments: Any) -> list[str]:
        if not assignments:
            return []
        if not isinstance(assignments, list):
            raise invalid("assignments must be a list")
        ids = []
        for n, item in enumerate(assignments):
            assignee = item.get("assignee") if isinstance(item, dict) else None
            ids.append(
                self.state.require_user(ref_id(assignee, "user", f"assignments[{n}].assignee")).id
            )
        return ids

    def open_by_key(self, service_id: str, key: str) -> Incident | None:
        return next(
            (
                i
                for i in self.state.incidents.values()
                if i.service_id == service_id and i.incident_key == key and i.status != "resolved"
            ),
            None,
        )

    def _new_incident(
        self, service: Service, title: str, policy_id: str, urgency: str, key: str | None
    ) -> Incident:
        now = self.state.clock()
        incident = Incident(
            id=self.state.new_id("Q", 13),
            number=self.state.next_incident_number(),
            title=title,
            service_id=service.id,
            escalation_policy_id=policy_id,
            created_at=now,
            urgency=urgency,
            incident_key=key,
            updated_at=now,
            last_status_change_at=now,
        )
        self.state.incidents[incident.id] = incident
        return incident

    def _trigger(
        self,
        incident: Incident,
        actor: Actor | None,
        assignee_ids: list[str],
        channel: dict[str, Any],
        summary: str,
    ) -> None:
        if assignee_ids:
            self._assign(incident, assignee_ids, "direct_assignment")
        else:
            self._assign(incident, self._policy_users(incident, 1), "escalation_policy")
        incident.last_status_change_by = actor
        entry = self.log(incident, "trigger_log_entry", actor, summary, channel)
        incident.first_trigger_log_entry_id = entry.id
        names = ", ".join(self.state.users[a.user_id].name for a in incident.assignments)
        self.log(
            incident,
            "assign_log_entry",
            actor,
            f"Assigned to {names}.",
            assignee_ids=[a.user_id for a in incident.assignments],
        )
        self.emit("incident.triggered", incident, actor, entry)

    def trigger_from_alert(
        self, service: Service, title: str, key: str, actor: Actor, urgency: str
    ) -> Incident:
        policy = service.escalation_policy_id
        incident = self._new_incident(service, title, policy, urgency, key)
        self._trigger(incident, actor, [], {"type": "api"}, "Triggered through the API")
        return incident

    # -- status machine -----------------------------------------------------------------------
    def acknowledge(self, incident: Incident, actor: Actor | None) -> None:
        if incident.status == "acknowledged":
            return  # re-acknowledging changes nothing we model
        incident.status = "acknowledged"
        if actor is not None and actor.kind == "user":
            incident.acknowledgements.append(Assignment(actor.id, self.state.clock()))
            if actor.id not in [a.user_id for a in incident.assignments]:
                incident.assignments.append(Assignment(actor.id, self.state.clock()))
        self._status_changed(incident, actor)
        entry = self.log(
            incident, "acknowledge_log_entry", actor, f"Acknowledged by {self._name(actor)}."
        )
        self.emit("incident.acknowledged", incident, actor, entry)

    def unacknowledge(self, incident: Incident, actor: Actor | None) -> None:
        incident.status = "triggered"
        incident.acknowledgements = []
        self._status_changed(incident, actor)
        entry = self.log(incident, "unacknowledge_log_entry", actor, "Unacknowledged.")
        self.emit("incident.unacknowledged", incident, actor, entry)

    def resolve(
        self, incident: Incident, actor: Actor | None, resolution: str | None = None
    ) -> None:
        if incident.status == "resolved":
            raise PDError(
                400, "Incident Already Resolved", ALREADY_RESOLVED, ["Incident Already Resolved"]
            )
        now = self.state.clock()
        incident.status = "resolved"
        incident.resolved_at = now
        incident.assignments = []
        incident.acknowledgements = []
        for alert_id in incident.alert_ids:
            self.state.alerts[alert_id].status = "resolved"
        self._status_changed(incident, actor)
        entry = self.log(
            incident,
            "resolve_log_entry",
            actor,
            f"Resolved by {self._name(actor)}.",
            note=resolution,
        )
        self.emit("incident.resolved", incident, actor, entry)

    def reopen(self, incident: Incident, actor: Actor | None, status: str) -> None:
        now = self.state.clock()
        incident.status = "triggered"
        incident.resolved_at = None
        incident.reopened_at = now
        incident.escalation_level = 1
        self._assign(incident, self._policy_users(incident, 1), "escalation_policy")
        self._status_changed(incident, actor)
        entry = self.log(incident, "reopen_log_entry", actor, f"Reopened by {self._name(actor)}.")
        self.emit("incident.reopened", incident, actor, entry)
        if status == "acknowledged":
            # "When reopening an incident to the acknowledged status, it will be assigned to
            # the current user" (spec, PUT /incidents/{id})
            if actor is not None and actor.kind == "user":
                self._assign(incident, [actor.id], "direct_assignment")
            self.acknowledge(incident, actor)

    def set_status(
        self, incident: Incident, status: Any, actor: Actor | None, resolution: str | None
    ) -> None:
        if status not in STATUSES:
            raise PDError(
                400,
                "Invalid Status Provided",
                INVALID_STATUS,
                ["Status must be triggered, acknowledged or resolved"],
            )
        if status == "resolved":
            self.resolve(incident, actor, resolution)
        elif incident.status == "resolved":
            self.reopen(incident, actor, status)
        elif status == "acknowledged":
            self.acknowledge(incident, actor)
        elif incident.status == "acknowledged":
            self.unacknowledge(incident, actor)

    # -- routing ------------------------------------------------------------------------------
    def _back_to_triggered(self, incident: Incident) -> None:
        """A new assignee has not seen the incident: it leaves acknowledged (PagerDuty does)."""
        if incident.status == "acknowledged":
            incident.status = "triggered"
            incident.acknowledgements = []

    def reassign(self, incident: Incident, user_ids: list[str], actor: Actor | None) -> None:
        self.require_open(incident)
        self._assign(incident, user_ids, "direct_assignment")
        self._back_to_triggered(incident)
        names = ", ".join(self.state.users[u].name for u in user_ids)
        entry = self.log(
            incident, "assign_log_entry", actor, f"Reassigned to {names}.", assignee_ids=user_ids
        )
        self.emit("incident.reassigned", incident, actor, entry)

    def escalate(self, incident: Incident, level: Any, actor: Actor | None) -> None:
        self.require_open(incident)
        policy = self.state.escalation_policies[incident.escalation_policy_id]
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
        incident.escalation_level = level
        self._assign(incident, self._policy_users(incident, level), "escalation_policy")
        self._back_to_triggered(incident)
        entry = self.log(
            incident,
            "escalate_log_entry",
            actor,
            f"Escalated to level {level}.",
            assignee_ids=[a.user_id for a in incident.assignments],
        )
        self.emit("incident.escalated", incident, actor, entry)

    def delegate(self, incident: Incident, policy_id: str, actor: Actor | None) -> None:
        self.require_open(incident)
        policy = self.state.require_policy(policy_id)
        incident.escalation_policy_id = policy.id
        incident.escalation_level = 1
        self._assign(incident, self._policy_users(incident, 1), "escalation_policy")
        self._back_to_triggered(incident)
        entry = self.log(
            incident,
            "delegate_log_entry",
            actor,
            f"Delegated to {policy.name}.",
            assignee_ids=[a.user_id for a in incident.assignments],
        )
        self.emit("incident.delegated", incident, actor, entry)

    def set_priority(self, incident: Incident, value: Any, actor: Actor | None) -> None:
        priority_id = self._priority_id(value)
        if priority_id == incident.priority_id:
            return
        incident.priority_id = priority_id
        priority = self.state.priority(priority_id) if priority_id else None
        name = priority.name if priority else "none"
        entry = self.log(
            incident, "priority_change_log_entry", actor, f"Priority changed to {name}."
        )
        self.emit("incident.priority_updated", incident, actor, entry)

    # -- PUT /incidents/{id} -------------------------------------------------------------------
    def update(self, incident: Incident, body: Any, actor: Actor | None) -> Incident:
        """Apply an update entity; everything is validated before anything changes."""
        if not isinstance(body, dict) or body.get("type") not in ("incident", "incident_reference"):
            raise invalid("Incident type must be incident or incident_reference")
        title = body.get("title")
        if "title" in body and (not isinstance(title, str) or not title.strip()):
            raise invalid("Title cannot be empty.")
        if "urgency" in body and body["urgency"] not in URGENCIES:
            raise invalid("Urgency must be high or low")
        if "status" in body and body["status"] not in STATUSES:
            raise PDError(
                400,
                "Invalid Status Provided",
                INVALID_STATUS,
                ["Status must be triggered, acknowledged or resolved"],
            )
        resolution = body.get("resolution")
        if resolution is not None and (
            not isinstance(resolution, str) or body.get("status") != "resolved"
        ):
            raise invalid("resolution is only allowed with status resolved")
        if "priority" in body:
            self._priority_id(body["priority"])
        self._check_resolved(incident, body)
        assignee_ids = self._assignee_ids(body.get("assignments"))
        policy_id = None
        if body.get("escalation_policy"):
            policy_id = self.state.require_policy(
                ref_id(body["escalation_policy"], "escalation_policy", "Escalation policy")
            ).id
        self._apply_update(incident, body, actor, assignee_ids, policy_id)
        return incident

    @staticmethod
    def _check_resolved(incident: Incident, body: dict[str, Any]) -> None:
        """Refuse up front what a resolved incident cannot do, so nothing is half applied."""
        if incident.status != "resolved" or body.get("status") in ("triggered", "acknowledged"):
            return
        routing = ("assignments", "escalation_level", "escalation_policy")
        if body.get("status") == "resolved" or any(body.get(k) for k in routing):
            raise PDError(
                400, "Incident Already Resolved", ALREADY_RESOLVED, ["Incident Already Resolved"]
            )

    def _apply_update(
        self,
        incident: Incident,
        body: dict[str, Any],
        actor: Actor | None,
        assignee_ids: list[str],
        policy_id: str | None,
    ) -> None:
        if "title" in body:
            incident.title = str(body["title"]).strip()
            incident.updated_at = self.state.clock()
        if "urgency" in body and body["urgency"] != incident.urgency:
            incident.urgency = body["urgency"]
            self.log(
                incident,
                "urgency_change_log_entry",
                actor,
                f"Urgency changed to {incident.urgency}.",
            )
        if "incident_type" in body:
            incident.incident_type = _type_name(body["incident_type"])
        if "priority" in body:
            self.set_priority(incident, body["priority"], actor)
        if "conference_bridge" in body:
            incident.conference_bridge = body["conference_bridge"]
            self.emit(
                "incident.conference_bridge.updated",
                incident,
                actor,
                None,
                {
                    "incident": self.ser.incident_ref(incident),
                    "type": "incident_conference_bridge",
                    "conference_number": (body["conference_bridge"] or {}).get("conference_number"),
                    "conference_url": (body["conference_bridge"] or {}).get("conference_url"),
                },
            )
        if "status" in body and body["status"] != "resolved":
            self.set_status(incident, body["status"], actor, None)  # reopen before routing
        if policy_id is not None:
            self.delegate(incident, policy_id, actor)
        if "escalation_level" in body:
            self.escalate(incident, body["escalation_level"], actor)
        if assignee_ids:
            self.reassign(incident, assignee_ids, actor)
        if body.get("status") == "resolved":
            self.set_status(incident, "resolved", actor, body.get("resolution"))

    # -- snooze and merge ---------------------------------------------------------------------
    def snooze(self, incident: Incident, duration: Any, actor: Actor | None) -> None:
        if (
            not isinstance(duration, int)
            or isinstance(duration, bool)
            or not 1 <= duration <= 604800
        ):
            raise invalid("duration must be a number of seconds between 1 and 604800")
        if incident.status != "acknowledged":
            raise PDError(
                400,
                "Incident is not Acknowledged",
                NOT_ACKNOWLEDGED,
                ["Only acknowledged incidents can be snoozed"],
            )
        incident.snoozed_until = self.state.clock() + timedelta(seconds=duration)
        self.log(incident, "snooze_log_entry", actor, f"Snoozed for {duration} seconds.")

    def merge(self, target: Incident, sources: list[Incident], actor: Actor | None) -> None:
        self.require_open(target)
        for source in sources:
            if source.id == target.id or source.status == "resolved":
                raise invalid(f"Incident {source.id} cannot be merged")
        for source in sources:
            target.alert_ids.extend(source.alert_ids)
            for alert_id in source.alert_ids:
                self.state.alerts[alert_id].incident_id = target.id
            source.alert_ids = []
            source.merged_into = target.id
            self.resolve(source, actor, f"Merged into {summary(target)}")
        target.updated_at = self.state.clock()


def _details(body: Any) -> str | None:
    if body is None:
        return None
    if not isinstance(body, dict):
        raise invalid("body must be an incident_body object")
    details = body.get("details")
    if details is not None and not isinstance(details, str):
        raise invalid("body.details must be a string")
    return details


def _type_name(value: Any) -> str:
    if value is None:
        return "incident_default"
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise invalid("incident_type must be an object with a name")
    return str(value["name"])
