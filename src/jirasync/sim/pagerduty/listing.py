"""Filters, sorting and `include[]` expansion for GET /incidents and the log-entry lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.datastructures import QueryParams

from jirasync.sim.pagerduty.errors import invalid
from jirasync.sim.pagerduty.model import Incident
from jirasync.sim.pagerduty.pagination import multi
from jirasync.sim.pagerduty.serialize import Serializer
from jirasync.sim.pagerduty.state import State

JSON = dict[str, Any]
DEFAULT_WINDOW = timedelta(days=30)
MAX_WINDOW = timedelta(days=180)
SORT_FIELDS = {"incident_number", "created_at", "resolved_at", "urgency"}


def parse_time(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise invalid(f"Invalid '{name}' parameter: not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def time_window(
    params: QueryParams, now: datetime, default: timedelta | None
) -> tuple[datetime | None, datetime | None]:
    """`since`/`until`; `default` fills a missing `since` (incidents: one month back)."""
    if params.get("date_range") == "all":
        return None, None
    until = parse_time(params["until"], "until") if params.get("until") else None
    since = parse_time(params["since"], "since") if params.get("since") else None
    if since is None and default is not None:
        since = (until or now) - default
    if since and until:
        if since > until:
            raise invalid("'since' must be before 'until'")
        if default is not None and until - since > MAX_WINDOW:
            raise invalid("The date range may not be longer than 6 months")
    return since, until


def _within(at: datetime, since: datetime | None, until: datetime | None) -> bool:
    return (since is None or at >= since) and (until is None or at < until)


def filter_incidents(state: State, params: QueryParams) -> list[Incident]:
    since, until = time_window(params, state.clock(), DEFAULT_WINDOW)
    statuses = set(multi(params, "statuses"))
    if statuses - {"triggered", "acknowledged", "resolved"}:
        raise invalid("statuses must be triggered, acknowledged or resolved")
    urgencies = set(multi(params, "urgencies"))
    services = set(multi(params, "service_ids"))
    teams = set(multi(params, "team_ids"))
    users = set(multi(params, "user_ids"))
    key = params.get("incident_key")

    def keep(i: Incident) -> bool:
        service = state.services[i.service_id]
        return (
            (not statuses or i.status in statuses)
            and (not urgencies or i.urgency in urgencies)
            and (not services or i.service_id in services)
            and (not teams or bool(teams & set(service.team_ids)))
            and (not users or bool(users & {a.user_id for a in i.assignments}))
            # the default one-month window applies to incident_key lookups too (use
            # date_range=all to look further back)
            and _within(i.created_at, since, until)
        )

    found = [i for i in _candidates(state, key) if keep(i)]
    return sort_incidents(found, params.getlist("sort_by"))


def _candidates(state: State, key: str | None) -> Iterable[Incident]:
    """All incidents, or those whose incident_key or one of whose alerts' keys is `key`."""
    if key is None:
        return state.incidents.values()
    ids = {i.id for i in state.incidents_with_key(key)}
    ids |= {a.incident_id for a in state.alerts_with_key(key)}
    return [state.incidents[i] for i in ids]


def sort_incidents(incidents: list[Incident], sort_by: list[str]) -> list[Incident]:
    specs = [s for raw in sort_by for s in raw.split(",") if s]
    if len(specs) > 2:
        raise invalid("sort_by accepts at most two fields")
    ordered = sorted(incidents, key=lambda i: i.number)
    for spec in reversed(specs):  # stable sorts: apply the secondary key first
        field, _, direction = spec.partition(":")
        if field not in SORT_FIELDS or direction not in ("", "asc", "desc"):
            raise invalid(f"Invalid sort_by value {spec!r}")
        ordered.sort(key=_sort_key(field), reverse=direction == "desc")
    return ordered


def _sort_key(field: str) -> Callable[[Incident], Any]:
    if field == "incident_number":
        return lambda i: i.number
    if field == "created_at":
        return lambda i: i.created_at
    if field == "urgency":
        return lambda i: 0 if i.urgency == "high" else 1
    return lambda i: (i.resolved_at is None, i.resolved_at or i.created_at)


INCIDENT_INCLUDES = {
    "acknowledgers",
    "agents",
    "assignees",
    "conference_bridge",
    "custom_fields",
    "escalation_policies",
    "first_trigger_log_entries",
    "priorities",
    "services",
    "teams",
    "users",
    "body",
}


def includes(params: QueryParams, allowed: Iterable[str]) -> set[str]:
    wanted = set(multi(params, "include"))
    unknown = wanted - set(allowed)
    if unknown:
        raise invalid(f"Invalid include value(s): {', '.join(sorted(unknown))}")
    return wanted


def render_incident(ser: Serializer, incident: Incident, include: set[str]) -> JSON:
    """The incident with the references named in `include[]` replaced by full objects."""
    state = ser.state
    data = ser.incident(incident, include)
    if "services" in include:
        data["service"] = ser.service(state.services[incident.service_id])
    if "escalation_policies" in include:
        data["escalation_policy"] = ser.escalation_policy(
            state.escalation_policies[incident.escalation_policy_id]
        )
    if "priorities" in include and incident.priority_id:
        priority = state.priority(incident.priority_id)
        data["priority"] = ser.priority(priority) if priority else None
    if "teams" in include:
        data["teams"] = [ser.team(state.teams[t["id"]]) for t in data["teams"]]
    if include & {"assignees", "users"}:
        for item in data["assignments"]:
            item["assignee"] = ser.user(state.users[item["assignee"]["id"]])
    if include & {"acknowledgers", "users"}:
        for item in data["acknowledgements"]:
            item["acknowledger"] = ser.user(state.users[item["acknowledger"]["id"]])
    if "first_trigger_log_entries" in include and incident.first_trigger_log_entry_id:
        data["first_trigger_log_entry"] = ser.log_entry(
            state.log_entries[incident.first_trigger_log_entry_id]
        )
    return data
