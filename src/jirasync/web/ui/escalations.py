"""The HackerOne escalation editor: program → Jira project and issue type, the field mapping
table with HackerOne's integration variables, severity → priority, which events follow each
way, the closed status; and a live preview of the issue a real report would become."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from jirasync.admin import pickers
from jirasync.admin.errors import Refusal
from jirasync.admin.rules import (
    HACKERONE,
    escalation_row,
    preview_escalation,
    save_escalation,
    stored_escalation,
)
from jirasync.core.errors import RemoteError
from jirasync.core.report_variables import report_variables
from jirasync.core.rules.hackerone import (
    Escalation,
    HackerOneToJira,
    JiraToHackerOne,
    ReportState,
    Severity,
)
from jirasync.store.models import Connection
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.connections import UnusableConnection
from jirasync.sync.escalation_check import SAMPLE_REPORT
from jirasync.web.ui.access import Admin, Refused, Viewer, service_of
from jirasync.web.ui.connections import service_sync
from jirasync.web.ui.render import back, page

router = APIRouter()

EscalationId = Annotated[int, Path(ge=0, le=2**31 - 1)]
MAPPING_ROWS = 8  # rows of the field mapping table (filled ones plus empty ones)
SEVERITIES: tuple[Severity, ...] = ("none", "low", "medium", "high", "critical")
STATES: tuple[ReportState, ...] = ("new", "triaged", "needs-more-info", "resolved", "retesting")
VARIABLES = sorted(report_variables(SAMPLE_REPORT, "https://hackerone.com"))


@router.get("/escalations")
async def escalations_page(request: Request, who: Viewer) -> Response:
    async with service_of(request).db.sessions() as session:
        query = select(RuleRow).where(RuleRow.kind == HACKERONE).order_by(RuleRow.position)
        rows = (await session.scalars(query)).all()
        names = {c.id: c.name for c in (await session.scalars(select(Connection))).all()}
    return page(request, "escalations.html", escalations=rows, names=names)


@router.get("/escalations/new")
async def new_escalation(request: Request, who: Admin) -> Response:
    default = Escalation(name="Reports to Jira", program="-", project_key="-", issue_type_id="-")
    values = form_values(default) | {"program": "", "project_key": "", "issue_type_id": ""}
    return await _editor(request, None, values, {})


@router.get("/escalations/{escalation_id}")
async def edit_escalation(request: Request, who: Viewer, escalation_id: EscalationId) -> Response:
    row = await _row(request, escalation_id)
    values = form_values(stored_escalation(row)) | {
        "hackerone_connection_id": row.connection_id,
        "jira_connection_id": row.jira_connection_id,
    }
    return await _editor(request, row, values, {})


@router.post("/escalations/new")
async def create(request: Request, who: Admin) -> Response:
    return await _save(request, None)


@router.post("/escalations/{escalation_id}")
async def save(request: Request, who: Admin, escalation_id: EscalationId) -> Response:
    return await _save(request, await _row(request, escalation_id))


@router.post("/escalations/{escalation_id}/delete")
async def delete(request: Request, who: Admin, escalation_id: EscalationId) -> Response:
    async with service_of(request).db.sessions() as session, session.begin():
        row = await escalation_row(session, escalation_id)
        await session.delete(row)
    return back(request, "/escalations", f"Escalation {row.name!r} deleted.")


@router.post("/escalations-preview")
async def preview(request: Request, who: Viewer) -> Response:
    """The issue a real report would become with the form as it is (not saved; viewers too:
    nothing is written)."""
    form = await request.form()
    values = read_form(form)
    report_id = str(form.get("report_id") or "").strip()
    if not report_id.isdigit() or len(report_id) > 12:
        return page(request, "_preview.html", problem="Enter the id of a report (digits).")
    try:
        escalation = Escalation.model_validate(build(values))
        h1_id = values.get("hackerone_connection_id")
        if h1_id is None:
            raise Refusal(400, "choose a HackerOne connection")
        plan = await preview_escalation(service_sync(request), escalation, h1_id, report_id)
    except ValidationError as exc:
        return page(request, "_preview.html", problem="; ".join(_errors(exc).values()))
    except Refusal as exc:
        return page(request, "_preview.html", problem="; ".join(exc.errors or [exc.message]))
    except (RemoteError, UnusableConnection) as exc:
        return page(request, "_preview.html", problem=str(exc))
    actions = [(type(a).__name__, dataclasses.asdict(a)) for a in plan.actions]
    return page(request, "_preview.html", actions=actions, reasons=plan.reasons, problem=None)


@router.get("/escalations-pickers/issue-types")
async def issue_type_picker(
    request: Request,
    who: Viewer,
    jira_connection_id: Annotated[int, Query(ge=0, le=2**31 - 1)],
    project_key: Annotated[str, Query(max_length=100)] = "",
    issue_type_id: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The issue types of the chosen project, reloaded when the project changes."""
    choices = (
        await pickers.jira_issue_types(service_sync(request), jira_connection_id, [project_key])
        if project_key
        else pickers.Choices([], "choose the project first")
    )
    values = {"issue_type_id": issue_type_id}
    return page(request, "_issue_type_select.html", issue_types=choices, values=values, errors={})


