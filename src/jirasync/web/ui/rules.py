"""The PagerDuty rules editor: the rule's scope (services × projects × issue types, comments)
and the four sections of PagerDuty's guide — create issues from incidents, create incidents
from issues, update the issue on incident events, update the incident on issue status
changes — plus the priority tables. Pickers are loaded live from the remotes; problems are
shown next to their fields. The editor edits each section's first entry and keeps the rest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from jirasync.admin import pickers
from jirasync.admin.errors import Refusal
from jirasync.admin.rules import (
    PAGERDUTY,
    create_pagerduty_rule,
    pagerduty_rule_row,
    replace_pagerduty_rule,
)
from jirasync.core.rules.pagerduty import Rule
from jirasync.store.models import Connection
from jirasync.store.models import Rule as RuleRow
from jirasync.web.ui.access import Admin, Refused, Viewer, service_of
from jirasync.web.ui.connections import service_sync
from jirasync.web.ui.render import back, page

router = APIRouter()

RuleId = Annotated[int, Path(ge=0, le=2**31 - 1)]
EVENTS = (
    ("incident.trigger", "triggered"),
    ("incident.acknowledge", "acknowledged"),
    ("incident.unacknowledge", "unacknowledged"),
    ("incident.resolve", "resolved"),
    ("incident.escalate", "escalated"),
    ("incident.assign", "reassigned"),
    ("incident.delegate", "delegated"),
)
STATUS_ACTIONS = (("pd_resolve", "Resolve the incident"), ("pd_acknowledge", "Acknowledge it"))
# Form fields each rule problem belongs next to (by the problem's place in the rule).
_PLACES = {
    "name": "name",
    "config.services": "services",
    "config.projects": "projects",
    "config.issue_types": "issue_types",
    "config.autocreate_issues_config": "s1",
    "config.autocreate_incidents_config": "s2",
    "config.react_on_incident_event_config": "s3",
    "config.react_on_issue_status_change_config": "s4",
}


@router.get("/rules")
async def rules_page(request: Request, who: Viewer) -> Response:
    async with service_of(request).db.sessions() as session:
        rows = (
            await session.scalars(
                select(RuleRow).where(RuleRow.kind == PAGERDUTY).order_by(RuleRow.position)
            )
        ).all()
        names = {c.id: c.name for c in (await session.scalars(select(Connection))).all()}
    return page(request, "rules.html", rules=rows, names=names)


@router.get("/rules/new")
async def new_rule(request: Request, who: Admin) -> Response:
    values = {"enabled": True, "sync_comments": True, "s1_events": ["incident.trigger"]}
    return await _editor(request, None, values, {})


@router.get("/rules/{rule_id}")
async def edit_rule(request: Request, who: Viewer, rule_id: RuleId) -> Response:
    row = await _row(request, rule_id)
    values = form_values(row.definition) | {
        "name": row.name,
        "enabled": row.enabled,
        "pagerduty_connection_id": row.connection_id,
        "jira_connection_id": row.jira_connection_id,
    }
    return await _editor(request, row, values, {})


@router.post("/rules/new")
async def create_rule(request: Request, who: Admin) -> Response:
    return await _save(request, None)


@router.post("/rules/{rule_id}")
async def save_rule(request: Request, who: Admin, rule_id: RuleId) -> Response:
    return await _save(request, await _row(request, rule_id))


@router.post("/rules/{rule_id}/delete")
async def delete_rule(request: Request, who: Admin, rule_id: RuleId) -> Response:
    async with service_of(request).db.sessions() as session, session.begin():
        row = await pagerduty_rule_row(session, str(rule_id))
        await session.delete(row)
    return back(request, "/rules", f"Rule {row.name!r} deleted.")


@router.get("/rules-pickers/issue-types")
async def issue_type_picker(
    request: Request,
    who: Viewer,
    jira_connection_id: Annotated[int, Query(ge=0, le=2**31 - 1)],
    projects: Annotated[list[str] | None, Query(max_length=50)] = None,
    issue_types: Annotated[list[str] | None, Query(max_length=50)] = None,
) -> Response:
    """The issue types creatable in the chosen projects (reloaded when they change)."""
    choices = await pickers.jira_issue_types(
        service_sync(request), jira_connection_id, projects or []
    )
    return page(
        request,
        "_issue_types.html",
        issue_types=choices,
        values={"issue_types": issue_types or []},
        errors={},
    )


async def _row(request: Request, rule_id: int) -> RuleRow:
    async with service_of(request).db.sessions() as session:
        try:
            return await pagerduty_rule_row(session, str(rule_id))
        except Refusal:
            raise Refused(404, f"There is no PagerDuty rule {rule_id}.") from None


async def _save(request: Request, row: RuleRow | None) -> Response:
    form = await request.form()
    values = read_form(form)
    base = dict(row.definition) if row is not None else {}
    errors: dict[str, str] = {}
    try:
        rule = Rule.model_validate(build_rule(values, base))
    except ValidationError as exc:
        errors = field_errors(exc)
        return await _editor(request, row, values, errors, 400)
    pd_id = values.get("pagerduty_connection_id")
    jira_id = values.get("jira_connection_id")
    db = service_of(request).db
    try:
        if row is None:
            saved = await create_pagerduty_rule(db, rule, pd_id, jira_id)
        else:
            saved = await replace_pagerduty_rule(db, str(row.id), rule, pd_id, jira_id)
    except Refusal as exc:
        errors = {"form": "; ".join(exc.errors or [exc.message])}
        return await _editor(request, row, values, errors, 400)
    return back(request, f"/rules/{saved.id}", f"Rule {saved.name!r} saved.")


async def _editor(
    request: Request,
    row: RuleRow | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    """The form, with every picker loaded live from the chosen connections."""
    async with service_of(request).db.sessions() as session:
        connections = (await session.scalars(select(Connection).order_by(Connection.id))).all()
    pds = [c for c in connections if c.kind == "pagerduty"]
    jiras = [c for c in connections if c.kind == "jira"]
    pd_id = values.get("pagerduty_connection_id") or (pds[0].id if pds else None)
    jira_id = values.get("jira_connection_id") or (jiras[0].id if jiras else None)
    values = values | {"pagerduty_connection_id": pd_id, "jira_connection_id": jira_id}
    runtime = service_sync(request)
    empty = pickers.Choices([], "no connection of this kind yet")
    chosen_projects = values.get("projects") or []
    return page(
        request,
        "rule_form.html",
        status,
        rule=row,
        values=values,
        errors=errors,
        pagerduty_connections=pds,
        jira_connections=jiras,
        services=await pickers.pagerduty_services(runtime, pd_id) if pd_id else empty,
        pd_priorities=await pickers.pagerduty_priorities(runtime, pd_id) if pd_id else empty,
        projects=await pickers.jira_projects(runtime, jira_id) if jira_id else empty,
        issue_types=(
            await pickers.jira_issue_types(runtime, jira_id, chosen_projects)
            if jira_id and chosen_projects
            else pickers.Choices([], "choose the projects first")
        ),
        statuses=await pickers.jira_statuses(runtime, jira_id) if jira_id else empty,
        jira_priorities=await pickers.jira_priorities(runtime, jira_id) if jira_id else empty,
        events=EVENTS,
        status_actions=STATUS_ACTIONS,
    )


# -- between the form and PagerDuty's rule schema ----------------------------------------------
def read_form(form: FormData) -> dict[str, Any]:
    def one(key: str) -> str:
        value = form.get(key)
        return value.strip() if isinstance(value, str) else ""

    def many(key: str) -> list[str]:
        return [v for v in form.getlist(key) if isinstance(v, str) and v]

    def number(key: str) -> int | None:
        text = one(key)
        return int(text) if text.isdigit() and len(text) < 10 else None

    values: dict[str, Any] = {
        key: one(key)
        for key in (
            "name",
            "s1_urgency",
            "s1_target_project",
            "s1_target_issue_type",
            "s2_jql",
            "s2_target_service",
            "s3_status",
            "s4_action",
        )
    }
    values |= {
        key: many(key)
        for key in (
            "services",
            "projects",
            "issue_types",
            "s1_events",
            "s1_priorities",
            "s3_events",
            "s4_statuses",
        )
    }
    values |= {
        key: form.get(key) == "on"
        for key in (
            "enabled",
            "sync_comments",
            "s1_on",
            "s1_describe",
            "s2_on",
            "s2_on_create",
            "s2_on_update",
            "s3_on",
            "s4_on",
            "s4_done",
        )
    }
    values["pagerduty_connection_id"] = number("pagerduty_connection_id")
    values["jira_connection_id"] = number("jira_connection_id")
    values["to_jira"] = {k[9:]: str(v) for k, v in form.items() if k.startswith("to_jira__") and v}
    values["to_pd"] = {k[7:]: str(v) for k, v in form.items() if k.startswith("to_pd__") and v}
    return values


def build_rule(values: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The rule the form describes, over `base` (the stored rule: what the form does not show
    stays as it was)."""
    config = dict(base.get("config") or {})
    config |= {
        "services": [{"id": s, "type": "service_reference"} for s in values["services"]],
        "projects": [{"key": p} for p in values["projects"]],
        "issue_types": [{"id": t} for t in values["issue_types"]],
        "sync_comments": values["sync_comments"],
        "autocreate_issues": values["s1_on"],
        "autocreate_incidents": values["s2_on"],
        "react_on_incident_event": values["s3_on"],
        "react_on_issue_status_change": values["s4_on"],
    }
    _first(config, "autocreate_issues_config", _autocreate_issue(values))
    _first(config, "autocreate_incidents_config", _autocreate_incident(values))
    _first(config, "react_on_incident_event_config", _on_incident_event(values))
    _first(config, "react_on_issue_status_change_config", _on_status_change(values))
    extensions = dict(config.get("jirasync") or {})
    extensions["priority_to_jira"] = values["to_jira"]
    extensions["priority_to_pagerduty"] = values["to_pd"]
    config["jirasync"] = extensions
    return {**base, "name": values["name"], "enabled": values["enabled"], "config": config}


