"""Records → PagerDuty's JSON: full objects, `*_reference`s, and the v3 webhook `data` shape.

Every `self` and `html_url` is under the simulator's base URL, because clients (python-pagerduty
`rget(obj)`) follow `self` and refuse URLs outside their configured base.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from jirasync.sim.pagerduty.model import (
    Actor,
    CustomField,
    EscalationPolicy,
    Incident,
    LogEntry,
    Note,
    Priority,
    Service,
    Team,
    User,
    WebhookSubscription,
)
from jirasync.sim.pagerduty.state import State

JSON = dict[str, Any]
ACK_TIMEOUT_S = 600  # every simulated service's acknowledgement timeout
AVATAR = "https://pd-static-assets.pagerduty.com/users/blank-avatar.png"


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


class Serializer:
    def __init__(self, state: State, base_url: str) -> None:
        self.state = state
        self.base = base_url.rstrip("/")

    # -- references ---------------------------------------------------------------------------
    def _ref(self, type_: str, id_: str, summary: str, api: str, web: str | None) -> JSON:
        ref: JSON = {"id": id_, "type": type_, "summary": summary, "self": f"{self.base}/{api}"}
        if web is not None:
            ref["html_url"] = f"{self.base}/{web}"
        return ref

    def user_ref(self, user_id: str) -> JSON:
        user = self.state.users.get(user_id)
        name = user.name if user else "Deleted user"
        return self._ref("user_reference", user_id, name, f"users/{user_id}", f"users/{user_id}")

    def team_ref(self, team_id: str) -> JSON:
        team = self.state.teams[team_id]
        return self._ref(
            "team_reference", team.id, team.name, f"teams/{team.id}", f"teams/{team.id}"
        )

    def service_ref(self, service_id: str) -> JSON:
        service = self.state.services[service_id]
        path = f"service-directory/{service.id}"
        return self._ref(
            "service_reference", service.id, service.name, f"services/{service.id}", path
        )

    def policy_ref(self, policy_id: str) -> JSON:
        policy = self.state.escalation_policies[policy_id]
        path = f"escalation_policies/{policy.id}"
        return self._ref("escalation_policy_reference", policy.id, policy.name, path, path)

    def priority_ref(self, priority_id: str | None, webhook: bool = False) -> JSON | None:
        priority = self.state.priority(priority_id) if priority_id else None
        if priority is None:
            return None
        web = "account/incident_priorities" if webhook else None
        return self._ref(
            "priority_reference", priority.id, priority.name, f"priorities/{priority.id}", web
        )

    def incident_ref(self, incident: Incident) -> JSON:
        path = f"incidents/{incident.id}"
        return self._ref("incident_reference", incident.id, summary(incident), path, path)

    def integration_ref(self, service: Service) -> JSON:
        path = f"services/{service.id}/integrations/{service.integration_id}"
        return self._ref(
            "events_api_v2_inbound_integration_reference",
            service.integration_id,
            "Events API V2",
            path,
            path,
        )

    def actor_ref(self, actor: Actor | None) -> JSON | None:
        if actor is None:
            return None
        if actor.kind == "user":
            return self.user_ref(actor.id)
        service = self.state.services[actor.id]
        if actor.kind == "integration":
            return self.integration_ref(service)
        return self.service_ref(actor.id)

    def log_entry_ref(self, entry_id: str) -> JSON:
        entry = self.state.log_entries[entry_id]
        return self._ref(
            f"{entry.type}_reference",
            entry.id,
            entry.summary,
            f"log_entries/{entry.id}?incident_id={entry.incident_id}",
            f"incidents/{entry.incident_id}/log_entries/{entry.id}",
        )

    # -- incidents ----------------------------------------------------------------------------
    def incident(self, incident: Incident, include: Collection[str] = ()) -> JSON:
        service = self.state.services[incident.service_id]
        alerts = [self.state.alerts[a] for a in incident.alert_ids]
        triggered = sum(a.status == "triggered" for a in alerts)
        last_by = self.actor_ref(incident.last_status_change_by)
        data: JSON = {
            "id": incident.id,
            "type": "incident",
            "summary": summary(incident),
            "self": f"{self.base}/incidents/{incident.id}",
            "html_url": f"{self.base}/incidents/{incident.id}",
            "incident_number": incident.number,
            "title": incident.title,
            "created_at": ts(incident.created_at),
            "updated_at": ts(incident.updated_at or incident.created_at),
            "status": incident.status,
            "incident_key": incident.incident_key,
            "service": self.service_ref(service.id),
            "assignments": [
                {"at": ts(a.at), "assignee": self.user_ref(a.user_id)} for a in incident.assignments
            ],
            "assigned_via": incident.assigned_via,
            "last_status_change_at": ts(incident.last_status_change_at or incident.created_at),
            "resolved_at": ts(incident.resolved_at),
            "first_trigger_log_entry": (
                self.log_entry_ref(incident.first_trigger_log_entry_id)
                if incident.first_trigger_log_entry_id
                else None
            ),
            "alert_counts": {
                "all": len(alerts),
                "triggered": triggered,
                "resolved": len(alerts) - triggered,
            },
            "is_mergeable": incident.status != "resolved",
            "incident_type": {"name": incident.incident_type},
            "escalation_policy": self.policy_ref(incident.escalation_policy_id),
            "teams": [self.team_ref(t) for t in service.team_ids],
            "pending_actions": self.pending_actions(incident),
            "acknowledgements": [
                {"at": ts(a.at), "acknowledger": self.user_ref(a.user_id)}
                for a in incident.acknowledgements
            ],
            "alert_grouping": None,
            "last_status_change_by": last_by or self.service_ref(service.id),
            "priority": self.priority_ref(incident.priority_id),
            "resolve_reason": self.resolve_reason(incident),
            "incidents_responders": [],
            "responder_requests": [],
            "urgency": incident.urgency,
        }
        # spec: conference_bridge, body and custom_fields only come when include[] asks
        if "conference_bridge" in include:
            data["conference_bridge"] = incident.conference_bridge
        if "custom_fields" in include:
            data["custom_fields"] = self.custom_field_values(incident)
        if "body" in include:
            data["body"] = {"type": "incident_body", "details": incident.details}
        return data

    def resolve_reason(self, incident: Incident) -> JSON | None:
        if incident.merged_into is None:
            return None
        target = self.state.incidents[incident.merged_into]
        return {"type": "merge_resolve_reason", "incident": self.incident_ref(target)}

    @staticmethod
    def pending_actions(incident: Incident) -> list[JSON]:
        # a snooze schedules the return to triggered; the simulator shows it, runs no timer
        if incident.snoozed_until is None or incident.status != "acknowledged":
            return []
        return [{"type": "unacknowledge", "at": ts(incident.snoozed_until)}]

    def custom_field_values(self, incident: Incident) -> list[JSON]:
        return [
            self.field_value(cf, incident.custom_field_values.get(cf.id))
            for cf in self.state.custom_fields.values()
        ]

    @staticmethod
    def field_value(cf: CustomField, value: Any) -> JSON:
        return {
            "id": cf.id,
            "type": "field_value",
            "name": cf.name,
            "display_name": cf.display_name,
            "description": cf.description,
            "data_type": cf.data_type,
            "field_type": cf.field_type,
            "value": value,
        }

    def note(self, note: Note) -> JSON:
        return {
            "id": note.id,
            "user": self.user_ref(note.user_id) if note.user_id else None,
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": note.content,
            "created_at": ts(note.created_at),
            "updated_at": ts(note.updated_at),
        }

    def log_entry(self, entry: LogEntry, include: Collection[str] = ()) -> JSON:
        incident = self.state.incidents[entry.incident_id]
        service = self.state.services[incident.service_id]
        data: JSON = {
            **self.log_entry_ref(entry.id),
            "type": entry.type,
            "created_at": ts(entry.created_at),
            "agent": self.actor_ref(entry.agent),
            "channel": entry.channel,
            "service": self.service_ref(service.id),
            "incident": self.incident_ref(incident),
            "teams": [self.team_ref(t) for t in service.team_ids],
            "contexts": [],
        }
        if entry.assignee_ids:
            data["assignees"] = [self.user_ref(u) for u in entry.assignee_ids]
        if entry.note is not None:
            data["note"] = entry.note
        # as PagerDuty's examples show them: trigger describes, ack/resolve carry an empty one
        if entry.type == "trigger_log_entry":
            data["event_details"] = {"description": incident.title}
        elif entry.type in ("acknowledge_log_entry", "resolve_log_entry"):
            data["event_details"] = {}
        if entry.type == "acknowledge_log_entry":
            data["acknowledgement_timeout"] = ACK_TIMEOUT_S
        if "incidents" in include:
            data["incident"] = self.incident(incident)
        if "services" in include:
            data["service"] = self.service(service)
        return data

    # -- directory ----------------------------------------------------------------------------
    def user(self, user: User, calendars: bool = False) -> JSON:
        """`calendars`: the on-call feed URLs GET /users/{id} shows (lists and /me do not)."""
        data = {
            **self.user_ref(user.id),
            "type": "user",
            "name": user.name,
            "email": user.email,
            "time_zone": user.time_zone,
            "color": "green",
            "role": user.role,
            "avatar_url": AVATAR,
            "description": "",
            "invitation_sent": False,
            "job_title": user.job_title,
            "teams": [self.team_ref(t) for t in user.team_ids],
            "contact_methods": [],
            "notification_rules": [],
            "created_via_sso": False,
        }
        if calendars:
            data["http_cal_url"] = f"{self.base}/private/{user.id}/feed"
            data["web_cal_url"] = f"{self.base.replace('http', 'webcal', 1)}/private/{user.id}/feed"
        return data

    def team(self, team: Team) -> JSON:
        return {
            **self.team_ref(team.id),
            "type": "team",
            "name": team.name,
            "description": team.description,
            "parent": None,
        }

    def priority(self, priority: Priority) -> JSON:
        return {
            "id": priority.id,
            "type": "priority",
            "summary": priority.name,
            "self": f"{self.base}/priorities/{priority.id}",
            "name": priority.name,
            "description": priority.description,
        }

    def escalation_policy(self, policy: EscalationPolicy) -> JSON:
        services = [
            s.id for s in self.state.services.values() if s.escalation_policy_id == policy.id
        ]
        return {
            **self.policy_ref(policy.id),
            "type": "escalation_policy",
            "name": policy.name,
            "description": policy.description,
            "on_call_handoff_notifications": "if_has_services",
            "num_loops": policy.num_loops,
            "escalation_rules": [
                {
                    "id": f"{policy.id}L{n}",
                    "escalation_delay_in_minutes": 30,
                    "targets": [self.user_ref(u) for u in level],
                }
                for n, level in enumerate(policy.levels, start=1)
            ],
            "services": [self.service_ref(s) for s in services],
            "teams": [self.team_ref(t) for t in policy.team_ids],
        }

    def service(self, service: Service) -> JSON:
        return {
            **self.service_ref(service.id),
            "type": "service",
            "name": service.name,
            "description": service.description,
            "auto_resolve_timeout": 14400,
            "acknowledgement_timeout": ACK_TIMEOUT_S,
            "created_at": ts(service.created_at),
            "status": service.status,
            "alert_creation": "create_alerts_and_incidents",
            "integrations": [self.integration_ref(service)],
            "escalation_policy": self.policy_ref(service.escalation_policy_id),
            "teams": [self.team_ref(t) for t in service.team_ids],
            "incident_urgency_rule": {"type": "constant", "urgency": "high"},
            "support_hours": None,
            "scheduled_actions": [],
            "alert_grouping_parameters": {"type": None},
            "auto_pause_notifications_parameters": {"enabled": False, "timeout": 0},
        }

    def subscription(self, sub: WebhookSubscription, with_secret: bool = False) -> JSON:
        if sub.filter_type == "account_reference":
            filter_: JSON = {"type": "account_reference"}
        else:
            filter_ = {"id": sub.filter_id, "type": sub.filter_type}
        return {
            "id": sub.id,
            "type": "webhook_subscription",
            "active": sub.active,
            "delivery_method": {
                "id": sub.delivery_method_id,
                "secret": sub.secrets[0] if with_secret else None,
                "temporarily_disabled": sub.temporarily_disabled,
                "type": "http_delivery_method",
                "url": sub.url,
                "custom_headers": [
                    {"name": h["name"], "value": "-- redacted --"} for h in sub.custom_headers
                ],
            },
            "description": sub.description,
            "events": list(sub.events),
            "filter": filter_,
        }

    # -- webhooks v3 --------------------------------------------------------------------------
    def webhook_incident(self, incident: Incident) -> JSON:
        """`event.data` of incident events: `number` and `assignees`, unlike the REST shape."""
        service = self.state.services[incident.service_id]
        return {
            "id": incident.id,
            "type": "incident",
            "self": f"{self.base}/incidents/{incident.id}",
            "html_url": f"{self.base}/incidents/{incident.id}",
            "number": incident.number,
            "status": incident.status,
            "incident_key": incident.incident_key,
            "created_at": ts(incident.created_at),
            "reopened_at": ts(incident.reopened_at),
            "title": incident.title,
            "incident_type": {"name": incident.incident_type},
            "service": self.service_ref(service.id),
            "assignees": [self.user_ref(a.user_id) for a in incident.assignments],
            "escalation_policy": self.policy_ref(incident.escalation_policy_id),
            "teams": [self.team_ref(t) for t in service.team_ids],
            "priority": self.priority_ref(incident.priority_id, webhook=True),
            "urgency": incident.urgency,
            "conference_bridge": incident.conference_bridge,
            "resolve_reason": self.resolve_reason(incident),
        }


def summary(incident: Incident) -> str:
    return f"[#{incident.number}] {incident.title}"