async def _row(request: Request, escalation_id: int) -> RuleRow:
    async with service_of(request).db.sessions() as session:
        try:
            return await escalation_row(session, escalation_id)
        except Refusal:
            raise Refused(404, f"There is no escalation {escalation_id}.") from None


async def _save(request: Request, row: RuleRow | None) -> Response:
    values = read_form(await request.form())
    try:
        escalation = Escalation.model_validate(build(values))
    except ValidationError as exc:
        return await _editor(request, row, values, _errors(exc), 400)
    try:
        saved = await save_escalation(
            service_sync(request),
            escalation,
            values.get("hackerone_connection_id"),
            values.get("jira_connection_id"),
            row.id if row else None,
        )
    except Refusal as exc:
        errors = {"fields" if "escalation.fields" in p else "form": p for p in exc.errors or []}
        return await _editor(request, row, values, errors or {"form": exc.message}, 400)
    except (RemoteError, UnusableConnection) as exc:
        return await _editor(request, row, values, {"form": f"Jira: {exc}"}, 400)
    return back(request, f"/escalations/{saved.id}", f"Escalation {saved.name!r} saved.")


async def _editor(
    request: Request,
    row: RuleRow | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    async with service_of(request).db.sessions() as session:
        connections = (await session.scalars(select(Connection).order_by(Connection.id))).all()
    h1s = [c for c in connections if c.kind == "hackerone"]
    jiras = [c for c in connections if c.kind == "jira"]
    jira_id = values.get("jira_connection_id") or (jiras[0].id if jiras else None)
    values = values | {
        "hackerone_connection_id": values.get("hackerone_connection_id")
        or (h1s[0].id if h1s else None),
        "jira_connection_id": jira_id,
    }
    runtime = service_sync(request)
    empty = pickers.Choices([], "no Jira connection yet")
    project = values.get("project_key")
    mapping = list((values.get("fields") or {}).items())
    mapping += [("", "")] * max(1, MAPPING_ROWS - len(mapping))
    return page(
        request,
        "escalation_form.html",
        status,
        escalation=row,
        values=values,
        errors=errors,
        hackerone_connections=h1s,
        jira_connections=jiras,
        projects=await pickers.jira_projects(runtime, jira_id) if jira_id else empty,
        issue_types=(
            await pickers.jira_issue_types(runtime, jira_id, [project])
            if jira_id and project
            else pickers.Choices([], "choose the project first")
        ),
        statuses=await pickers.jira_statuses(runtime, jira_id) if jira_id else empty,
        priorities=await pickers.jira_priorities(runtime, jira_id) if jira_id else empty,
        mapping=mapping,
        severities=SEVERITIES,
        states=STATES,
        variables=VARIABLES,
        to_jira=list(HackerOneToJira.model_fields),
        to_hackerone=list(JiraToHackerOne.model_fields),
    )


def form_values(escalation: Escalation) -> dict[str, Any]:
    closed = escalation.closed
    return {
        "name": escalation.name,
        "enabled": escalation.enabled,
        "program": escalation.program,
        "project_key": escalation.project_key,
        "issue_type_id": escalation.issue_type_id,
        "auto_on": escalation.auto is not None,
        "auto_states": list(escalation.auto.on_states) if escalation.auto else ["triaged"],
        "fields": {k: _shown(v) for k, v in escalation.fields.items()},
        "severity_to_priority": dict(escalation.severity_to_priority),
        "to_jira": [k for k, on in escalation.hackerone_to_jira.model_dump().items() if on],
        "to_hackerone": [k for k, on in escalation.jira_to_hackerone.model_dump().items() if on],
        "closed_done": bool(closed and closed.status_category == "done"),
        "closed_statuses": list(closed.status_ids) if closed else [],
        "closed_message": closed.message
        if closed
        else "The issue {{issue_key}} was closed in Jira.",
    }


def _shown(value: Any) -> str:
    """A mapped value as the table shows it: lists as comma-separated templates."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def read_form(form: FormData) -> dict[str, Any]:
    def one(key: str) -> str:
        value = form.get(key)
        return value.strip() if isinstance(value, str) else ""

    def number(key: str) -> int | None:
        text = one(key)
        return int(text) if text.isdigit() and len(text) < 10 else None

    ids, templates = form.getlist("field_id"), form.getlist("field_value")
    fields = {
        str(i).strip(): str(v) for i, v in zip(ids, templates, strict=False) if str(i).strip()
    }
    return {
        "name": one("name"),
        "enabled": form.get("enabled") == "on",
        "program": one("program"),
        "project_key": one("project_key"),
        "issue_type_id": one("issue_type_id"),
        "auto_on": form.get("auto_on") == "on",
        "auto_states": [str(s) for s in form.getlist("auto_states")],
        "fields": fields,
        "severity_to_priority": {
            s: one(f"priority__{s}") for s in SEVERITIES if one(f"priority__{s}")
        },
        "to_jira": [str(k) for k in form.getlist("to_jira")],
        "to_hackerone": [str(k) for k in form.getlist("to_hackerone")],
        "closed_done": form.get("closed_done") == "on",
        "closed_statuses": [str(s) for s in form.getlist("closed_statuses")],
        "closed_message": one("closed_message"),
        "hackerone_connection_id": number("hackerone_connection_id"),
        "jira_connection_id": number("jira_connection_id"),
    }


# Jira fields whose values are lists (labels, components …): comma-separated in the table.
_LIST_FIELDS = frozenset({"labels", "components", "fixVersions", "versions"})


def build(values: dict[str, Any]) -> dict[str, Any]:
    fields = {
        k: [part.strip() for part in v.split(",") if part.strip()] if k in _LIST_FIELDS else v
        for k, v in values["fields"].items()
    }
    closed = None
    if values["closed_done"] or values["closed_statuses"]:
        closed = {
            "status_ids": values["closed_statuses"],
            "status_category": "done" if values["closed_done"] else None,
            "message": values["closed_message"] or "The issue {{issue_key}} was closed in Jira.",
        }
    return {
        "name": values["name"],
        "enabled": values["enabled"],
        "program": values["program"],
        "project_key": values["project_key"],
        "issue_type_id": values["issue_type_id"],
        "auto": {"on_states": values["auto_states"]} if values["auto_on"] else None,
        "fields": fields,
        "severity_to_priority": values["severity_to_priority"],
        "hackerone_to_jira": {k: k in values["to_jira"] for k in HackerOneToJira.model_fields},
        "jira_to_hackerone": {k: k in values["to_hackerone"] for k in JiraToHackerOne.model_fields},
        "closed": closed,
    }


def _errors(exc: ValidationError) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in exc.errors():
        key = str(problem["loc"][0]) if problem["loc"] else "form"
        message = str(problem["msg"])
        found[key] = f"{found[key]}; {message}" if key in found else message
    return found