def _first(config: dict[str, Any], key: str, item: dict[str, Any] | None) -> None:
    rest = list(config.get(key) or [])[1:]
    config[key] = ([item] if item else []) + rest


def _autocreate_issue(v: dict[str, Any]) -> dict[str, Any] | None:
    if not v["s1_on"]:
        return None
    condition: dict[str, Any] = {"pd_events": v["s1_events"]}
    condition["pd_priorities"] = [{"id": p} for p in v["s1_priorities"]]
    condition["pd_urgency"] = v["s1_urgency"] or None
    item: dict[str, Any] = {"condition": condition, "actions": [], "actions_params": {}}
    if v["s1_target_project"]:
        item["target_project"] = {"key": v["s1_target_project"]}
    if v["s1_target_issue_type"]:
        item["target_issue_type"] = {"id": v["s1_target_issue_type"]}
    if v["s1_describe"]:
        item["actions"] = [{"key": "jira_append_description"}]
        item["actions_params"] = {
            "jira_append_description": [
                {"key": "incident.title", "icon": "pd"},
                {"key": "incident.html_url", "icon": "pd"},
            ]
        }
    return item


def _autocreate_incident(v: dict[str, Any]) -> dict[str, Any] | None:
    if not v["s2_on"]:
        return None
    item: dict[str, Any] = {"jql": v["s2_jql"], "on_create": v["s2_on_create"]}
    item["on_update"] = v["s2_on_update"]
    if v["s2_target_service"]:
        item["target_service"] = {"id": v["s2_target_service"], "type": "service_reference"}
    return item


