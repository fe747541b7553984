"""Manual actions page: create the Jira issue of an incident, trigger the incident of an issue,
escalate a report, link an incident or report to an existing issue. Each form answers on the
same page with what was done (the issue as a link into Jira, the actions, every remote call)
or with the remote's own refusal. Unlink is a button on /links."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response
from sqlalchemy import select

from jirasync.admin import actions
from jirasync.admin.errors import Refusal
from jirasync.admin.rules import HACKERONE, PAGERDUTY
from jirasync.core.errors import RemoteError
from jirasync.store.models import Connection, Link
from jirasync.store.models import Rule as RuleRow
from jirasync.sync.connections import UnusableConnection
from jirasync.sync.executor import Impossible
from jirasync.sync.links import SourceRef
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.ui.access import Admin, Viewer, service_of
from jirasync.web.ui.connections import service_sync
from jirasync.web.ui.render import page

router = APIRouter()

Text = Annotated[str, Form(max_length=200)]
REMOTE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
ISSUE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_]*-\d{1,12}$")
ROW_ID = re.compile(r"^\d{1,9}$")
UNPARSED = "unparsed"  # the ordering key of a webhook whose body named no incident or report
# Optional selects of store ids: "" is the default.
NUMBERS = {"pagerduty_connection_id", "jira_connection_id", "hackerone_connection_id", "rule_id"}
Work = Callable[[SyncRuntime], Awaitable[actions.Outcome]]


@router.get("/actions")
async def actions_page(
    request: Request,
    who: Viewer,
    incident: Annotated[str | None, Query(max_length=100)] = None,
    report: Annotated[str | None, Query(max_length=100)] = None,
    connection_id: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
) -> Response:
    """The forms; `?incident=` or `?report=` (with `connection_id`) fills in the one to act."""
    chosen = "" if connection_id is None else str(connection_id)
    if incident:
        values = {"incident_id": incident, "pagerduty_connection_id": chosen}
        return await _page(request, "create-issue", values)
    if report:
        return await _page(
            request, "escalate", {"report_id": report, "hackerone_connection_id": chosen}
        )
    return await _page(request)


async def offer(request: Request, ordering_key: str) -> tuple[str, str] | None:
    """For an event's incident or report that has no issue: what to offer and its form."""
    kind, _, rest = ordering_key.partition(":")
    connection, _, remote_id = rest.partition(":")
    if kind not in ("pagerduty", "hackerone") or not ROW_ID.match(connection):
        return None
    if remote_id == UNPARSED or not REMOTE_ID.match(remote_id):
        return None
    source_type = "incident" if kind == "pagerduty" else "report"
    source = SourceRef(int(connection), source_type, remote_id)
    if await service_sync(request).links.by_source(source) is not None:
        return None
    query = urlencode({source_type: remote_id, "connection_id": connection})
    label = "Create Jira issue" if kind == "pagerduty" else "Escalate to Jira"
    return label, f"/actions?{query}"


@router.post("/actions/create-issue")
async def create_issue(
    request: Request,
    who: Admin,
    incident_id: Text = "",
    pagerduty_connection_id: Text = "",
    rule_id: Text = "",
) -> Response:
    values = {
        "incident_id": incident_id.strip(),
        "pagerduty_connection_id": pagerduty_connection_id,
        "rule_id": rule_id,
    }
    errors = _problems(values, required={"incident_id": REMOTE_ID})

    async def work(runtime: SyncRuntime) -> actions.Outcome:
        return await actions.create_issue(
            runtime, _id(pagerduty_connection_id), values["incident_id"], _id(rule_id)
        )

    return await _run(request, "create-issue", values, errors, work)


@router.post("/actions/trigger-incident")
async def trigger_incident(
    request: Request,
    who: Admin,
    issue_key: Text = "",
    jira_connection_id: Text = "",
    rule_id: Text = "",
    service_id: Text = "",
) -> Response:
    values = {
        "issue_key": issue_key.strip().upper(),
        "jira_connection_id": jira_connection_id,
        "rule_id": rule_id,
        "service_id": service_id.strip(),
    }
    errors = _problems(
        values, required={"issue_key": ISSUE_KEY}, optional={"service_id": REMOTE_ID}
    )

    async def work(runtime: SyncRuntime) -> actions.Outcome:
        return await actions.trigger_incident(
            runtime,
            _id(jira_connection_id),
            values["issue_key"],
            _id(rule_id),
            values["service_id"] or None,
        )

    return await _run(request, "trigger-incident", values, errors, work)


@router.post("/actions/escalate")
async def escalate_report(
    request: Request,
    who: Admin,
    report_id: Text = "",
    hackerone_connection_id: Text = "",
    escalation: Text = "",
) -> Response:
    values = {
        "report_id": report_id.strip(),
        "hackerone_connection_id": hackerone_connection_id,
        "escalation": escalation,
    }
    errors = _problems(values, required={"report_id": REMOTE_ID})

    async def work(runtime: SyncRuntime) -> actions.Outcome:
        return await actions.escalate_report(
            runtime, _id(hackerone_connection_id), values["report_id"], escalation or None
        )

    return await _run(request, "escalate", values, errors, work)


