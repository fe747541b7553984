"""Seed documents (YAML/JSON mappings) → a fresh `State`, with validation that names the
offending entry (`services[1].escalation_policy: no escalation policy 'Ops'`).

Entries refer to each other by id or by name (users also by email), so hand-written seeds stay
readable. `DEFAULT_SEED` is used when the simulator starts without `--seed`; its fixed demo
credentials are documented in docs/simulators/pagerduty.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from importlib import resources
from typing import Any

import yaml

from jirasync.sim.common import SeedError
from jirasync.sim.pagerduty.model import (
    STATUSES,
    URGENCIES,
    Actor,
    Assignment,
    CustomField,
    EscalationPolicy,
    Incident,
    LogEntry,
    Priority,
    Service,
    Team,
    User,
    WebhookSubscription,
)
from jirasync.sim.pagerduty.state import State

KNOWN_SECTIONS = {
    "api_keys",
    "users",
    "teams",
    "priorities",
    "escalation_policies",
    "services",
    "custom_fields",
    "incidents",
    "webhook_subscriptions",
    "abilities",
}

DEFAULT_ABILITIES = ["teams", "urgencies", "incident_priorities", "custom_incident_fields"]


def _default_seed() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("default_seed.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


DEFAULT_SEED: dict[str, Any] = _default_seed()

ALL_INCIDENT_EVENTS = [
    "incident.acknowledged",
    "incident.annotated",
    "incident.conference_bridge.updated",
    "incident.custom_field_values.updated",
    "incident.delegated",
    "incident.escalated",
    "incident.incident_type.changed",
    "incident.priority_updated",
    "incident.reassigned",
    "incident.reopened",
    "incident.resolved",
    "incident.responder.added",
    "incident.responder.replied",
    "incident.service_updated",
    "incident.status_update_published",
    "incident.triggered",
    "incident.unacknowledged",
]


def build_state(seed: dict[str, Any], webhook_url: str | None = None) -> State:
    """Validate `seed` and build the state it describes; raise SeedError on the first problem."""
    unknown = set(seed) - KNOWN_SECTIONS
    if unknown:
        raise SeedError(f"unknown seed section(s): {', '.join(sorted(unknown))}")
    state = State()
    loader = _Loader(state, webhook_url)
    loader.teams(_section(seed, "teams"))
    loader.users(_section(seed, "users"))
    loader.api_keys(seed.get("api_keys") or {})
    loader.priorities(_section(seed, "priorities"))
    loader.policies(_section(seed, "escalation_policies"))
    loader.services(_section(seed, "services"))
    loader.custom_fields(_section(seed, "custom_fields"))
    loader.incidents(_section(seed, "incidents"))
    loader.subscriptions(_section(seed, "webhook_subscriptions"))
    abilities = seed.get("abilities", DEFAULT_ABILITIES)
    if not isinstance(abilities, list) or not all(isinstance(a, str) for a in abilities):
        raise SeedError("abilities: must be a list of ability names")
    state.abilities = set(abilities)
    return state


def _section(seed: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items = seed.get(name) or []
    if not isinstance(items, list):
        raise SeedError(f"{name}: must be a list")
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SeedError(f"{name}[{i}]: must be a mapping")
    return items


def _str(item: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = item.get(key, default)
    if not isinstance(value, str) or not value:
        raise SeedError(f"{where}.{key}: required, a non-empty string")
    return value


def _str_list(item: dict[str, Any], key: str, where: str) -> list[str]:
    value = item.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SeedError(f"{where}.{key}: must be a list of strings")
    return value


class _Loader:
    def __init__(self, state: State, webhook_url: str | None) -> None:
        self.state = state
        self.webhook_url = webhook_url

    def _id(self, item: dict[str, Any], where: str, taken: Mapping[str, Any]) -> str:
        id_ = item.get("id")
        if id_ is None:
            return self.state.new_id()
        if not isinstance(id_, str) or not id_.isalnum():
            raise SeedError(f"{where}.id: must be letters and digits")
        if id_ in taken:
            raise SeedError(f"{where}.id: {id_} is used twice")
        return id_

    # -- lookups by id or name ----------------------------------------------------------------
    def team_id(self, ref: str, where: str) -> str:
        for team in self.state.teams.values():
            if ref in (team.id, team.name):
                return team.id
        raise SeedError(f"{where}: no team {ref!r}")

    def user_id(self, ref: str, where: str) -> str:
        user = self.state.users.get(ref) or self.state.user_by_email(ref)
        if user is None:
            raise SeedError(f"{where}: no user {ref!r} (give an id or an email)")
        return user.id

    def policy_id(self, ref: str, where: str) -> str:
        for policy in self.state.escalation_policies.values():
            if ref in (policy.id, policy.name):
                return policy.id
        raise SeedError(f"{where}: no escalation policy {ref!r}")

    def service_id(self, ref: str, where: str) -> str:
        for service in self.state.services.values():
            if ref in (service.id, service.name):
                return service.id
        raise SeedError(f"{where}: no service {ref!r}")

    # -- sections -----------------------------------------------------------------------------
    def teams(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"teams[{i}]"
            team = Team(
                self._id(item, where, self.state.teams),
                _str(item, "name", where),
                item.get("description", ""),
            )
            self.state.teams[team.id] = team

    def users(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"users[{i}]"
            email = _str(item, "email", where)
            if "@" not in email:
                raise SeedError(f"{where}.email: {email!r} is not an email address")
            if self.state.user_by_email(email):
                raise SeedError(f"{where}.email: {email!r} is used twice")
            user = User(
                id=self._id(item, where, self.state.users),
                name=_str(item, "name", where),
                email=email,
                role=str(item.get("role", "user")),
                time_zone=str(item.get("time_zone", "Etc/UTC")),
                job_title=str(item.get("job_title", "")),
                team_ids=[
                    self.team_id(t, f"{where}.teams") for t in _str_list(item, "teams", where)
                ],
            )
            self.state.users[user.id] = user
            if "api_key" in item:
                self.state.credentials.user_keys[_str(item, "api_key", where)] = user.id

    def api_keys(self, section: Any) -> None:
        if not isinstance(section, dict):
            raise SeedError("api_keys: must be a mapping with 'account' and 'oauth' lists")
        for i, entry in enumerate(section.get("account") or []):
            where = f"api_keys.account[{i}]"
            if isinstance(entry, str):
                entry = {"key": entry}
            if not isinstance(entry, dict):
                raise SeedError(f"{where}: a key string or a mapping with 'key'")
            self.state.credentials.account_keys[_str(entry, "key", where)] = bool(
                entry.get("read_only", False)
            )
        for i, entry in enumerate(section.get("oauth") or []):
            where = f"api_keys.oauth[{i}]"
            if not isinstance(entry, dict):
                raise SeedError(f"{where}: a mapping with 'token' and optional 'user'")
            user = entry.get("user")
            user_id = self.user_id(user, f"{where}.user") if isinstance(user, str) else None
            self.state.credentials.oauth_tokens[_str(entry, "token", where)] = user_id

    def priorities(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"priorities[{i}]"
            priority = Priority(
                self._id(item, where, {p.id: p for p in self.state.priorities}),
                _str(item, "name", where),
                str(item.get("description", "")),
            )
            self.state.priorities.append(priority)

    def policies(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"escalation_policies[{i}]"
            levels_raw = item.get("levels")
            if not isinstance(levels_raw, list) or not levels_raw:
                raise SeedError(f"{where}.levels: a non-empty list of lists of users")
            levels: list[list[str]] = []
            for n, level in enumerate(levels_raw):
                if not isinstance(level, list) or not level:
                    raise SeedError(f"{where}.levels[{n}]: a non-empty list of users")
                levels.append([self.user_id(str(u), f"{where}.levels[{n}]") for u in level])
            policy = EscalationPolicy(
                id=self._id(item, where, self.state.escalation_policies),
                name=_str(item, "name", where),
                levels=levels,
                team_ids=[
                    self.team_id(t, f"{where}.teams") for t in _str_list(item, "teams", where)
                ],
                description=str(item.get("description", "")),
                num_loops=_int(item, "num_loops", where, 0),
            )
            self.state.escalation_policies[policy.id] = policy

    def services(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"services[{i}]"
            routing_key = str(item.get("routing_key") or secrets.token_hex(16))
            if self.state.service_by_routing_key(routing_key):
                raise SeedError(f"{where}.routing_key: used by another service")
            service = Service(
                id=self._id(item, where, self.state.services),
                name=_str(item, "name", where),
                escalation_policy_id=self.policy_id(
                    _str(item, "escalation_policy", where), f"{where}.escalation_policy"
                ),
                routing_key=routing_key,
                integration_id=self.state.new_id("P"),
                team_ids=[
                    self.team_id(t, f"{where}.teams") for t in _str_list(item, "teams", where)
                ],
                description=str(item.get("description", "")),
                created_at=self.state.clock() - timedelta(days=30),
            )
            self.state.services[service.id] = service

    def custom_fields(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"custom_fields[{i}]"
            name = _str(item, "name", where)
            field = CustomField(
                id=self._id(item, where, self.state.custom_fields),
                name=name,
                display_name=str(item.get("display_name", name)),
                data_type=str(item.get("data_type", "string")),
                field_type=str(item.get("field_type", "single_value")),
                description=str(item.get("description", "")),
            )
            self.state.custom_fields[field.id] = field

    def incidents(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            self.incident(item, f"incidents[{i}]")

    def incident(self, item: dict[str, Any], where: str) -> None:
        state = self.state
        service = state.services[self.service_id(_str(item, "service", where), f"{where}.service")]
        status = _choice(item, "status", STATUSES, where, "triggered")
        key = item.get("incident_key")
        if key is not None and not isinstance(key, str):
            raise SeedError(f"{where}.incident_key: a string")
        if key and status != "resolved" and _open_with_key(state, service.id, key):
            raise SeedError(f"{where}.incident_key: another open incident on the service has it")
        created_at = _datetime(item.get("created_at"), f"{where}.created_at") or state.clock()
        incident = Incident(
            id=self._id(item, where, state.incidents) if "id" in item else state.new_id("Q", 13),
            number=self._incident_number(item, where),
            title=_str(item, "title", where),
            service_id=service.id,
            escalation_policy_id=service.escalation_policy_id,
            created_at=created_at,
            status=status,
            urgency=_choice(item, "urgency", URGENCIES, where, "high"),
            incident_key=key,
            details=str(item["details"]) if item.get("details") is not None else None,
            priority_id=self._priority_id(item, where),
            updated_at=created_at,
            last_status_change_at=created_at,
        )
        self._place(incident, _str_list(item, "assigned_to", where), where)
        self._trigger_entry(incident)
        state.add_incident(incident)

    def _incident_number(self, item: dict[str, Any], where: str) -> int:
        number = item.get("number")
        if number is None:
            return self.state.next_incident_number()
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise SeedError(f"{where}.number: a positive integer")
        if self.state.number_taken(number):
            raise SeedError(f"{where}.number: {number} is used twice")
        self.state.bump_incident_number(number)
        return number

    def _priority_id(self, item: dict[str, Any], where: str) -> str | None:
        if item.get("priority") is None:
            return None
        wanted = item["priority"]
        priority = next((p for p in self.state.priorities if wanted in (p.id, p.name)), None)
        if priority is None:
            raise SeedError(f"{where}.priority: no priority {wanted!r}")
        return priority.id

    def _place(self, incident: Incident, assigned_to: list[str], where: str) -> None:
        """Assignments, acknowledgements and resolution as the seeded status implies."""
        at = incident.created_at
        if incident.status == "resolved":
            incident.resolved_at = at
            return
        policy = self.state.escalation_policies[incident.escalation_policy_id]
        user_ids = [self.user_id(u, f"{where}.assigned_to") for u in assigned_to] or policy.levels[
            0
        ]
        incident.assignments = [Assignment(u, at) for u in user_ids]
        if assigned_to:
            incident.assigned_via = "direct_assignment"
        if incident.status == "acknowledged":
            incident.acknowledgements = [Assignment(u, at) for u in user_ids]

    def _trigger_entry(self, incident: Incident) -> None:
        entry = LogEntry(
            id=self.state.new_id("R", 13),
            type="trigger_log_entry",
            incident_id=incident.id,
            created_at=incident.created_at,
            agent=Actor("service", incident.service_id),
            channel={"type": "api"},
            summary="Triggered through the API",
        )
        self.state.log_entries[entry.id] = entry
        incident.log_entry_ids.append(entry.id)
        incident.first_trigger_log_entry_id = entry.id

    def subscriptions(self, items: list[dict[str, Any]]) -> None:
        for i, item in enumerate(items):
            where = f"webhook_subscriptions[{i}]"
            url = self.webhook_url or _str(item, "url", where)
            if not url.startswith(("http://", "https://")):
                raise SeedError(f"{where}.url: must be an http(s) URL")
            filter_type, filter_id = self._filter(item.get("filter") or {}, f"{where}.filter")
            secrets_list = _str_list(item, "secrets", where) or [
                str(item.get("secret") or secrets.token_urlsafe(48))
            ]
            events = _str_list(item, "events", where) or list(ALL_INCIDENT_EVENTS)
            version = item.get("version", "v3")
            if version not in ("v3", "v2"):
                raise SeedError(f"{where}.version: v3 (default) or v2")
            sub = WebhookSubscription(
                id=self._id(item, where, self.state.subscriptions),
                url=url,
                events=events,
                filter_type=filter_type,
                filter_id=filter_id,
                secrets=secrets_list,
                delivery_method_id=self.state.new_id("P"),
                description=str(item.get("description", "")),
                active=bool(item.get("active", True)),
                version=version,
            )
            self.state.subscriptions[sub.id] = sub

    def _filter(self, raw: Any, where: str) -> tuple[str, str | None]:
        if not isinstance(raw, dict):
            raise SeedError(f"{where}: a mapping with 'type' and 'id'")
        kind = str(raw.get("type", "account_reference")).removesuffix("_reference")
        ref = raw.get("id")
        if kind == "account":
            return "account_reference", None
        if not isinstance(ref, str):
            raise SeedError(f"{where}.id: required for a {kind} filter")
        if kind == "service":
            return "service_reference", self.service_id(ref, f"{where}.id")
        if kind == "team":
            return "team_reference", self.team_id(ref, f"{where}.id")
        raise SeedError(f"{where}.type: service_reference, team_reference or account_reference")


def _choice(
    item: dict[str, Any], key: str, allowed: tuple[str, ...], where: str, default: str
) -> Any:
    value = item.get(key, default)
    if value not in allowed:
        raise SeedError(f"{where}.{key}: one of {', '.join(allowed)}")
    return value


def _int(item: dict[str, Any], key: str, where: str, default: int) -> int:
    value = item.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise SeedError(f"{where}.{key}: a non-negative integer")
    return value


def _open_with_key(state: State, service_id: str, key: str) -> bool:
    return any(
        i.service_id == service_id and i.incident_key == key and i.status != "resolved"
        for i in state.incidents_with_key(key)
    )


def _datetime(value: Any, where: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise SeedError(f"{where}: not an ISO 8601 date-time") from exc
    if parsed.tzinfo is None:
        raise SeedError(f"{where}: needs a time zone (e.g. Z)")
    return parsed
