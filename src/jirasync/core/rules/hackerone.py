"""HackerOne escalation: which reports become Jira issues, with which fields, and which events
follow in each direction (HackerOne's Jira integration settings, reference/hackerone.md §7.1).

`validate_against_createmeta` is what turns the FAQ's runtime "You must specify a summary of
the issue." into an error when the escalation is saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from jirasync.core.report_variables import TemplateError, render, unknown_variables

Severity = Literal["none", "low", "medium", "high", "critical"]
ReportState = Literal[
    "new",
    "pending-program-review",
    "triaged",
    "needs-more-info",
    "resolved",
    "not-applicable",
    "informative",
    "duplicate",
    "spam",
    "retesting",
]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _triaged() -> list[ReportState]:
    return ["triaged"]


class AutoEscalation(Model):
    """Escalate without a person asking, when a report reaches one of these states."""

    on_states: list[ReportState] = Field(default_factory=_triaged)
    severities: list[Severity] = Field(default_factory=list)
    weaknesses: list[str] = Field(default_factory=list)
    assets: list[str] = Field(default_factory=list)


class HackerOneToJira(Model):
    """Each toggle posts a Jira comment for that kind of report activity."""

    comments: bool = True
    internal_comments: bool = True
    state_changes: bool = True
    rewards: bool = True
    assignee: bool = True
    disclosure: bool = True
    attachments: bool = True


class JiraToHackerOne(Model):
    """Each toggle posts an internal comment on the report for that kind of issue change."""

    status: bool = True
    resolution: bool = True
    priority: bool = True
    assignee: bool = True
    comments: bool = True


class ClosedStatus(Model):
    """When the issue enters this status (or category), the report is closed as resolved."""

    status_ids: list[str] = Field(default_factory=list)
    status_category: Literal["done"] | None = None
    message: str = "The issue {{issue_key}} was closed in Jira."


class Escalation(Model):
    name: str = Field(min_length=1, max_length=128)
    enabled: bool = True
    program: str = Field(min_length=1, description="HackerOne program handle")
    project_key: str = Field(min_length=1)
    issue_type_id: str = Field(min_length=1)
    auto: AutoEscalation | None = None
    # Jira field id → constant or template (strings are templates; lists hold templates).
    fields: dict[str, Any] = Field(
        default_factory=lambda: {
            "summary": "{{title}}",
            "description": "{{details_jira}}\n\nHackerOne report: {{report_link}}",
        }
    )
    severity_to_priority: dict[Severity, str] = Field(default_factory=dict)
    hackerone_to_jira: HackerOneToJira = Field(default_factory=HackerOneToJira)
    jira_to_hackerone: JiraToHackerOne = Field(default_factory=JiraToHackerOne)
    closed: ClosedStatus | None = None
    comment_duplicates_on_original: bool = True

    def wants_auto(
        self, state: str, severity: str | None, weakness: str | None, asset: str | None
    ) -> bool:
        auto = self.auto
        if auto is None or state not in auto.on_states:
            return False
        checks = ((auto.severities, severity), (auto.weaknesses, weakness), (auto.assets, asset))
        return all(not allowed or value in allowed for allowed, value in checks)


# Jira schema types (createmeta `schema.type`) and the Python values that fit them.
_TYPE_CHECKS: Mapping[str, tuple[type, ...]] = {
    "string": (str,),
    "number": (int, float),
    "date": (str,),
    "datetime": (str,),
    "array": (list, str),
    "option": (dict, str),
    "priority": (dict, str),
    "user": (dict, str),
}
_SET_BY_JIRASYNC = frozenset({"project", "issuetype", "reporter"})


def validate_against_createmeta(
    escalation: Escalation, fields_meta: Sequence[Mapping[str, Any]], sample: Mapping[str, Any]
) -> list[str]:
    """Problems with the mapping for this project/issue type; empty when it can be saved.

    `fields_meta` is createmeta's field list; `sample` the variables of a real or example
    report, used to render templates and check the result's type.
    """
    problems: list[str] = []
    by_id = {str(f.get("fieldId") or f.get("key")): f for f in fields_meta}
    mapped = set(escalation.fields) | ({"priority"} if escalation.severity_to_priority else set())
    for field_id, meta in by_id.items():
        if (
            meta.get("required")
            and not meta.get("hasDefaultValue")
            and field_id not in mapped | _SET_BY_JIRASYNC
        ):
            problems.append(
                f"{field_id} ({meta.get('name', field_id)}) is required by Jira but not mapped"
            )
    for field_id, value in escalation.fields.items():
        field_meta = by_id.get(field_id)
        if field_meta is None:
            problems.append(
                f"{field_id} is not on the create screen of this project and issue type"
            )
            continue
        problems.extend(_value_problems(field_id, value, field_meta, sample))
    return problems


def _value_problems(
    field_id: str, value: Any, meta: Mapping[str, Any], sample: Mapping[str, Any]
) -> list[str]:
    templates = (
        [value]
        if isinstance(value, str)
        else [v for v in value if isinstance(v, str)]
        if isinstance(value, list)
        else []
    )
    problems = []
    for template in templates:
        try:
            unknown = unknown_variables(template, sample)
            if unknown:
                problems.append(f"{field_id}: unknown variable(s) {', '.join(unknown)}")
                continue
            rendered = render(template, sample)
        except TemplateError as exc:
            problems.append(f"{field_id}: {exc}")
            continue
        if (meta.get("schema") or {}).get("type") == "number" and not _is_number(rendered):
            problems.append(f"{field_id} is a number field; the template gives {rendered!r}")
    schema_type = str((meta.get("schema") or {}).get("type") or "string")
    accepted = _TYPE_CHECKS.get(schema_type)
    if (
        accepted
        and not isinstance(value, accepted)
        and not (schema_type == "number" and isinstance(value, str))
    ):
        problems.append(f"{field_id} is a {schema_type} field; {type(value).__name__} does not fit")
    allowed = meta.get("allowedValues")
    if allowed and isinstance(value, str) and "{{" not in value:
        names = {str(a.get("value") or a.get("name")) for a in allowed}
        if value not in names:
            problems.append(f"{field_id}: {value!r} is not one of {', '.join(sorted(names))}")
    return problems


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
