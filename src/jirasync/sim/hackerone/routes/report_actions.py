"""What a program does to a report: comments, state changes, reference, assignee, severity,
weakness, scope, CVEs, title, close comments, disclosure requests. Each records its activity."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from jirasync.sim.hackerone import cvss, transitions
from jirasync.sim.hackerone.errors import h1_json, invalid
from jirasync.sim.hackerone.model import Ref, Report, Severity
from jirasync.sim.hackerone.routes.common import Call, attributes, flag, id_list, integer, text
from jirasync.sim.hackerone.seed import RATINGS
from jirasync.sim.hackerone.state import CLOSED_STATES

REPORT_MANAGEMENT = "report_management"
CVE_ID = re.compile(r"CVE-\d{4}-\d{4,}")
CALCULATION_METHODS = ("cvss_3_0_hackerone", "cvss_3_1", "cvss_4_0", "manual")


def _report_doc(call: Call, report_id: int) -> dict[str, object]:
    return {"data": call.sim.renderer.report(call.sim.state.reports[report_id], call.base_url)}


def attach(call: Call, report: Report, attrs: dict[str, Any]) -> list[int]:
    """`attachment_ids` of uploaded files, now also listed on the report; an unknown id is a
    400 naming `attachment_ids`."""
    ids = id_list(attrs, "attachment_ids")
    if any(i not in call.sim.state.attachments for i in ids):
        raise invalid("attachment_ids")
    report.attachment_ids.extend(i for i in ids if i not in report.attachment_ids)
    return ids


async def add_comment(call: Call) -> Response:
    report = call.report(write=True)
    data = await call.data()
    attrs = attributes(data)
    message = text(attrs, "message", required=True)
    internal = flag(attrs, "internal", required=True)
    if not internal:
        call.principal.require(REPORT_MANAGEMENT)
    if report.comments_closed and not internal:
        raise invalid("report_id", "Comments on this report are closed.")
    attachment_ids = attach(call, report, attrs)
    activity = call.sim.record(
        report, "activity-comment", call.actor(), message, internal, attachment_ids=attachment_ids
    )
    return h1_json({"data": call.sim.renderer.activity(activity, call.base_url)}, 201)


async def change_state(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    attrs = attributes(await call.data())
    target = text(attrs, "state", required=True)
    message = text(attrs, "message")
    transitions.check(report.state, target, message)
    extra = _duplicate_of(call, report, attrs) if target == "duplicate" else {}
    attachment_ids = attach(call, report, attrs)
    kind = transitions.activity_type(report.state, target)
    _apply_state(call, report.id, target)
    call.sim.record(
        report, kind, call.actor(), message, False, extra, attachment_ids=attachment_ids
    )
    return h1_json(_report_doc(call, report.id), 201)


def _duplicate_of(call: Call, report: Report, attrs: dict[str, Any]) -> dict[str, object]:
    """The optional `original_report_id`: another report of the same program."""
    if attrs.get("original_report_id") is None:
        return {}
    original_id = integer(attrs["original_report_id"], "original_report_id")
    original = call.sim.state.reports.get(original_id)
    if original is None or original is report or original.program_id != report.program_id:
        raise invalid("original_report_id")
    return {"original_report_id": original_id}


def _apply_state(call: Call, report_id: int, target: str) -> None:
    report = call.sim.state.reports[report_id]
    now = call.sim.state.clock.now()
    report.state = target
    if target == "triaged" and report.dates["triaged_at"] is None:
        report.dates["triaged_at"] = now
    report.dates["closed_at"] = now if target in CLOSED_STATES else None


async def set_reference(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    attrs = attributes(await call.data())
    reference = text(attrs, "reference", required=True)
    message = text(attrs, "message")
    url = text(attrs, "reference_url", default="") or None
    report.reference_id = reference
    report.reference_url = url
    call.sim.record(
        report,
        "activity-reference-id-added",
        call.actor(),
        message,
        True,
        {"reference": reference, "reference_url": url},
    )
    # Recorded quirk: the report sits under top-level "relationships", with no "data".
    return h1_json({"relationships": {"report": _report_doc(call, report.id)}})


async def set_assignee(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    data = await call.data()
    kind = data.get("type")
    message = text(attributes(data), "message")
    program = call.principal.program
    links: dict[str, Ref] = {}
    if kind == "nobody":
        assignee, activity = None, "activity-nobody-assigned-to-bug"
    elif kind == "user":
        user_id = integer(data.get("id"), "id")
        if program.member_for(user_id) is None or user_id in {t.user_id for t in program.tokens}:
            raise invalid("id", "The user cannot be assigned to this report.")
        assignee, activity = ("user", user_id), "activity-user-assigned-to-bug"
        links["assigned_user"] = assignee
    elif kind == "group":
        group_id = integer(data.get("id"), "id")
        if program.group(group_id) is None:
            raise invalid("id")
        assignee, activity = ("group", group_id), "activity-group-assigned-to-bug"
        links["group"] = assignee
    else:
        raise invalid("type")
    report.assignee = assignee
    call.sim.record(report, activity, call.actor(), message, True, links=links)
    return h1_json(_report_doc(call, report.id))


async def update_severity(call: Call) -> Response:
    """A rating, or CVSS 3 metrics from which score and rating are computed."""
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    attrs = attributes(await call.data())
    rating, score, metrics, method = _severity_from(attrs)
    state = call.sim.state
    old = state.severities.get(report.severity_id) if report.severity_id else None
    severity = Severity(
        id=state.next_id("severity"),
        rating=rating,
        author_type="Team",
        user_id=call.principal.user.id,
        created_at=state.clock.now(),
        score=score,
        metrics=metrics,
        calculation_method=method,
    )
    state.severities[severity.id] = severity
    report.severity_id = severity.id
    change = {"old_severity": old.rating if old else None, "new_severity": severity.rating}
    message = text(attrs, "message")
    call.sim.record(
        report, "activity-report-severity-updated", call.actor(), message, False, change
    )
    return h1_json({"data": call.sim.renderer.severity(severity)})


def _severity_from(attrs: dict[str, Any]) -> tuple[str, float | None, dict[str, str], str]:
    method = attrs.get("calculation_method")
    if method is not None and method not in CALCULATION_METHODS:
        raise invalid("calculation_method")
    given = {m: attrs[m] for m in cvss.METRICS if attrs.get(m) is not None}
    if given and method in (None, "cvss_3_0_hackerone", "cvss_3_1"):
        missing = cvss.invalid_metric(given)
        if missing is not None:
            raise invalid(missing)
        score = cvss.base_score(given)
        return cvss.rating(score), score, given, method or "cvss_3_1"
    rating = attrs.get("rating")
    if rating not in RATINGS:
        raise invalid("rating")
    return str(rating), None, {}, "manual"


async def update_weakness(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT, status=404)
    attrs = attributes(await call.data())
    weakness_id = integer(attrs.get("weakness_id"), "weakness_id")
    program = call.principal.program
    if program.weakness(weakness_id) is None:
        raise invalid("weakness_id")
    old = program.weakness(report.weakness_id) if report.weakness_id else None
    new = program.weakness(weakness_id)
    assert new is not None
    report.weakness_id = weakness_id
    # The reference names old/new weakness attributes; older answers (and the h1 client)
    # carry old/new vulnerability types as relationships. Both are given.
    change = {"old_weakness": old.name if old else None, "new_weakness": new.name}
    links: dict[str, Ref | list[Ref]] = {
        "old_vulnerability_types": [("weakness", old.id)] if old else [],
        "new_vulnerability_types": [("weakness", new.id)],
    }
    call.sim.record(
        report,
        "activity-report-vulnerability-types-updated",
        call.actor(),
        "",
        False,
        change,
        links=links,
    )
    return h1_json(_report_doc(call, report.id))


async def update_scope(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT, status=404)
    attrs = attributes(await call.data())
    scope_id = integer(attrs.get("structured_scope_id"), "structured_scope_id")
    program = call.principal.program
    new = program.scope(scope_id)
    if new is None:
        raise invalid("structured_scope_id")
    links: dict[str, Ref] = {"new_scope": ("structured_scope", new.id)}
    if report.scope_id is not None:
        links["old_scope"] = ("structured_scope", report.scope_id)
    report.scope_id = scope_id
    call.sim.record(report, "activity-changed-scope", call.actor(), "", False, links=links)
    return h1_json(_report_doc(call, report.id))


async def update_cves(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT, status=404)
    attrs = attributes(await call.data())
    cve_ids = attrs.get("cve_ids")
    if not isinstance(cve_ids, list) or not all(
        isinstance(c, str) and CVE_ID.fullmatch(c) for c in cve_ids
    ):
        raise invalid("cve_ids")
    added = [c for c in cve_ids if c not in report.cve_ids]
    report.cve_ids = list(dict.fromkeys(cve_ids))
    if added:
        call.sim.record(
            report, "activity-cve-id-added", call.actor(), "", False, {"cve_ids": added}
        )
    return h1_json(_report_doc(call, report.id))


async def update_title(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    attrs = attributes(await call.data())
    title = text(attrs, "title", required=True)
    if not title.strip():
        raise invalid("title")
    change = {"old_title": report.title, "new_title": title}
    report.title = title
    call.sim.record(report, "activity-report-title-updated", call.actor(), "", False, change)
    return h1_json(_report_doc(call, report.id))


async def close_comments(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    data = await call.data()
    if data.get("type", "activity-comments-closed") != "activity-comments-closed":
        raise invalid("type")
    if report.state not in CLOSED_STATES:
        raise invalid("report_id", "Only closed reports can be locked.")
    if report.comments_closed:
        raise invalid("report_id", "Comments on this report are already closed.")
    report.comments_closed = True
    activity = call.sim.record(report, "activity-comments-closed", call.actor(), "", False)
    return h1_json({"data": call.sim.renderer.activity(activity, call.base_url)})


async def request_disclosure(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    attrs = attributes(await call.data())
    substate = text(attrs, "substate", default="full")
    if substate not in ("full", "no-content"):
        raise invalid("substate")
    if report.state not in CLOSED_STATES or report.dates["disclosed_at"] is not None:
        raise invalid(
            "report_id", "Disclosure can only be requested for a closed, undisclosed report."
        )
    activity = call.sim.record(
        report,
        "activity-agreed-on-going-public",
        call.actor(),
        text(attrs, "message"),
        False,
        {"substate": substate},
    )
    return h1_json({"data": call.sim.renderer.activity(activity, call.base_url)}, 201)


async def cancel_disclosure(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REPORT_MANAGEMENT)
    data = await call.data() if await call.request.body() else {}
    if not any(
        call.sim.state.activities[i].type == "activity-agreed-on-going-public"
        for i in report.activity_ids
    ):
        raise invalid("report_id", "There is no disclosure request to cancel.")
    activity = call.sim.record(
        report,
        "activity-cancelled-disclosure-request",
        call.actor(),
        text(attributes(data), "message"),
        False,
    )
    return h1_json({"data": call.sim.renderer.activity(activity, call.base_url)})
