"""HackerOne's integration variables (`{{title}}`, `{{report_link}}`, `{{due_date(14)}}` …) for
escalation templates, computed from a report's JSON:API document.

Templates are Jinja2 in a sandbox with strict undefined, so `{{titel}}` is an error at save time
(`unknown_variables`) and at render time, never an empty field in Jira.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from jirasync.core.markup import markdown_to_jira

JIRA_SEVERITY = {"none": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
TRUNCATE_AT = 4000

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


class TemplateError(ValueError):
    """A template does not parse or names a variable that does not exist."""


def report_variables(
    report: Mapping[str, Any], web_base: str, escalated_at: datetime | None = None
) -> dict[str, Any]:
    """Every variable of the report (functions included), ready for `render`."""
    attributes = report.get("attributes") or {}
    relationships = report.get("relationships") or {}
    reporter = _attributes(relationships, "reporter")
    severity = _attributes(relationships, "severity")
    details = str(attributes.get("vulnerability_information") or "")
    submitted = _date(attributes.get("submitted_at") or attributes.get("created_at"))
    escalated = escalated_at or datetime.now(UTC)
    rating = str(severity.get("rating") or "none")
    report_id = str(report.get("id", ""))
    username = str(reporter.get("username") or "")
    email = str(reporter.get("email") or "")
    return {
        "title": str(attributes.get("title") or ""),
        "report_id": report_id,
        "report_link": f"{web_base.rstrip('/')}/reports/{report_id}",
        "reporter_name": str(reporter.get("name") or username),
        "reporter_username": username,
        "reporter_link": f"{web_base.rstrip('/')}/{username}" if username else "",
        "weakness": str(_attributes(relationships, "weakness").get("name") or ""),
        "severity_rating": rating,
        "severity_rating_capitalized": rating.capitalize(),
        "cvss_score": severity.get("score", ""),
        "cvss_vector": str(severity.get("cvss_vector_string") or ""),
        "jira_severity": JIRA_SEVERITY.get(rating, 1),
        "asset_identifier": str(
            _attributes(relationships, "structured_scope").get("asset_identifier") or ""
        ),
        "assignee": _assignee(relationships),
        "vulnerability_information": details,
        "details": details,
        "details_truncated": details[:TRUNCATE_AT],
        "details_markdown": details,
        "details_jira": _jira_markup(details),
        "details_custom_jira": _jira_markup(details),
        "triage_summary": _triage_summary(relationships),
        "triage_summary_jira": _jira_markup(_triage_summary(relationships)),
        "remediation_advice": str(attributes.get("remediation_advice") or ""),
        "submission_date": submitted.strftime("%d/%m/%Y") if submitted else "",
        "submission_date_y_m_d": submitted.isoformat() if submitted else "",
        "submission_date_custom_format": submitted.strftime("%d-%m-%Y") if submitted else "",
        "escalation_time": escalated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "due_date": _days_from(escalated.date()),
        "days_after_report": _days_from(submitted or escalated.date()),
        "email": email,
        "email_local_part": email.split("@", 1)[0],
    }


def render(template: str, variables: Mapping[str, Any]) -> str:
    try:
        return _env.from_string(template).render(**variables)
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc
    except Exception as exc:  # undefined names, bad calls: the admin's template, not our bug
        raise TemplateError(str(exc)) from exc


def unknown_variables(template: str, known: Mapping[str, Any]) -> list[str]:
    """Names a template uses that are not variables; raises TemplateError if it does not parse."""
    try:
        names = meta.find_undeclared_variables(_env.parse(template))
    except TemplateSyntaxError as exc:
        raise TemplateError(f"line {exc.lineno}: {exc.message}") from exc
    return sorted(n for n in names if n not in known)


def _jira_markup(markdown: str) -> str:
    # Without the converter's final newline, so "{{details_jira}}\n\nmore" has one blank line.
    return markdown_to_jira(markdown).rstrip("\n")


def _days_from(start: date) -> Callable[[int], str]:
    def shifted(days: int) -> str:
        return (start + timedelta(days=int(days))).isoformat()

    return shifted


def _attributes(relationships: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    data = (relationships.get(name) or {}).get("data")
    return (data.get("attributes") or {}) if isinstance(data, Mapping) else {}


def _assignee(relationships: Mapping[str, Any]) -> str:
    attributes = _attributes(relationships, "assignee")
    return str(attributes.get("username") or attributes.get("name") or "")


def _triage_summary(relationships: Mapping[str, Any]) -> str:
    summaries = (relationships.get("summaries") or {}).get("data") or []
    for summary in summaries if isinstance(summaries, list) else []:
        attributes = summary.get("attributes") or {}
        if attributes.get("category") in ("team", "triage"):
            return str(attributes.get("content") or "")
    return ""


def _date(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None
