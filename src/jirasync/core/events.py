"""Normalised events: what a webhook (or the reconciler) says happened, in one shape per side.

Receivers turn raw bodies into these; the planner reads only these. Raw remote JSON is kept in
`issue` / `incident` / `report` because rules and templates may read any field of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Source(StrEnum):
    JIRA = "jira"
    PAGERDUTY = "pagerduty"
    HACKERONE = "hackerone"


class MalformedEvent(ValueError):
    """The body is not a webhook of the kind claimed; the message says what and where."""


class UnsupportedEvent(ValueError):
    """A well-formed webhook of a type jirasync does not act on (recorded as ignored)."""


@dataclass(frozen=True)
class Actor:
    """Who made the change on the remote side (user bean, PagerDuty agent, HackerOne actor)."""

    system: Source
    id: str | None = None
    name: str | None = None
    email: str | None = None
    display_name: str | None = None


@dataclass(frozen=True)
class FieldChange:
    """One Jira changelog item: ids in `from_id`/`to_id`, display text in `from_text`/`to_text`."""

    field: str
    field_type: str
    from_id: str | None
    to_id: str | None
    from_text: str | None
    to_text: str | None
    field_id: str | None = None


@dataclass(frozen=True)
class Comment:
    id: str
    body: str
    author: Actor | None
    created: str | None = None
    updated: str | None = None
    visibility: Mapping[str, Any] | None = None


class IssueEventKind(StrEnum):
    CREATED = "issue_created"
    UPDATED = "issue_updated"
    DELETED = "issue_deleted"
    COMMENT_CREATED = "comment_created"
    COMMENT_UPDATED = "comment_updated"
    COMMENT_DELETED = "comment_deleted"


@dataclass(frozen=True)
class IssueEvent:
    """A Jira issue or comment change. `issue` is None for Server `comment_*` bodies."""

    kind: IssueEventKind
    issue_id: str
    issue_key: str | None
    issue: Mapping[str, Any] | None
    actor: Actor | None
    timestamp_ms: int | None
    changes: tuple[FieldChange, ...] = ()
    comment: Comment | None = None
    comment_id: str | None = None
    jira_event_type: str | None = None

    def change_of(self, field_name: str) -> FieldChange | None:
        for change in self.changes:
            if field_name in (change.field_id, change.field.lower()):
                return change
        return None


@dataclass(frozen=True)
class Note:
    id: str | None
    content: str
    author: Actor | None


@dataclass(frozen=True)
class IncidentEvent:
    """A PagerDuty incident change (webhook v3 event types; v2 messages are mapped to them)."""

    event_id: str
    kind: str
    incident_id: str
    incident: Mapping[str, Any]
    actor: Actor | None
    occurred_at: str | None
    service_id: str | None = None
    note: Note | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportEvent:
    """A HackerOne report activity (webhook event name + the activity and report objects)."""

    delivery_id: str | None
    event: str
    activity_type: str
    report_id: str
    report: Mapping[str, Any]
    activity: Mapping[str, Any]
    actor: Actor | None
    internal: bool
    message: str
    program_handle: str | None = None
