"""What the planner decides and the executor carries out. Plain frozen data: a plan can be shown
(dry run, preview, "why did nothing happen?") without doing anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CreateIssue:
    """Create the Jira issue of an incident or report; `marker` goes in a label so a retry
    finds the issue instead of creating a second one."""

    project_key: str
    issue_type_id: str
    fields: Mapping[str, Any]
    marker: str
    remote_link_url: str
    remote_link_title: str
    source_id: str
    rule: str
    set_report_reference: bool = False
    # The report activity that escalated: remembered on the link, so the same activity
    # delivered again is not posted to the new issue as news.
    escalated_by: str | None = None


@dataclass(frozen=True)
class CreateIncident:
    """Trigger the incident of an issue; `incident_key` makes PagerDuty refuse a second one."""

    service_id: str
    title: str
    incident_key: str
    details: str
    issue_id: str
    issue_key: str
    rule: str
    priority_id: str | None = None
    urgency: str | None = None
    follow_up: tuple[Any, ...] = ()


@dataclass(frozen=True)
class TransitionIssue:
    """Move the issue to a status; the executor finds the path of allowed transitions."""

    issue_key: str
    status_id: str
    status_name: str | None
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EditIssue:
    issue_key: str
    fields: Mapping[str, Any] = field(default_factory=dict)
    update: Mapping[str, Any] = field(default_factory=dict)
    assignee_email_of: str | None = None


@dataclass(frozen=True)
class AddComment:
    issue_key: str
    body: str
    source_note_id: str | None


@dataclass(frozen=True)
class UpdateIncident:
    incident_id: str
    status: str | None = None
    priority_id: str | None = None
    resolution: str | None = None


@dataclass(frozen=True)
class AddNote:
    incident_id: str
    content: str
    source_comment_id: str | None


@dataclass(frozen=True)
class EditNote:
    """Follow an edit of a Jira comment on the note jirasync made of it."""

    incident_id: str
    note_id: str
    content: str

    @property
    def synced_key(self) -> str:
        """`last_synced` key of the content written, so the edit's second webhook is a no-op."""
        return f"pd.note.{self.note_id}"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.content.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class AddResponders:
    incident_id: str
    user_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class CopyAttachment:
    """Copy a HackerOne attachment to the issue (once: `source_id` is remembered on the link)."""

    issue_key: str
    url: str
    filename: str
    source_id: str


@dataclass(frozen=True)
class AddReportComment:
    report_id: str
    message: str
    internal: bool = True
    source_comment_id: str | None = None


@dataclass(frozen=True)
class ChangeReportState:
    report_id: str
    state: str
    message: str


Action = (
    CreateIssue
    | CreateIncident
    | TransitionIssue
    | EditIssue
    | AddComment
    | UpdateIncident
    | AddNote
    | EditNote
    | AddResponders
    | CopyAttachment
    | AddReportComment
    | ChangeReportState
)


@dataclass(frozen=True)
class Plan:
    """The actions for one event and, for each decision, the reason (the activity log shows it)."""

    actions: tuple[Action, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.actions

    def add(self, *actions: Action, reason: str) -> Plan:
        return Plan((*self.actions, *actions), (*self.reasons, reason))

    def note(self, reason: str) -> Plan:
        return Plan(self.actions, (*self.reasons, reason))
