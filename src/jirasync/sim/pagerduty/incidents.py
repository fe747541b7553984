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
from jirasync.sim.pagerduty.updates import (
    IncidentUpdate,
    assignee_ids,
    parse_update,
    priority_id,
    ref_id,
    type_name,
)

DUPLICATE_KEY = "Open incident with matching dedup key already exists on this service"


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
        priority = priority_id(self.state, body.get("priority"))
        assignees = assignee_ids(self.state, body.get("assignments"))
        policy_id = service.escalation_policy_id
        if body.get("escalation_policy"):
            policy_id = self.state.require_policy(
                ref_id(body["escalation_policy"], "escalation_policy", "Escalation policy")
            ).id
        incident = self._new_incident(service, title.strip(), policy_id, urgency, key)
        incident.priority_id = priority
        incident.details = _details(body.get("body"))
        incident.incident_type = type_name(body.get("incident_type"))
        incident.conference_bridge = body.get("conference_bridge")
        self._trigger(incident, actor, assignees, {"type": "api"}, "Triggered through the API")
        if assignees and actor and actor.kind == "user" and assignees == [actor.id]:
            self.acknowledge(incident, actor)  # self-assigned incidents start acknowledged
        return incident

    def open_by_key(self, service_id: str, key: str) -> Incident | None:
        return next(
            (
                i
                for i in self.state.incidents_with_key(key)
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
        self.state.add_incident(incident)
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

    def escalate(self, incident: Incident, level: int, actor: Actor | None) -> None:
        """To `level` of the incident's policy (checked by `parse_update`)."""
        self.require_open(incident)
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

    def move(self, incident: Incident, service_id: str, actor: Actor | None) -> None:
        """To another service: its escalation policy takes over from level 1."""
        self.require_open(incident)
        service = self.state.services[service_id]
        incident.service_id = service.id
        incident.escalation_policy_id = service.escalation_policy_id
        incident.escalation_level = 1
        self._assign(incident, self._policy_users(incident, 1), "escalation_policy")
        self._back_to_triggered(incident)
        self.emit("incident.service_updated", incident, actor, None)

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

    def set_priority(self, incident: Incident, new_id: str | None, actor: Actor | None) -> None:
        if new_id == incident.priority_id:
            return
        incident.priority_id = new_id
        priority = self.state.priority(new_id) if new_id else None
        name = priority.name if priority else "none"
        entry = self.log(
            incident, "priority_change_log_entry", actor, f"Priority changed to {name}."
        )
        self.emit("incident.priority_updated", incident, actor, entry)

    # -- PUT /incidents/{id} -------------------------------------------------------------------
    def update(self, incident: Incident, body: Any, actor: Actor | None) -> Incident:
        """Apply an update entity; everything is validated before anything changes."""
        self.apply(incident, parse_update(self.state, incident, body), actor)
        return incident

    def apply(self, incident: Incident, update: IncidentUpdate, actor: Actor | None) -> None:
        """Apply an update `parse_update` has validated."""
        self._apply_fields(incident, update, actor)
        if update.status and update.status != "resolved":
            self.set_status(incident, update.status, actor, None)  # reopen before routing
        if update.service_id and update.service_id != incident.service_id:
            self.move(incident, update.service_id, actor)
        if update.policy_id:
            self.delegate(incident, update.policy_id, actor)
        if update.escalation_level:
            self.escalate(incident, update.escalation_level, actor)
        if update.assignee_ids:
            self.reassign(incident, update.assignee_ids, actor)
        if update.status == "resolved":
            self.resolve(incident, actor, update.resolution)

    def _apply_fields(
        self, incident: Incident, update: IncidentUpdate, actor: Actor | None
    ) -> None:
        if "title" in update.given:
            incident.title = update.title
            incident.updated_at = self.state.clock()
        if "urgency" in update.given and update.urgency != incident.urgency:
            incident.urgency = update.urgency
            self.log(
                incident,
                "urgency_change_log_entry",
                actor,
                f"Urgency changed to {incident.urgency}.",
            )
        if "incident_type" in update.given and update.incident_type != incident.incident_type:
            incident.incident_type = update.incident_type
            self.emit("incident.incident_type.changed", incident, actor, None)
        if "priority" in update.given:
            self.set_priority(incident, update.priority_id, actor)
        if "conference_bridge" in update.given:
            incident.conference_bridge = update.conference_bridge
            data = {
                "incident": self.ser.incident_ref(incident),
                "type": "incident_conference_bridge",
                **(update.conference_bridge or {"conference_number": None, "conference_url": None}),
            }
            self.emit("incident.conference_bridge.updated", incident, actor, None, data)

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

    def expire_snoozes(self) -> int:
        """Snoozes whose time has come return their incidents to triggered (after a clock
        advance: the simulator runs no timers of its own)."""
        now = self.state.clock()
        due = [
            i
            for i in self.state.incidents.values()
            if i.snoozed_until is not None and i.snoozed_until <= now and i.status == "acknowledged"
        ]
        for incident in due:
            incident.snoozed_until = None
            self.unacknowledge(incident, None)
        return len(due)

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
