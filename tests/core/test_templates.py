"""PagerDuty rule tokens resolve against real incident JSON."""

from __future__ import annotations

from jirasync.core.templates import render_items, resolve

INCIDENT = {
    "id": "Q1",
    "number": 42,
    "title": "Checkout latency",
    "status": "acknowledged",
    "urgency": "high",
    "html_url": "https://pd.example/incidents/Q1",
    "service": {"id": "PS1", "summary": "Checkout API"},
    "escalation_policy": {"id": "EP1", "summary": "Web on-call"},
    "priority": {"id": "PP1", "summary": "P1"},
    "assignments": [{"assignee": {"summary": "Ana"}}, {"assignee": {"summary": "Bo"}}],
    "acknowledgements": [{"acknowledger": {"summary": "Ana"}}],
    "body": {"details": "p99 over 2 s"},
}


def test_paths_aliases_and_lists() -> None:
    assert resolve("incident.title", INCIDENT) == "Checkout latency"
    assert resolve("incident.incident_number", INCIDENT) == "42"
    assert resolve("incident.service.summary", INCIDENT) == "Checkout API"
    assert resolve("incident.impacted_services.name", INCIDENT) == "Checkout API"
    assert resolve("incident.assignee", INCIDENT) == "Ana, Bo"
    assert resolve("incident.acknowledgements.acknowledger.name", INCIDENT) == "Ana"
    assert resolve("incident.priority.summary", INCIDENT) == "P1"
    assert resolve("incident.escalation_policy", INCIDENT) == "Web on-call"


def test_description_prefers_the_trigger_details() -> None:
    assert resolve("log_entries.channel.details", INCIDENT) == "p99 over 2 s"
    assert resolve("log_entries.channel.details", INCIDENT, "from log entry") == "from log entry"


def test_missing_values_are_empty_and_dropped() -> None:
    assert resolve("incident.last_status_change_by.summary", INCIDENT) == ""
    assert resolve("not.a.path", INCIDENT) == ""
    items = [
        {"key": "incident.title", "icon": "pd"},
        {"key": "incident.nothing", "icon": "pd"},
        {"key": "LinkedToPagerduty", "icon": "text"},
    ]
    assert render_items(items, INCIDENT) == ["Checkout latency", "LinkedToPagerduty"]
