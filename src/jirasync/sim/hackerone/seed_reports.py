"""Seeded reports: dates, assignee, severity, weakness, scope, and their bounties, swag,
attachments and activities."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jirasync.sim.common import SeedError
from jirasync.sim.hackerone.model import (
    REPORT_DATES,
    Activity,
    Attachment,
    Bounty,
    Program,
    Ref,
    Report,
    Severity,
    Swag,
)
from jirasync.sim.hackerone.seed_fields import (
    EPOCH,
    each,
    get,
    get_list,
    get_time,
    mapping,
    parse_time,
    user_ref,
)
from jirasync.sim.hackerone.state import STATES, State

RATINGS = ("none", "low", "medium", "high", "critical")


def build_report(state: State, entry: dict[str, Any], where: str) -> None:
    handle = get(entry, "program", str, where)
    program = state.program_by_handle(handle)
    if program is None:
        raise SeedError(f"{where}: unknown program {handle!r}")
    report_id = get(entry, "id", int, where)
    if report_id in state.reports:
        raise SeedError(f"{where}: duplicate report id {report_id}")
    report_state = get(entry, "state", str, where, "new")
    if report_state not in STATES:
        raise SeedError(f"{where}: unknown state {report_state!r}; known: {list(STATES)}")
    created = get_time(entry, "created_at", where, EPOCH)
    dates: dict[str, datetime | None] = {name: None for name in REPORT_DATES}
    for name in REPORT_DATES:
        if entry.get(name) is not None:
            dates[name] = parse_time(entry[name], f"{where}: '{name}'")
    dates["created_at"] = created
    dates["submitted_at"] = dates["submitted_at"] or created
    dates["last_activity_at"] = dates["last_activity_at"] or created
    report = Report(
        id=report_id,
        program_id=program.id,
        title=get(entry, "title", str, where),
        vulnerability_information=get(entry, "vulnerability_information", str, where, ""),
        state=report_state,
        reporter_id=user_ref(state, entry, "reporter", where).id,
        dates=dates,
        source=get(entry, "source", str, where, None),
        reference_id=get(entry, "issue_tracker_reference_id", str, where, None),
        reference_url=get(entry, "issue_tracker_reference_url", str, where, None),
        comments_closed=get(entry, "comments_closed", bool, where, False),
        cve_ids=[str(c) for c in get_list(entry, "cve_ids", where)],
    )
    report.assignee = _assignee(state, program, entry.get("assignee"), where)
    report.weakness_id = _in_program(entry, "weakness", program.weakness, where)
    report.scope_id = _in_program(entry, "structured_scope", program.scope, where)
    state.reports[report.id] = report
    if entry.get("severity") is not None:
        _severity(state, report, mapping(entry["severity"], f"{where}.severity"), where)
    _report_parts(state, program, report, entry, where)
    for moment in (d for d in dates.values() if d is not None):
        state.clock.observe(moment)


def _report_parts(
    state: State, program: Program, report: Report, entry: dict[str, Any], where: str
) -> None:
    """Bounties, swag and attachments first: activities may point at them."""
    builders: list[tuple[str, Callable[[dict[str, Any], str], None]]] = [
        ("bounties", lambda e, w: _bounty(state, report, e, w)),
        ("swag", lambda e, w: _swag(state, report, e, w)),
        ("attachments", lambda e, w: _attachment(state, report, e, w)),
        ("activities", lambda e, w: _activity(state, program, report, e, w)),
    ]
    for key, build in builders:
        each(entry, key, where, build)


def _in_program(
    entry: dict[str, Any], key: str, find: Callable[[int], object | None], where: str
) -> int | None:
    ident = get(entry, key, int, where, None)
    if ident is not None and find(ident) is None:
        raise SeedError(f"{where}: '{key}' {ident} is not defined in the report's program")
    return ident


def _assignee(state: State, program: Program, raw: Any, where: str) -> Ref | None:
    if raw is None:
        return None
    entry = mapping(raw, f"{where}.assignee")
    if "user" in entry:
        return ("user", user_ref(state, entry, "user", f"{where}.assignee").id)
    name = get(entry, "group", str, f"{where}.assignee")
    group = next((g for g in program.groups if g.name == name), None)
    if group is None:
        raise SeedError(f"{where}.assignee: unknown group {name!r}")
    return ("group", group.id)


def _severity(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    rating = get(entry, "rating", str, f"{where}.severity")
    if rating not in RATINGS:
        raise SeedError(f"{where}.severity: rating must be one of {list(RATINGS)}")
    fixed = ("rating", "score", "id", "author_type", "calculation_method")
    extra = {k: str(v) for k, v in entry.items() if k not in fixed}
    severity = Severity(
        id=get(entry, "id", int, where, report.id + 50_000),
        rating=rating,
        author_type=get(entry, "author_type", str, where, "User"),
        calculation_method=get(entry, "calculation_method", str, where, None),
        user_id=report.reporter_id,
        created_at=report.dates["created_at"] or EPOCH,
        score=get(entry, "score", float, f"{where}.severity", None),
        metrics=extra,
    )
    state.severities[severity.id] = severity
    report.severity_id = severity.id


def _activity(
    state: State, program: Program, report: Report, entry: dict[str, Any], where: str
) -> None:
    kind = get(entry, "type", str, where)
    if not kind.startswith("activity-"):
        raise SeedError(f"{where}: type must start with 'activity-'")
    actor_name = entry.get("actor", "program")
    actor: Ref | None
    if actor_name is None:
        actor = None
    elif actor_name == "program":
        actor = ("program", program.id)
    else:
        actor = ("user", user_ref(state, entry, "actor", where).id)
    links: dict[str, Ref | list[Ref]] = {}
    if "assigned_user" in entry:
        links["assigned_user"] = ("user", user_ref(state, entry, "assigned_user", where).id)
    if "group" in entry:
        ref = _assignee(state, program, {"group": entry["group"]}, where)
        assert ref is not None
        links["group"] = ref
    if "swag" in entry:
        swag_id = get(entry, "swag", int, where)
        if swag_id not in state.swags:
            raise SeedError(f"{where}: 'swag' {swag_id} is not a swag of an earlier entry")
        links["swag"] = ("swag", swag_id)
    created = get_time(entry, "created_at", where, report.dates["created_at"])
    ident = get(entry, "id", int, where, None) or state.next_id("activity")
    if ident in state.activities:
        raise SeedError(f"{where}: duplicate activity id {ident}")
    state.activities[ident] = Activity(
        id=ident,
        type=kind,
        report_id=report.id,
        actor=actor,
        message=get(entry, "message", str, where, ""),
        internal=get(entry, "internal", bool, where, False),
        created_at=created,
        updated_at=get_time(entry, "updated_at", where, created),
        attributes=get(entry, "attributes", dict, where, {}),
        links=links,
    )
    report.activity_ids.append(ident)
    state.clock.observe(created)


def _bounty(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    try:
        amount = Decimal(str(entry.get("amount", 0)))
        bonus = Decimal(str(entry.get("bonus_amount", 0)))
    except InvalidOperation as exc:
        raise SeedError(f"{where}: amounts must be numbers") from exc
    bounty = Bounty(
        id=get(entry, "id", int, where, None) or state.next_id("bounty"),
        amount=amount,
        bonus_amount=bonus,
        created_at=get_time(entry, "created_at", where, report.dates["created_at"]),
    )
    state.bounties[bounty.id] = bounty
    report.bounty_ids.append(bounty.id)


def _swag(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    swag = Swag(
        id=get(entry, "id", int, where, None) or state.next_id("swag"),
        user_id=report.reporter_id,
        created_at=get_time(entry, "created_at", where, report.dates["created_at"]),
        sent=get(entry, "sent", bool, where, False),
    )
    if swag.id in state.swags:
        raise SeedError(f"{where}: duplicate swag id {swag.id}")
    state.swags[swag.id] = swag
    report.swag_ids.append(swag.id)


def _attachment(state: State, report: Report, entry: dict[str, Any], where: str) -> None:
    content = get(entry, "content", str, where, "").encode("utf-8")
    attachment = Attachment(
        id=get(entry, "id", int, where, None) or state.next_id("attachment"),
        file_name=get(entry, "file_name", str, where),
        content_type=get(entry, "content_type", str, where, "application/octet-stream"),
        file_size=get(entry, "file_size", int, where, len(content)),
        created_at=get_time(entry, "created_at", where, report.dates["created_at"]),
    )
    state.attachments[attachment.id] = attachment
    state.attachment_data[attachment.id] = content
    report.attachment_ids.append(attachment.id)
