"""PagerDuty ⇄ Jira rules in PagerDuty's own schema (the Jira Server Integration API `Rule`).

The wire shape is kept exactly (unknown keys such as `label`, `icon`, `html_url` survive a
round trip), so rules exported from PagerDuty's app load here and scripts written for its API
work. What the FAQ says users miss lives in the optional `jirasync` block of `config`:
explicit priority tables both ways, status matching by category, fields set on create.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CreateEvent = Literal[
    "incident.trigger",
    "incident.acknowledge",
    "incident.unacknowledge",
    "incident.resolve",
    "incident.escalate",
    "incident.assign",
    "incident.delegate",
    "incident.trigger_manually",
]
UpdateEvent = Literal[
    "incident.trigger",
    "incident.acknowledge",
    "incident.unacknowledge",
    "incident.resolve",
    "incident.escalate",
    "incident.assign",
    "incident.delegate",
]
ActionKey = Literal[
    "jira_append_description",
    "jira_field_set_priority",
    "jira_field_set_labels",
    "jira_field_set_assignee",
    "jira_change_status",
    "pd_set_priority",
    "pd_acknowledge",
    "pd_resolve",
    "pd_add_responders",
]


class WireModel(BaseModel):
    """Keeps keys it does not know, so a rule survives a load/save round trip unchanged."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Reference(WireModel):
    id: str
    type: str | None = None
    label: str | None = None
    summary: str | None = None


class Project(WireModel):
    id: str | None = None
    key: str
    label: str | None = None


class IssueType(WireModel):
    id: str
    label: str | None = None


class JiraStatus(WireModel):
    id: str
    label: str | None = None


class Action(WireModel):
    key: ActionKey
    label: str | None = None
    icon: str | None = None
    is_disabled: bool = Field(default=False, alias="isDisabled")


class Condition(WireModel):
    pd_events: list[str] = Field(default_factory=list)
    pd_priorities: list[Reference] = Field(default_factory=list)
    pd_urgency: Literal["high", "low"] | None = None


class ActionSet(WireModel):
    actions: list[Action] = Field(default_factory=list)
    actions_params: dict[str, Any] = Field(default_factory=dict)

    def enabled(self) -> list[Action]:
        return [a for a in self.actions if not a.is_disabled]

    def param(self, key: str) -> Any:
        return self.actions_params.get(key)


class AutocreateIncident(ActionSet):
    """ "Automatically create PagerDuty incidents from Jira issues" matching `jql`."""

    jql: str
    on_create: bool = False
    on_update: bool = False
    target_service: Reference | None = None


class AutocreateIssue(ActionSet):
    """ "Create Jira issues from PagerDuty incidents" on these events/priorities/urgency."""

    condition: Condition = Field(default_factory=Condition)
    target_project: Project | None = None
    target_issue_type: IssueType | None = None


class ReactOnIncidentEvent(ActionSet):
    """ "Automatically update Jira issue" of a linked incident on these events."""

    condition: Condition = Field(default_factory=Condition)


class ReactOnIssueStatusChange(ActionSet):
    """ "Automatically update PagerDuty incident" when the issue enters one of these statuses.

    `jira_status_categories` (ours) matches by status category key (new / indeterminate /
    done), for workflows whose status ids differ between projects.
    """

    jira_statuses: list[JiraStatus] = Field(default_factory=list)
    jira_status_categories: list[str] = Field(default_factory=list)


class Extensions(WireModel):
    """What PagerDuty's rule schema lacks and its FAQ asks for."""

    # PagerDuty priority name (P1…) → Jira priority name, and back.
    priority_to_jira: dict[str, str] = Field(default_factory=dict)
    priority_to_pagerduty: dict[str, str] = Field(default_factory=dict)
    # Jira field id → value or template, applied on create (required custom fields).
    create_fields: dict[str, Any] = Field(default_factory=dict)
    # Fields for transitions that need them (e.g. resolution on "Resolve Issue").
    transition_fields: dict[str, Any] = Field(default_factory=lambda: {"resolution": "Done"})
    # Priority changes follow both ways even without a set-priority action.
    sync_priority: bool = True


class RuleConfig(WireModel):
    sync_comments: bool = False
    services: list[Reference] = Field(min_length=1)
    projects: list[Project] = Field(min_length=1)
    issue_types: list[IssueType] = Field(min_length=1)
    autocreate_issues: bool = False
    autocreate_issues_config: list[AutocreateIssue] = Field(default_factory=list)
    autocreate_incidents: bool = False
    autocreate_incidents_config: list[AutocreateIncident] = Field(default_factory=list)
    react_on_incident_event: bool = False
    react_on_incident_event_config: list[ReactOnIncidentEvent] = Field(default_factory=list)
    react_on_issue_status_change: bool = False
    react_on_issue_status_change_config: list[ReactOnIssueStatusChange] = Field(
        default_factory=list
    )
    jirasync: Extensions = Field(default_factory=Extensions)


class Rule(WireModel):
    id: str | None = None
    name: str = Field(min_length=1, max_length=128)
    enabled: bool = False
    created_at: str | None = None
    config: RuleConfig

    @model_validator(mode="after")
    def _targets_are_in_scope(self) -> Rule:
        keys = {p.key for p in self.config.projects}
        for i, item in enumerate(self.config.autocreate_issues_config):
            target = item.target_project
            if target is not None and target.key not in keys:
                raise ValueError(
                    f"config.autocreate_issues_config[{i}].target_project: "
                    f"{target.key} is not one of the rule's projects ({', '.join(sorted(keys))})"
                )
        return self

    def covers_service(self, service_id: str | None) -> bool:
        return service_id is not None and any(s.id == service_id for s in self.config.services)

    def covers_issue(self, project_key: str | None, issue_type_id: str | None) -> bool:
        in_project = any(p.key == project_key for p in self.config.projects)
        of_type = any(t.id == issue_type_id for t in self.config.issue_types)
        return in_project and of_type
