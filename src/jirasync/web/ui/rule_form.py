"""Between the rules editor's form and PagerDuty's rule schema, both ways (no I/O).

Each section's entries are numbered fields (`s1-0-events`, `s1-1-events`…) counted by
`s1-count`; each entry carries `s1-0-from`, the index of the stored entry it edits, so that
what the form does not show (unknown keys, labels, icons) survives a save even after entries
before it were removed. An action the form offers for a section is written exactly as the
planner reads it; actions it does not offer there are kept as stored.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from jirasync.core.rules.pagerduty import Extensions

SECTIONS = {
    "s1": "autocreate_issues_config",
    "s2": "autocreate_incidents_config",
    "s3": "react_on_incident_event_config",
    "s4": "react_on_issue_status_change_config",
}
SWITCHES = {
    "s1": "autocreate_issues",
    "s2": "autocreate_incidents",
    "s3": "react_on_incident_event",
    "s4": "react_on_issue_status_change",
}
TABLES = {"cf": "create_fields", "tf": "transition_fields"}
# The incident fields the description can be made of (PagerDuty's template tokens).
DESCRIBE_TOKENS = (
    ("incident.title", "title"),
    ("incident.incident_number", "number"),
    ("incident.status", "status"),
    ("incident.urgency", "urgency"),
    ("incident.priority.summary", "priority"),
    ("incident.service.summary", "service"),
    ("incident.escalation_policy.summary", "escalation policy"),
    ("incident.assignee", "assignee"),
    ("incident.created_at", "created at"),
    ("incident.html_url", "link"),
    ("log_entries.channel.details", "details"),
)
MAX_ENTRIES = 50
# The planner assigns the Jira user of the incident's assignee (user mapping), as PagerDuty
# words it.
ASSIGNEE = {"key": "incident.assignee", "icon": "pd"}
_TOKEN_PREFIXES = ("incident.", "log_entries.")


# -- reading the form ----------------------------------------------------------------------------
def _one(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _many(form: FormData, key: str) -> list[str]:
    return [v for v in form.getlist(key) if isinstance(v, str) and v]


def _flag(form: FormData, key: str) -> bool:
    return form.get(key) == "on"


Reader = Callable[[FormData, str], Any]
# Each section's entry fields and how each is read.
ENTRY_FIELDS: dict[str, dict[str, Reader]] = {
    "s1": {
        "from": _one,
        "events": _many,
        "priorities": _many,
        "urgency": _one,
        "project": _one,
        "issue_type": _one,
        "describe": _many,
        "priority": _one,
        "labels": _one,
        "assignee": _flag,
    },
    "s2": {
        "from": _one,
        "jql": _one,
        "on_create": _flag,
        "on_update": _flag,
        "service": _one,
        "pd_priority": _one,
        "priority": _one,
        "labels": _one,
    },
    "s3": {
        "from": _one,
        "events": _many,
        "priorities": _many,
        "urgency": _one,
        "status": _one,
        "priority": _one,
        "labels": _one,
        "assignee": _flag,
    },
    "s4": {
        "from": _one,
        "statuses": _many,
        "done": _flag,
        "acknowledge": _flag,
        "resolve": _flag,
        "pd_priority": _one,
        "responders": _many,
    },
}


def blank_entry(section: str) -> dict[str, Any]:
    blanks: dict[Reader, Any] = {_one: "", _many: [], _flag: False}
    return {name: blanks[reader] for name, reader in ENTRY_FIELDS[section].items()}


def _count(form: FormData, key: str) -> int:
    text = _one(form, key)
    number = _number(text, 4)
    return min(number, MAX_ENTRIES) if number is not None else 0


def _number(text: str, digits: int) -> int | None:
    """A small whole number written in ASCII digits, else None (never an exception)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < digits else None


