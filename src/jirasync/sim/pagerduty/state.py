"""The account's state in memory: the records, their lookups, id and number counters, the clock
and the API credentials. No HTTP here; `incidents.py` holds the behaviour that changes it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from jirasync.sim.pagerduty.errors import (
    ASSIGNEE_NOT_FOUND,
    ESCALATION_POLICY_NOT_FOUND,
    PDError,
    invalid,
    not_found,
)
from jirasync.sim.pagerduty.model import (
    Alert,
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

_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass
class Credentials:
    """API keys and OAuth tokens. A user key or user OAuth token acts as that user."""

    account_keys: dict[str, bool] = field(default_factory=dict)  # key -> read_only
    user_keys: dict[str, str] = field(default_factory=dict)  # key -> user id
    oauth_tokens: dict[str, str | None] = field(default_factory=dict)  # token -> user id


@dataclass
class State:
    users: dict[str, User] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    priorities: list[Priority] = field(default_factory=list)  # most severe first
    escalation_policies: dict[str, EscalationPolicy] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    custom_fields: dict[str, CustomField] = field(default_factory=dict)
    incidents: dict[str, Incident] = field(default_factory=dict)
    notes: dict[str, Note] = field(default_factory=dict)
    log_entries: dict[str, LogEntry] = field(default_factory=dict)
    alerts: dict[str, Alert] = field(default_factory=dict)
    subscriptions: dict[str, WebhookSubscription] = field(default_factory=dict)
    credentials: Credentials = field(default_factory=Credentials)
    abilities: set[str] = field(default_factory=set)
    clock: Callable[[], datetime] = utcnow
    # indexes, so creating the 10,000th incident or alert does not scan all the others
    _by_number: dict[int, str] = field(default_factory=dict)
    _by_key: dict[str, list[str]] = field(default_factory=dict)  # incident_key -> incident ids
    _alerts_by_key: dict[str, list[str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _numbers: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    # -- ids ----------------------------------------------------------------------------------
    def new_id(self, prefix: str = "P", width: int = 6) -> str:
        """A PagerDuty-looking id (`P` + 6 base-36 chars; incidents use `Q` + 13)."""
        n = next(self._ids)
        chars = []
        for _ in range(width):
            n, r = divmod(n, 36)
            chars.append(_ALPHABET[r])
        return prefix + "".join(reversed(chars))

    def next_incident_number(self) -> int:
        return next(self._numbers)

    def bump_incident_number(self, used: int) -> None:
        """Keep generated numbers above the numbers a seed gave explicitly."""
        current = next(self._numbers)
        self._numbers = itertools.count(max(current, used + 1))

    # -- adding -----------------------------------------------------------------------------
    def add_incident(self, incident: Incident) -> None:
        self.incidents[incident.id] = incident
        self._by_number[incident.number] = incident.id
        if incident.incident_key:
            self._by_key.setdefault(incident.incident_key, []).append(incident.id)

    def add_alert(self, alert: Alert) -> None:
        self.alerts[alert.id] = alert
        self._alerts_by_key.setdefault(alert.alert_key, []).append(alert.id)

    def incidents_with_key(self, key: str) -> list[Incident]:
        return [self.incidents[i] for i in self._by_key.get(key, [])]

    def alerts_with_key(self, key: str) -> list[Alert]:
        return [self.alerts[a] for a in self._alerts_by_key.get(key, [])]

    def number_taken(self, number: int) -> bool:
        return number in self._by_number

    # -- lookups that raise PagerDuty errors --------------------------------------------------
    def incident(self, id_or_number: str) -> Incident:
        """An incident by id or by incident number, as GET /incidents/{id} accepts both."""
        found = self.incidents.get(id_or_number)
        if found is None and id_or_number.isdigit():
            found = self.incidents.get(self._by_number.get(int(id_or_number), ""))
        if found is None:
            raise not_found()
        return found

    def user_by_email(self, email: str) -> User | None:
        wanted = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == wanted), None)

    def priority(self, id_: str) -> Priority | None:
        return next((p for p in self.priorities if p.id == id_), None)

    def priority_by_name(self, name: str) -> Priority | None:
        # the most severe priority with that name (priorities are ordered most severe first)
        return next((p for p in self.priorities if p.name == name), None)

    def service(self, id_: str) -> Service:
        found = self.services.get(id_)
        if found is None:
            raise not_found()
        return found

    def service_by_routing_key(self, key: str) -> Service | None:
        return next((s for s in self.services.values() if s.routing_key == key), None)

    def require_user(self, id_: str) -> User:
        user = self.users.get(id_)
        if user is None:
            raise PDError(
                400, "Assigned To User Not Found", ASSIGNEE_NOT_FOUND, [f"User {id_} not found"]
            )
        return user

    def require_policy(self, id_: str) -> EscalationPolicy:
        policy = self.escalation_policies.get(id_)
        if policy is None:
            raise PDError(
                400,
                "Escalation Policy Not Found",
                ESCALATION_POLICY_NOT_FOUND,
                [f"{id_} not found"],
            )
        return policy

    def custom_field(self, id_or_name: str) -> CustomField:
        for cf in self.custom_fields.values():
            if id_or_name in (cf.id, cf.name):
                return cf
        raise invalid(f"Custom field {id_or_name} not found")
