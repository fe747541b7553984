"""The PagerDuty rules editor: the rule's scope (services × projects × issue types, comments)
and every entry of the four sections of PagerDuty's guide — create issues from incidents,
create incidents from issues, update the issue on incident events, update the incident on
issue status changes — with each section's actions, jirasync's extensions (fields set on
create and on transitions, priority sync) and the priority tables. Pickers are loaded live
from the remotes; problems are shown next to their fields and entries. "Add an entry",
"Remove this entry" and "Preview" re-render the form as typed (nothing saved, no script of
ours). The rules list moves rules up and down the evaluation order."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from starlette.datastructures import FormData

from jirasync.admin import pickers
from jirasync.admin.errors import Refusal
from jirasync.admin.preview import (
    IncidentEventType,
    IssueEventName,
    preview_incident,
    preview_issue,
)
from jirasync.admin.rules import (
    PAGERDUTY,
    create_pagerduty_rule,
    move_pagerduty_rule,
    pagerduty_rule_row,
    replace_pagerduty_rule,
)
from jirasync.core.actions import Plan
from jirasync.core.errors import RemoteError
from jirasync.core.rules.pagerduty import Rule
from jirasync.store.models import Connection
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.connections import UnusableConnection
from jirasync.sync.rulebook import PagerDutyRule
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.ui.access import Admin, Refused, Viewer, service_of
from jirasync.web.ui.connections import service_sync
from jirasync.web.ui.render import back, page
from jirasync.web.ui.rule_form import (
    DESCRIBE_TOKENS,
    SECTIONS,
    blank_entry,
    build_rule,
    change_entries,
    form_values,
    read_form,
)

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
PREVIEW_EVENTS: tuple[IncidentEventType, ...] = get_args(IncidentEventType)
SECTION_KEYS = tuple(SECTIONS)
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
    "config.jirasync": "extensions",
}


@router.get("/rules")
async def rules_page(request: Request, who: Viewer) -> Response:
    async with service_of(request).db.sessions() as session:
        rows = (
            await session.scalars(
                select(RuleRow)
                .where(RuleRow.kind == PAGERDUTY)
                .order_by(RuleRow.position, RuleRow.id)
            )
        ).all()
        names = {c.id: c.name for c in (await session.scalars(select(Connection))).all()}
    return page(request, "rules.html", rules=rows, names=names)


@router.get("/rules/new")
async def new_rule(request: Request, who: Admin) -> Response:
    first = blank_entry("s1") | {"events": ["incident.trigger"]}
    values = form_values({}) | {"enabled": True, "sync_comments": True, "s1": [first]}
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


@router.post("/rules/{rule_id}/up")
async def move_up(request: Request, who: Admin, rule_id: RuleId) -> Response:
    return await _move(request, rule_id, -1)


@router.post("/rules/{rule_id}/down")
async def move_down(request: Request, who: Admin, rule_id: RuleId) -> Response:
    return await _move(request, rule_id, 1)


async def _move(request: Request, rule_id: int, step: int) -> Response:
    try:
        row = await move_pagerduty_rule(service_of(request).db, str(rule_id), step)
    except Refusal:
        raise Refused(404, f"There is no PagerDuty rule {rule_id}.") from None
    where = "earlier" if step < 0 else "later"
    return back(request, "/rules", f"Rule {row.name!r} is now evaluated {where}.")


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
    """Save the rule; or, for "Add an entry" / "Remove this entry" / "Preview", show the form
    again as typed (nothing saved)."""
    form = await request.form()
    values = read_form(form)
    add, remove = str(form.get("add") or ""), str(form.get("remove") or "")
    if add or remove:
        return await _editor(request, row, change_entries(values, add, remove), {})
    base = dict(row.definition) if row is not None else {}
    try:
        rule = Rule.model_validate(build_rule(values, base))
    except ValidationError as exc:
        return await _editor(request, row, values, field_errors(exc), 400)
    if form.get("preview"):
        return await _editor(request, row, values, {}, preview=await _preview(request, rule, form))
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


async def _preview(request: Request, rule: Rule, form: FormData) -> dict[str, Any]:
    """The dry run of the rule as typed (previewed as enabled: the point is to see what it
    would do) on the incident or issue the preview fields name."""
    values = read_form(form)
    incident = str(form.get("preview_incident") or "").strip()
    issue = str(form.get("preview_issue") or "").strip()
    event = str(form.get("preview_event") or "incident.triggered")[:60]
    updated = form.get("preview_issue_event") == "issue_updated"
    issue_event: IssueEventName = "issue_updated" if updated else "issue_created"
    shown = {"incident": incident, "issue": issue, "event": event, "issue_event": issue_event}
    pd_id, jira_id = values["pagerduty_connection_id"], values["jira_connection_id"]
    if bool(incident) == bool(issue) or len(incident) > 100 or len(issue) > 100:
        return shown | {"problem": "Enter either an incident id or an issue key."}
    played = next((e for e in PREVIEW_EVENTS if e == event), None)
    if played is None:
        return shown | {"problem": f"{event!r} is not an incident event."}
    if pd_id is None or jira_id is None:
        return shown | {"problem": "Choose the PagerDuty account and the Jira instance first."}
    typed = PagerDutyRule(0, rule.model_copy(update={"enabled": True}), pd_id, jira_id)
    runtime = service_sync(request)
    try:
        if incident:
            plan = await preview_incident(runtime, typed, incident, played)
        else:
            plan = await preview_issue(runtime, typed, issue, issue_event)
    except (RemoteError, UnusableConnection) as exc:
        return shown | {"problem": str(exc)}
    return shown | {"actions": _planned(plan), "reasons": list(plan.reasons)}


def _planned(plan: Plan) -> list[tuple[str, dict[str, Any]]]:
    return [(type(a).__name__, dataclasses.asdict(a)) for a in plan.actions]


async def _pickers(
    runtime: SyncRuntime, pd_id: int | None, jira_id: int | None, projects: list[str]
) -> dict[str, pickers.Choices]:
    """Every picker's options, asked of the remotes at once (a slow remote costs one wait)."""
    empty = pickers.Choices([], "no connection of this kind yet")

    async def none() -> pickers.Choices:
        return empty

    async def no_projects() -> pickers.Choices:
        return pickers.Choices([], "choose the projects first")

    loads = {
        "services": pickers.pagerduty_services(runtime, pd_id) if pd_id else none(),
        "pd_priorities": pickers.pagerduty_priorities(runtime, pd_id) if pd_id else none(),
        "pd_users": pickers.pagerduty_users(runtime, pd_id) if pd_id else none(),
        "projects": pickers.jira_projects(runtime, jira_id) if jira_id else none(),
        "issue_types": (
            pickers.jira_issue_types(runtime, jira_id, projects)
            if jira_id and projects
            else no_projects()
        ),
        "statuses": pickers.jira_statuses(runtime, jira_id) if jira_id else none(),
        "jira_priorities": pickers.jira_priorities(runtime, jira_id) if jira_id else none(),
    }
    return dict(zip(loads, await asyncio.gather(*loads.values()), strict=True))