def _on_incident_event(v: dict[str, Any]) -> dict[str, Any] | None:
    if not v["s3_on"]:
        return None
    item: dict[str, Any] = {"condition": {"pd_events": v["s3_events"]}, "actions": []}
    if v["s3_status"]:
        item["actions"] = [{"key": "jira_change_status"}]
        item["actions_params"] = {"jira_change_status": {"id": v["s3_status"]}}
    return item


def _on_status_change(v: dict[str, Any]) -> dict[str, Any] | None:
    if not v["s4_on"]:
        return None
    return {
        "jira_statuses": [{"id": s} for s in v["s4_statuses"]],
        "jira_status_categories": ["done"] if v["s4_done"] else [],
        "actions": [{"key": v["s4_action"] or "pd_resolve"}],
    }


def form_values(definition: dict[str, Any]) -> dict[str, Any]:
    """The form's fields for a stored rule (each section's first entry)."""
    config = definition.get("config") or {}

    def first(key: str) -> dict[str, Any]:
        items = config.get(key) or []
        return items[0] if items else {}

    s1, s2 = first("autocreate_issues_config"), first("autocreate_incidents_config")
    s3, s4 = first("react_on_incident_event_config"), first("react_on_issue_status_change_config")
    extensions = config.get("jirasync") or {}
    s3_params = (s3.get("actions_params") or {}).get("jira_change_status") or {}
    return {
        "services": [s["id"] for s in config.get("services") or []],
        "projects": [p["key"] for p in config.get("projects") or []],
        "issue_types": [t["id"] for t in config.get("issue_types") or []],
        "sync_comments": bool(config.get("sync_comments")),
        "s1_on": bool(config.get("autocreate_issues")),
        "s1_events": (s1.get("condition") or {}).get("pd_events") or [],
        "s1_priorities": [p["id"] for p in (s1.get("condition") or {}).get("pd_priorities") or []],
        "s1_urgency": (s1.get("condition") or {}).get("pd_urgency") or "",
        "s1_target_project": (s1.get("target_project") or {}).get("key", ""),
        "s1_target_issue_type": (s1.get("target_issue_type") or {}).get("id", ""),
        "s1_describe": any(
            a.get("key") == "jira_append_description" for a in s1.get("actions") or []
        ),
        "s2_on": bool(config.get("autocreate_incidents")),
        "s2_jql": s2.get("jql", ""),
        "s2_on_create": bool(s2.get("on_create")),
        "s2_on_update": bool(s2.get("on_update")),
        "s2_target_service": (s2.get("target_service") or {}).get("id", ""),
        "s3_on": bool(config.get("react_on_incident_event")),
        "s3_events": (s3.get("condition") or {}).get("pd_events") or [],
        "s3_status": s3_params.get("id", "") if isinstance(s3_params, dict) else "",
        "s4_on": bool(config.get("react_on_issue_status_change")),
        "s4_statuses": [s["id"] for s in s4.get("jira_statuses") or []],
        "s4_done": "done" in (s4.get("jira_status_categories") or []),
        "s4_action": next((a.get("key") for a in s4.get("actions") or []), "pd_resolve"),
        "to_jira": extensions.get("priority_to_jira") or {},
        "to_pd": extensions.get("priority_to_pagerduty") or {},
    }


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Each problem next to its field: `config.services: …` → errors["services"]."""
    found: dict[str, str] = {}
    for problem in exc.errors():
        place = ".".join(str(p) for p in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        inner = message.split(":", 1)[0] if message.startswith("config.") else place
        key = next((field for prefix, field in _PLACES.items() if inner.startswith(prefix)), "form")
        found[key] = f"{found[key]}; {message}" if key in found else message
    return found