@router.post("/actions/link")
async def link_existing(
    request: Request,
    who: Admin,
    source_type: Text = "",
    connection_id: Text = "",
    source_id: Text = "",
    issue_key: Text = "",
    jira_connection_id: Text = "",
) -> Response:
    values = {
        "source_type": source_type,
        "connection_id": connection_id,
        "source_id": source_id.strip(),
        "issue_key": issue_key.strip().upper(),
        "jira_connection_id": jira_connection_id,
    }
    errors = _problems(
        values,
        required={"source_id": REMOTE_ID, "issue_key": ISSUE_KEY, "connection_id": ROW_ID},
    )
    if source_type not in ("incident", "report"):
        errors["source_type"] = "Choose incident or report."

    async def work(runtime: SyncRuntime) -> actions.Outcome:
        wanted = actions.LinkRequest(
            "report" if source_type == "report" else "incident",
            int(connection_id),
            values["source_id"],
            values["issue_key"],
            _id(jira_connection_id),
        )
        return await _linked(runtime, await actions.link_existing(runtime, wanted))

    return await _run(request, "link", values, errors, work)


async def _linked(runtime: SyncRuntime, link_id: int) -> actions.Outcome:
    async with runtime.db.sessions() as session:
        row = await session.get(Link, link_id)
    assert row is not None  # link_existing just returned it
    browse = await actions.browse_url(runtime, row.jira_connection_id, row.issue_key)
    return actions.Outcome(
        row.issue_key,
        True,
        row.source_id if row.source_type == "incident" else None,
        row.source_id if row.source_type == "report" else None,
        [f"linked {row.source_type} {row.source_id} to {row.issue_key}"],
        browse=browse,
    )


async def _run(
    request: Request, form: str, values: dict[str, str], errors: dict[str, str], work: Work
) -> Response:
    """Do the action unless the form has problems; answer with its outcome or its refusal."""
    if errors:
        return await _page(request, form, values, errors, status=400)
    try:
        outcome = await work(service_sync(request))
    except Refusal as exc:
        problem = "; ".join(exc.errors or [exc.message])
        return await _page(request, form, values, {"form": problem}, status=exc.status)
    except RemoteError as exc:
        return await _page(request, form, values, {"form": str(exc)}, status=502)
    except (UnusableConnection, Impossible) as exc:
        return await _page(request, form, values, {"form": str(exc)}, status=422)
    return await _page(request, form, values, outcome=outcome)


async def _page(
    request: Request,
    form: str | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    outcome: actions.Outcome | None = None,
    status: int = 200,
) -> Response:
    async with service_of(request).db.sessions() as session:
        connections = (await session.scalars(select(Connection).order_by(Connection.id))).all()
        rules = (await session.scalars(select(RuleRow).order_by(RuleRow.position))).all()
    return page(
        request,
        "actions.html",
        status,
        pairs=_choices(connections, rules),
        form=form,
        values=values or {},
        errors=errors or {},
        outcome=outcome,
    )


def _choices(connections: Sequence[Connection], rules: Sequence[RuleRow]) -> dict[str, Any]:
    """The selects' options, (value, shown), from the store."""

    def of(kind: str) -> list[tuple[int, str]]:
        return [(c.id, c.name) for c in connections if c.kind == kind]

    return {
        "jira": of("jira"),
        "pagerduty": of("pagerduty"),
        "hackerone": of("hackerone"),
        "remote": [
            (c.id, f"{c.name} ({c.kind})")
            for c in connections
            if c.kind in ("pagerduty", "hackerone")
        ],
        "pd_rules": [(r.id, r.name) for r in rules if r.kind == PAGERDUTY],
        "escalations": [(r.name, r.name) for r in rules if r.kind == HACKERONE],
    }


def _problems(
    values: dict[str, str],
    required: dict[str, re.Pattern[str]],
    optional: dict[str, re.Pattern[str]] | None = None,
) -> dict[str, str]:
    """What is wrong with the form's fields, by field."""
    errors = {}
    for name, pattern in required.items():
        if not values[name]:
            errors[name] = "Required."
        elif not pattern.match(values[name]):
            errors[name] = f"{values[name]!r} is not valid here."
    for name, pattern in (optional or {}).items():
        if values[name] and not pattern.match(values[name]):
            errors[name] = f"{values[name]!r} is not valid here."
    for name in NUMBERS & values.keys():
        if values[name] and not ROW_ID.match(values[name]):
            errors[name] = f"{values[name]!r} is not a number."
    return errors


def _id(value: str) -> int | None:
    return int(value) if value else None
