"""The simulator's state: users, projects, workflows, fields, issues and webhooks.

Plain dataclasses. Issue field values are kept in a compact internal form (ids and user
names); `serialize.py` turns them into Jira's JSON beans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PERMISSIONS = ("browse", "create", "edit", "transition", "assign", "comment", "admin")
ResolutionEffect = Literal["keep", "clear", "screen", "done"]
CustomFieldType = Literal["text", "number", "date", "select", "multiselect", "user", "labels"]


@dataclass
class User:
    name: str
    key: str
    display_name: str
    email: str
    password: str | None = None
    active: bool = True
    time_zone: str = "UTC"
    groups: set[str] = field(default_factory=set)
    tokens: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StatusCategory:
    id: int
    key: str
    name: str
    color: str


STATUS_CATEGORIES = {
    c.key: c
    for c in (
        StatusCategory(1, "undefined", "No Category", "medium-gray"),
        StatusCategory(2, "new", "To Do", "blue-gray"),
        StatusCategory(4, "indeterminate", "In Progress", "yellow"),
        StatusCategory(3, "done", "Done", "green"),
    )
}


@dataclass
class Status:
    id: str
    name: str
    category: str
    description: str = ""
    icon: str = "generic.png"


@dataclass
class Priority:
    id: str
    name: str
    color: str
    description: str = ""


@dataclass
class Resolution:
    id: str
    name: str
    description: str = ""


@dataclass
class IssueType:
    id: str
    name: str
    description: str = ""
    subtask: bool = False


@dataclass
class CustomField:
    id: str  # customfield_10010
    name: str
    type: CustomFieldType
    options: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        return int(self.id.removeprefix("customfield_"))


@dataclass
class Transition:
    """One workflow action. ``sources`` None means global (available from every status)."""

    id: int
    name: str
    to: str
    sources: list[str] | None
    screen: list[str] = field(default_factory=list)
    required: list[str] = field(default_factory=list)
    only_assignee: bool = False
    permission: str = "transition"
    resolution: ResolutionEffect = "keep"
    event: str = "issue_generic"
    description: str = ""


@dataclass
class Workflow:
    name: str
    initial: str
    transitions: list[Transition]
    not_editable: set[str] = field(default_factory=set)

    def transition(self, action_id: int) -> Transition | None:
        return next((t for t in self.transitions if t.id == action_id), None)


@dataclass
class Project:
    id: str
    key: str
    name: str
    lead: str
    issue_types: list[str]  # issue type ids
    workflows: dict[str, str]  # issue type id -> workflow name
    permissions: dict[str, set[str]]  # permission -> principals ("group:x", "user:y")
    create_screen: list[str]
    edit_screen: list[str]
    required_on_create: list[str] = field(default_factory=list)
    description: str = ""
    next_number: int = 1


@dataclass
class Comment:
    id: str
    author: str
    body: str
    created: datetime
    updated: datetime
    update_author: str
    visibility: dict[str, str] | None = None


@dataclass
class RemoteLink:
    id: int
    global_id: str | None
    data: dict[str, Any]


@dataclass
class Attachment:
    id: str
    filename: str
    author: str
    created: datetime
    mime_type: str
    content: bytes


@dataclass
class ChangeItem:
    field: str
    fieldtype: str
    from_: str | None
    from_string: str | None
    to: str | None
    to_string: str | None
    field_id: str = ""


@dataclass
class ChangeHistory:
    id: str
    author: str
    created: datetime
    items: list[ChangeItem]


@dataclass
class Issue:
    id: str
    key: str
    project: str  # project key
    issue_type: str  # id
    status: str  # id
    summary: str
    reporter: str | None
    creator: str | None
    created: datetime
    updated: datetime
    description: str | None = None
    environment: str | None = None
    priority: str | None = None
    resolution: str | None = None
    resolution_date: datetime | None = None
    assignee: str | None = None
    labels: list[str] = field(default_factory=list)
    due_date: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)
    comments: list[Comment] = field(default_factory=list)
    changelog: list[ChangeHistory] = field(default_factory=list)
    watchers: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    remote_links: list[RemoteLink] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class Webhook:
    id: int
    name: str
    url: str
    events: list[str]
    jql: str
    exclude_body: bool
    enabled: bool
    secret: str | None
    last_updated_user: str
    last_updated: int


@dataclass
class OAuthConsumer:
    key: str
    name: str
    public_key: str  # PEM


@dataclass
class OAuthToken:
    token: str
    secret: str
    consumer: str
    user: str | None  # None until authorized (request token) / the acting user (access)
    kind: Literal["request", "access"]
    verifier: str | None = None
    callback: str | None = None


@dataclass
class Options:
    version: str = "9.12.0"
    search_cap: int = 1000
    webhook_signatures: bool = False  # DC 10 signs with X-Hub-Signature when a secret is set
    rate_limit: dict[str, Any] | None = None  # {"capacity", "fill_rate", "interval_s", "exempt"}
    captcha_after: int | None = None  # failed basic logins before Jira demands a CAPTCHA

    @property
    def version_numbers(self) -> list[int]:
        return [int(p) for p in self.version.split(".")[:3]]


@dataclass
class State:
    options: Options
    users: dict[str, User]
    groups: set[str]
    statuses: dict[str, Status]
    priorities: dict[str, Priority]
    resolutions: dict[str, Resolution]
    issue_types: dict[str, IssueType]
    custom_fields: dict[str, CustomField]
    workflows: dict[str, Workflow]
    projects: dict[str, Project]  # by key
    issues: dict[str, Issue] = field(default_factory=dict)  # by id
    keys: dict[str, str] = field(default_factory=dict)  # issue key -> id (old keys kept)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    consumers: dict[str, OAuthConsumer] = field(default_factory=dict)
    oauth_tokens: dict[str, OAuthToken] = field(default_factory=dict)
    default_priority: str | None = None
    failed_logins: dict[str, int] = field(default_factory=dict)
    last_id: int = 9999

    def next_id(self) -> str:
        self.last_id += 1
        return str(self.last_id)

    def project_by_id_or_key(self, ref: str) -> Project | None:
        project = self.projects.get(ref) or self.projects.get(ref.upper())
        if project is not None:
            return project
        return next((p for p in self.projects.values() if p.id == ref), None)

    def issue(self, ref: str) -> Issue | None:
        found = self.issues.get(ref)
        if found is not None:
            return found
        issue_id = self.keys.get(ref.upper())
        return self.issues.get(issue_id) if issue_id else None

    def user(self, name: str | None) -> User | None:
        if name is None:
            return None
        user = self.users.get(name)
        if user is not None:
            return user
        lowered = name.lower()
        return next(
            (u for u in self.users.values() if u.name.lower() == lowered or u.key == name), None
        )

    def workflow_of(self, issue: Issue) -> Workflow:
        project = self.projects[issue.project]
        return self.workflows[project.workflows[issue.issue_type]]

    def field_by_name(self, name: str) -> CustomField | None:
        return next((f for f in self.custom_fields.values() if f.name == name), None)