def read_form(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {"name": _one(form, "name")}
    values |= {key: _many(form, key) for key in ("services", "projects", "issue_types")}
    for key in ("enabled", "sync_comments", "sync_priority", *(f"{s}_on" for s in SECTIONS)):
        values[key] = _flag(form, key)
    for section, fields in ENTRY_FIELDS.items():
        values[section] = [
            {name: read(form, f"{section}-{i}-{name}") for name, read in fields.items()}
            for i in range(_count(form, f"{section}-count"))
        ]
    for table in TABLES:
        rows = range(_count(form, f"{table}-count"))
        values[table] = [
            {"field": _one(form, f"{table}-{i}-field"), "value": _one(form, f"{table}-{i}-value")}
            for i in rows
        ]
    for key in ("pagerduty_connection_id", "jira_connection_id"):
        text = _one(form, key)
        values[key] = _number(text, 10)
    values["to_jira"] = {k[9:]: str(v) for k, v in form.items() if k.startswith("to_jira__") and v}
    values["to_pd"] = {k[7:]: str(v) for k, v in form.items() if k.startswith("to_pd__") and v}
    return values


def change_entries(values: dict[str, Any], add: str, remove: str) -> dict[str, Any]:
    """`add=s1` gives section 1 one more entry; `remove=s1-2` takes its third away (the same
    for the field tables `cf` and `tf`)."""
    changed = dict(values)
    if add in ENTRY_FIELDS:
        changed[add] = [*values[add], blank_entry(add)]
    elif add in TABLES:
        changed[add] = [*values[add], {"field": "", "value": ""}]
    where, _, index = remove.partition("-")
    number = _number(index, 4)
    if (where in ENTRY_FIELDS or where in TABLES) and number is not None:
        changed[where] = [e for i, e in enumerate(values[where]) if i != number]
    return changed


# -- form → rule ---------------------------------------------------------------------------------
def build_rule(values: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The rule the form describes, over `base` (the stored rule: what the form does not show
    stays as it was)."""
    config = dict(base.get("config") or {})
    config |= {
        "services": _references(values["services"], config.get("services"), "service_reference"),
        "projects": _projects(values["projects"], config.get("projects")),
        "issue_types": _references(values["issue_types"], config.get("issue_types"), None),
        "sync_comments": values["sync_comments"],
    }
    builders = {
        "s1": _autocreate_issue,
        "s2": _autocreate_incident,
        "s3": _on_incident_event,
        "s4": _on_status_change,
    }
    for section, key in SECTIONS.items():
        stored = list(config.get(key) or [])
        config[SWITCHES[section]] = values[f"{section}_on"]
        config[key] = [
            builders[section](entry, _origin(stored, entry["from"])) for entry in values[section]
        ]
    extensions = dict(config.get("jirasync") or {})
    extensions["priority_to_jira"] = values["to_jira"]
    extensions["priority_to_pagerduty"] = values["to_pd"]
    extensions["sync_priority"] = values["sync_priority"]
    for table, key in TABLES.items():
        extensions[key] = {r["field"]: _value(r["value"]) for r in values[table] if r["field"]}
    if "jirasync" in config or extensions != Extensions().model_dump(mode="json"):
        config["jirasync"] = extensions  # a rule from PagerDuty gets no block of defaults
    return {**base, "name": values["name"], "enabled": values["enabled"], "config": config}


def _origin(stored: list[Any], index: str) -> dict[str, Any]:
    number = _number(index, 4)
    if number is not None and number < len(stored) and isinstance(stored[number], dict):
        return dict(stored[number])
    return {}


def _value(text: str) -> Any:
    """A field's value: JSON when it is an object or a list (`{"value": "High"}`), else text."""
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


def _condition(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    condition = dict(origin.get("condition") or {})
    condition["pd_events"] = entry["events"]
    condition["pd_priorities"] = _references(
        entry["priorities"], condition.get("pd_priorities"), "priority_reference"
    )
    condition["pd_urgency"] = entry["urgency"] or None
    return condition


def _projects(keys: list[str], stored: Any) -> list[dict[str, Any]]:
    known = {str(p.get("key")): p for p in stored or [] if isinstance(p, dict)}
    return [known.get(k) or {"key": k} for k in keys]


def _references(ids: list[str], stored: Any, kind: str | None) -> list[dict[str, Any]]:
    """References to `ids`, each as stored when it was (labels and summaries kept)."""
    known = {str(r.get("id")): r for r in stored or [] if isinstance(r, dict)}
    new: dict[str, Any] = {"type": kind} if kind else {}
    return [known.get(i) or {"id": i, **new} for i in ids]


def _autocreate_issue(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    item = origin | {"condition": _condition(entry, origin)}
    _target(item, "target_project", {"key": entry["project"]} if entry["project"] else None)
    issue_type = {"id": entry["issue_type"]} if entry["issue_type"] else None
    _target(item, "target_issue_type", issue_type)
    chosen = _jira_field_actions(entry, origin)
    if entry["describe"]:
        chosen["jira_append_description"] = _describe(entry["describe"], origin)
    return _with_actions(item, chosen, S1_ACTIONS)


def _autocreate_incident(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    item = origin | {
        "jql": entry["jql"],
        "on_create": entry["on_create"],
        "on_update": entry["on_update"],
    }
    service = {"id": entry["service"], "type": "service_reference"} if entry["service"] else None
    _target(item, "target_service", service)
    chosen = _pd_priority(entry, origin) | _jira_field_actions(entry, origin)
    return _with_actions(item, chosen, S2_ACTIONS)


def _on_incident_event(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    item = origin | {"condition": _condition(entry, origin)}
    chosen = _jira_field_actions(entry, origin)
    if entry["status"]:
        stored = _param(origin, "jira_change_status")
        same = isinstance(stored, dict) and str(stored.get("id")) == entry["status"]
        chosen["jira_change_status"] = stored if same else {"id": entry["status"]}
    return _with_actions(item, chosen, S3_ACTIONS)


def _on_status_change(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    item = origin | {
        "jira_statuses": _references(entry["statuses"], origin.get("jira_statuses"), None)
    }
    categories = _categories(entry["done"], origin)
    if categories or "jira_status_categories" in origin:
        item["jira_status_categories"] = categories
    chosen: dict[str, Any] = _pd_priority(entry, origin)
    if entry["acknowledge"]:
        chosen["pd_acknowledge"] = None
    if entry["resolve"]:
        chosen["pd_resolve"] = None
    if entry["responders"]:
        chosen["pd_add_responders"] = _references(
            entry["responders"], _param(origin, "pd_add_responders"), "user_reference"
        )
    return _with_actions(item, chosen, S4_ACTIONS)


def _categories(done: bool, origin: dict[str, Any]) -> list[str]:
    others = [c for c in origin.get("jira_status_categories") or [] if c != "done"]
    return [*others, "done"] if done else others


def _target(item: dict[str, Any], key: str, target: dict[str, Any] | None) -> None:
    stored = item.get(key)
    if target is None:
        if stored is not None:
            item[key] = None  # PagerDuty's own rules say null for "the rule's first"
    elif not (isinstance(stored, dict) and all(stored.get(k) == v for k, v in target.items())):
        item[key] = target


def _param(origin: dict[str, Any], key: str) -> Any:
    return (origin.get("actions_params") or {}).get(key)


def _jira_field_actions(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    if entry["priority"]:
        stored = _param(origin, "jira_field_set_priority")
        same = isinstance(stored, dict) and entry["priority"] in (
            stored.get("name"),
            stored.get("id"),
        )
        chosen["jira_field_set_priority"] = stored if same else {"name": entry["priority"]}
    labels = [t.strip() for t in entry["labels"].split(",") if t.strip()]
    if labels:
        chosen["jira_field_set_labels"] = [
            _item(label, _param(origin, "jira_field_set_labels")) for label in labels
        ]
    if entry.get("assignee"):
        stored_assignee = _param(origin, "jira_field_set_assignee")
        chosen["jira_field_set_assignee"] = stored_assignee or ASSIGNEE
    return chosen


def _item(text: str, stored: Any) -> dict[str, Any]:
    """A template item: an incident token, or constant text (as stored when it was)."""
    for item in stored or []:
        if isinstance(item, dict) and item.get("key") == text:
            return dict(item)
    return {"key": text, "icon": "pd" if text.startswith(_TOKEN_PREFIXES) else "text"}


def _describe(tokens: list[str], origin: dict[str, Any]) -> list[dict[str, Any]]:
    """The chosen incident fields, plus the stored items the form does not offer (text)."""
    stored = [i for i in _param(origin, "jira_append_description") or [] if isinstance(i, dict)]
    offered = {t for t, _ in DESCRIBE_TOKENS}
    kept = [i for i in stored if i.get("key") not in offered or i.get("key") in tokens]
    have = {i.get("key") for i in kept}
    return kept + [{"key": t, "icon": "pd"} for t in tokens if t not in have]


def _pd_priority(entry: dict[str, Any], origin: dict[str, Any]) -> dict[str, Any]:
    if not entry["pd_priority"]:
        return {}
    stored = _param(origin, "pd_set_priority")
    same = isinstance(stored, dict) and str(stored.get("id")) == entry["pd_priority"]
    new = {"id": entry["pd_priority"], "type": "priority_reference"}
    return {"pd_set_priority": stored if same else new}


# The actions the form offers in each section (the planner's, for that section).
S1_ACTIONS = (
    "jira_append_description",
    "jira_field_set_priority",
    "jira_field_set_labels",
    "jira_field_set_assignee",
)
# Section 2's Jira actions follow once the incident exists (labels are added).
S2_ACTIONS = ("pd_set_priority", "jira_field_set_priority", "jira_field_set_labels")
S3_ACTIONS = (
    "jira_change_status",
    "jira_field_set_priority",
    "jira_field_set_labels",
    "jira_field_set_assignee",
)
S4_ACTIONS = ("pd_acknowledge", "pd_resolve", "pd_set_priority", "pd_add_responders")


def _with_actions(
    item: dict[str, Any], chosen: dict[str, Any], offered: tuple[str, ...]
) -> dict[str, Any]:
    """`item` doing the `chosen` actions (key → param, None for none) of those `offered`;
    actions not offered stay as stored, chosen ones keep their place, label and icon."""
    stored = [a for a in item.get("actions") or [] if isinstance(a, dict)]
    actions: list[dict[str, Any]] = []
    for action in stored:
        key = action.get("key")
        if key in chosen:
            actions.append({**action, "isDisabled": False} if action.get("isDisabled") else action)
        elif key not in offered or action.get("isDisabled"):
            # Not the form's to say, or switched off ("isDisabled") and left off: as stored.
            actions.append(action)
    placed = {a.get("key") for a in actions}
    actions += [{"key": key} for key in chosen if key not in placed]
    kept = {a.get("key") for a in actions if a.get("key") not in chosen}
    params = {k: v for k, v in (item.get("actions_params") or {}).items() if k in kept}
    params |= {k: v for k, v in chosen.items() if v is not None}
    built = item | {"actions": actions}
    if params or "actions_params" in item:
        built["actions_params"] = params
    return built


# -- rule → form ---------------------------------------------------------------------------------
def form_values(definition: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for a stored rule."""
    config = definition.get("config") or {}
    extensions = config.get("jirasync") or {}
    try:
        effective = Extensions.model_validate(extensions)
    except ValidationError:
        effective = Extensions()
    values: dict[str, Any] = {
        "services": [s["id"] for s in config.get("services") or []],
        "projects": [p["key"] for p in config.get("projects") or []],
        "issue_types": [t["id"] for t in config.get("issue_types") or []],
        "sync_comments": bool(config.get("sync_comments")),
        "sync_priority": effective.sync_priority,
        "to_jira": effective.priority_to_jira,
        "to_pd": effective.priority_to_pagerduty,
    }
    readers = {"s1": _s1_fields, "s2": _s2_fields, "s3": _s3_fields, "s4": _s4_fields}
    for section, key in SECTIONS.items():
        values[f"{section}_on"] = bool(config.get(SWITCHES[section]))
        entries = [e for e in config.get(key) or [] if isinstance(e, dict)]
        values[section] = [readers[section](e) | {"from": str(i)} for i, e in enumerate(entries)]
    for table, key in TABLES.items():
        rows = getattr(effective, key).items()
        values[table] = [{"field": f, "value": _shown(v)} for f, v in rows]
    return values


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _enabled(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's enabled actions → their params ({} for none)."""
    params = entry.get("actions_params") or {}
    return {
        str(a.get("key")): params.get(a.get("key"))
        for a in entry.get("actions") or []
        if isinstance(a, dict) and not a.get("isDisabled")
    }


def _condition_fields(entry: dict[str, Any]) -> dict[str, Any]:
    condition = entry.get("condition") or {}
    return {
        "events": condition.get("pd_events") or [],
        "priorities": [p["id"] for p in condition.get("pd_priorities") or []],
        "urgency": condition.get("pd_urgency") or "",
    }


def _jira_field_fields(actions: dict[str, Any]) -> dict[str, Any]:
    priority = actions.get("jira_field_set_priority")
    labels = actions.get("jira_field_set_labels")
    return {
        "priority": (
            str(priority.get("name") or priority.get("id") or "")
            if isinstance(priority, dict)
            else ""
        ),
        "labels": ", ".join(
            str(i.get("key")) for i in labels or [] if isinstance(i, dict) and i.get("key")
        )
        if isinstance(labels, list)
        else "",
        "assignee": "jira_field_set_assignee" in actions,
    }


def _s1_fields(entry: dict[str, Any]) -> dict[str, Any]:
    actions = _enabled(entry)
    describe = actions.get("jira_append_description")
    return {
        **_condition_fields(entry),
        "project": (entry.get("target_project") or {}).get("key", ""),
        "issue_type": (entry.get("target_issue_type") or {}).get("id", ""),
        "describe": [i.get("key") for i in describe if isinstance(i, dict)]
        if isinstance(describe, list)
        else [],
        **_jira_field_fields(actions),
    }


def _s2_fields(entry: dict[str, Any]) -> dict[str, Any]:
    actions = _enabled(entry)
    priority = actions.get("pd_set_priority")
    jira = _jira_field_fields(actions)
    return {
        "priority": jira["priority"],
        "labels": jira["labels"],
        "jql": entry.get("jql", ""),
        "on_create": bool(entry.get("on_create")),
        "on_update": bool(entry.get("on_update")),
        "service": (entry.get("target_service") or {}).get("id", ""),
        "pd_priority": str(priority.get("id", "")) if isinstance(priority, dict) else "",
    }


def _s3_fields(entry: dict[str, Any]) -> dict[str, Any]:
    actions = _enabled(entry)
    status = actions.get("jira_change_status")
    return {
        **_condition_fields(entry),
        "status": str(status.get("id", "")) if isinstance(status, dict) else "",
        **_jira_field_fields(actions),
    }


def _s4_fields(entry: dict[str, Any]) -> dict[str, Any]:
    actions = _enabled(entry)
    priority = actions.get("pd_set_priority")
    responders = actions.get("pd_add_responders")
    return {
        "statuses": [s["id"] for s in entry.get("jira_statuses") or []],
        "done": "done" in (entry.get("jira_status_categories") or []),
        "acknowledge": "pd_acknowledge" in actions,
        "resolve": "pd_resolve" in actions,
        "pd_priority": str(priority.get("id", "")) if isinstance(priority, dict) else "",
        "responders": [str(u.get("id")) for u in responders if isinstance(u, dict)]
        if isinstance(responders, list)
        else [],
    }
