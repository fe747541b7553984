"""The simulated PagerDuty account's objects, as plain mutable records.

Only what the REST API, the webhooks and the Events API show is kept. References between
objects are ids; `serialize.py` turns records into PagerDuty's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

IncidentStatus = Literal["triggered", "acknowledged", "resolved"]
STATUSES: tuple[IncidentStatus, ...] = ("triggered", "acknowledged", "resolved")
URGENCIES = ("high", "low")


@dataclass(frozen=True)
class Actor:
    """Who did something: a user (REST `From`, user key) or an integration (Events API)."""

    kind: Literal["user", "service", "integration"]
    id: str


@dataclass
class Team:
    id: str
    name: str
    description: str = ""


@dataclass
class User:
    id: str
    name: str
    email: str
    role: str = "user"
    time_zone: str = "Etc/UTC"
    job_title: str = ""
    team_ids: list[str] = field(default_factory=list)


@dataclass
class Priority:
    id: str
    name: str
    description: str = ""


@dataclass
class EscalationPolicy:
    id: str
    name: str
    levels: list[list[str]]  # user ids per escalation rule, level 1 first
    team_ids: list[str] = field(default_factory=list)
    description: str = ""
    num_loops: int = 0


@dataclass
class Service:
    id: str
    name: str
    escalation_policy_id: str
    routing_key: str
    integration_id: str
    team_ids: list[str] = field(default_factory=list)
    description: str = ""
    created_at: datetime | None = None
    status: str = "active"


@dataclass
class CustomField:
    id: str
    name: str
    display_name: str
    data_type: str = "string"
    field_type: str = "single_value"
    description: str = ""


@dataclass
class Assignment:
    user_id: str
    at: datetime


@dataclass
class Note:
    id: str
    incident_id: str
    user_id: str | None
    content: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Alert:
    id: str
    incident_id: str
    alert_key: str
    summary: str
    severity: str
    source: str
    created_at: datetime
    status: Literal["triggered", "resolved"] = "triggered"
    details: Any = None


@dataclass
class LogEntry:
    id: str
    type: str  # e.g. "trigger_log_entry"
    incident_id: str
    created_at: datetime
    agent: Actor | None
    channel: dict[str, Any]
    summary: str
    assignee_ids: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class Incident:
    id: str
    number: int
    title: str
    service_id: str
    escalation_policy_id: str
    created_at: datetime
    status: IncidentStatus = "triggered"
    urgency: str = "high"
    priority_id: str | None = None
    incident_key: str | None = None
    incident_type: str = "incident_default"
    details: str | None = None
    assignments: list[Assignment] = field(default_factory=list)
    acknowledgements: list[Assignment] = field(default_factory=list)
    assigned_via: str = "escalation_policy"
    escalation_level: int = 1
    updated_at: datetime | None = None
    last_status_change_at: datetime | None = None
    last_status_change_by: Actor | None = None
    resolved_at: datetime | None = None
    reopened_at: datetime | None = None
    merged_into: str | None = None  # the incident this one was merged into (and resolved)
    snoozed_until: datetime | None = None
    conference_bridge: dict[str, Any] | None = None
    first_trigger_log_entry_id: str | None = None
    alert_ids: list[str] = field(default_factory=list)
    note_ids: list[str] = field(default_factory=list)
    log_entry_ids: list[str] = field(default_factory=list)
    custom_field_values: dict[str, Any] = field(default_factory=dict)
    responders: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class WebhookSubscription:
    id: str
    url: str
    events: list[str]
    filter_type: str  # "service_reference" | "team_reference" | "account_reference"
    filter_id: str | None
    secrets: list[str]
    delivery_method_id: str
    description: str = ""
    custom_headers: list[dict[str, str]] = field(default_factory=list)
    active: bool = True
    temporarily_disabled: bool = False
    consecutive_drops: int = 0
    disabled_at: datetime | None = None
    version: Literal["v3", "v2"] = "v3"
