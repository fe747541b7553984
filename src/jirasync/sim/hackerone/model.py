"""The simulated HackerOne objects: users, programs (groups, members, API tokens, webhook
configuration), reports and everything attached to a report (activities, bounties, swag,
severity, attachments). Plain mutable dataclasses; `state.py` owns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

Permission = Literal[
    "report_management", "reward_management", "program_management", "user_management"
]
PERMISSIONS: tuple[str, ...] = (
    "report_management",
    "reward_management",
    "program_management",
    "user_management",
)

# A reference to another object: ("user", 12), ("group", 3), ("program", 1), ("swag", 7).
Ref = tuple[str, int]


@dataclass
class User:
    id: int
    username: str
    name: str | None
    created_at: datetime
    disabled: bool = False
    reputation: int | None = None
    signal: float | None = None
    impact: float | None = None
    address: dict[str, str] | None = None  # postal address for swag, when the hacker gave one
    profile: dict[str, str | None] = field(default_factory=dict)  # bio, website, location


@dataclass
class Group:
    id: int
    name: str
    permissions: list[str]
    created_at: datetime


@dataclass
class Member:
    id: int
    user_id: int
    permissions: list[str]
    created_at: datetime


@dataclass
class ApiToken:
    """An organisation API token: Basic-auth identifier + value; acts as its own API user."""

    identifier: str
    value: str
    user_id: int
    group_ids: list[int]


@dataclass
class WebhookConfig:
    """One program webhook: ``events`` None means "send me everything"."""

    url: str
    secret: str
    events: list[str] | None = None

    def wants(self, event: str) -> bool:
        return self.events is None or event in self.events


@dataclass
class Weakness:
    id: int
    name: str
    description: str
    external_id: str
    created_at: datetime


@dataclass
class StructuredScope:
    id: int
    asset_type: str
    asset_identifier: str
    eligible_for_bounty: bool
    eligible_for_submission: bool
    instruction: str | None
    max_severity: str
    created_at: datetime
    updated_at: datetime
    # confidentiality/integrity/availability requirements and the asset's reference
    details: dict[str, str | None] = field(default_factory=dict)


@dataclass
class Program:
    id: int
    handle: str
    created_at: datetime
    updated_at: datetime
    groups: list[Group] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)
    tokens: list[ApiToken] = field(default_factory=list)
    webhooks: list[WebhookConfig] = field(default_factory=list)
    weaknesses: list[Weakness] = field(default_factory=list)
    scopes: list[StructuredScope] = field(default_factory=list)
    policy: str = ""
    webhook_secret: str = ""  # default secret of webhooks configured without one

    def group(self, group_id: int) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def member_for(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    def weakness(self, weakness_id: int) -> Weakness | None:
        return next((w for w in self.weaknesses if w.id == weakness_id), None)

    def scope(self, scope_id: int) -> StructuredScope | None:
        return next((s for s in self.scopes if s.id == scope_id), None)


@dataclass
class Severity:
    id: int
    rating: str
    author_type: str
    user_id: int
    created_at: datetime
    score: float | None = None
    metrics: dict[str, str] = field(default_factory=dict)
    calculation_method: str | None = None


@dataclass
class Bounty:
    id: int
    amount: Decimal
    bonus_amount: Decimal
    created_at: datetime
    currency: str = "USD"


@dataclass
class Swag:
    id: int
    user_id: int
    created_at: datetime
    sent: bool = False


@dataclass
class Attachment:
    id: int
    file_name: str
    content_type: str
    file_size: int
    created_at: datetime


@dataclass
class Activity:
    """One entry of a report's timeline (`activity-*` of the HackerOne reference)."""

    id: int
    type: str
    report_id: int
    actor: Ref | None
    message: str | None
    internal: bool
    created_at: datetime
    updated_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    links: dict[str, Ref | list[Ref]] = field(default_factory=dict)
    attachment_ids: list[int] = field(default_factory=list)


# Report date attributes, all present (null allowed) in every report document.
REPORT_DATES: tuple[str, ...] = (
    "created_at",
    "submitted_at",
    "triaged_at",
    "closed_at",
    "last_reporter_activity_at",
    "first_program_activity_at",
    "last_program_activity_at",
    "bounty_awarded_at",
    "swag_awarded_at",
    "disclosed_at",
    "reporter_agreed_on_going_public_at",
    "last_public_activity_at",
    "last_activity_at",
)


@dataclass
class Report:
    id: int
    program_id: int
    title: str
    vulnerability_information: str
    state: str
    reporter_id: int
    dates: dict[str, datetime | None]
    source: str | None = None
    assignee: Ref | None = None
    severity_id: int | None = None
    weakness_id: int | None = None
    scope_id: int | None = None
    reference_id: str | None = None
    reference_url: str | None = None
    comments_closed: bool = False
    ineligible_for_bounty: bool = False
    cve_ids: list[str] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    bounty_ids: list[int] = field(default_factory=list)
    swag_ids: list[int] = field(default_factory=list)
    attachment_ids: list[int] = field(default_factory=list)