async def _editor(
    request: Request,
    row: RuleRow | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    preview: dict[str, Any] | None = None,
) -> Response:
    """The form, with every picker loaded live from the chosen connections."""
    async with service_of(request).db.sessions() as session:
        connections = (await session.scalars(select(Connection).order_by(Connection.id))).all()
    pds = [c for c in connections if c.kind == "pagerduty"]
    jiras = [c for c in connections if c.kind == "jira"]
    pd_id = values.get("pagerduty_connection_id") or (pds[0].id if pds else None)
    jira_id = values.get("jira_connection_id") or (jiras[0].id if jiras else None)
    values = values | {"pagerduty_connection_id": pd_id, "jira_connection_id": jira_id}
    return page(
        request,
        "rule_form.html",
        status,
        rule=row,
        values=values,
        errors=errors,
        preview=preview,
        pagerduty_connections=pds,
        jira_connections=jiras,
        **await _pickers(service_sync(request), pd_id, jira_id, values.get("projects") or []),
        events=EVENTS,
        describe_tokens=DESCRIBE_TOKENS,
        preview_events=PREVIEW_EVENTS,
    )


def field_errors(exc: ValidationError) -> dict[str, str]:
    """Each problem next to its field: `config.services: …` → errors["services"], and a
    section entry's (`config.autocreate_issues_config.1.target_project`) → errors["s1-1"]."""
    found: dict[str, str] = {}
    for problem in exc.errors():
        place = ".".join(str(p) for p in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        inner = message.split(":", 1)[0] if message.startswith("config.") else place
        key = _place(re.sub(r"\[(\d+)\]", r".\1", inner))
        found[key] = f"{found[key]}; {message}" if key in found else message
    return found


def _place(location: str) -> str:
    for prefix, field in _PLACES.items():
        if location.startswith(prefix):
            index = location.removeprefix(prefix).lstrip(".").split(".", 1)[0]
            return f"{field}-{index}" if field in SECTION_KEYS and index.isdigit() else field
    return "form"
