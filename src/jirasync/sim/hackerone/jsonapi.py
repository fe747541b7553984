"""JSON:API documents as HackerOne writes them: string ids, related objects embedded in full
under `relationships` (no `included`), ISO timestamps with milliseconds, money as strings,
and absolute pagination links under the simulator's base URL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from jirasync.sim.hackerone.model import (
    REPORT_DATES,
    Activity,
    Attachment,
    Bounty,
    Group,
    Member,
    Program,
    Ref,
    Report,
    Severity,
    StructuredScope,
    Swag,
    User,
    Weakness,
)
from jirasync.sim.hackerone.state import CLOSED_STATES, State

Json = dict[str, Any]
DEFAULT_AVATAR = "/assets/avatars/default.png"
TIMERS = tuple(
    f"timer_{timer}_{suffix}"
    for timer in ("bounty_awarded", "first_program_response", "report_resolved", "report_triage")
    for suffix in ("elapsed_time", "miss_at")
)


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def money(amount: Decimal) -> str:
    return f"{amount:.2f}"


def grouped_money(amount: Decimal) -> str:
    """Bounty suggestions echo amounts as "5,000" (recorded quirk)."""
    whole = amount == amount.to_integral_value()
    return f"{int(amount):,}" if whole else f"{amount:,.2f}"


class Renderer:
    """Turns state objects into HackerOne's JSON:API shapes."""

    def __init__(self, state: State) -> None:
        self.state = state

    # -- people and programs ------------------------------------------------------------------
    def user(self, user: User) -> Json:
        avatar = {size: DEFAULT_AVATAR for size in ("62x62", "82x82", "110x110", "260x260")}
        attributes: Json = {
            "username": user.username,
            "name": user.name,
            "disabled": user.disabled,
            "created_at": iso(user.created_at),
            "profile_picture": avatar,
            "reputation": user.reputation,
            "signal": user.signal,
            "impact": user.impact,
            "bio": user.profile.get("bio"),
            "website": user.profile.get("website"),
            "location": user.profile.get("location"),
            "hackerone_triager": False,
        }
        return {"id": str(user.id), "type": "user", "attributes": attributes}

    def group(self, group: Group) -> Json:
        return {
            "id": str(group.id),
            "type": "group",
            "attributes": {
                "name": group.name,
                "created_at": iso(group.created_at),
                "permissions": list(group.permissions),
            },
        }

    def member(self, member: Member) -> Json:
        return {
            "id": str(member.id),
            "type": "member",
            "attributes": {
                "created_at": iso(member.created_at),
                "permissions": list(member.permissions),
            },
            "relationships": {"user": {"data": self.user(self.state.users[member.user_id])}},
        }

    def program(self, program: Program, full: bool = False) -> Json:
        doc: Json = {
            "id": str(program.id),
            "type": "program",
            "attributes": {
                "handle": program.handle,
                "policy": program.policy,
                "created_at": iso(program.created_at),
                "updated_at": iso(program.updated_at),
            },
        }
        if full:
            doc["relationships"] = {
                "groups": {"data": [self.group(g) for g in program.groups]},
                "members": {"data": [self.member(m) for m in program.members]},
            }
        return doc

    def ref(self, ref: Ref) -> Json | None:
        kind, ident = ref
        if kind == "user" and ident in self.state.users:
            return self.user(self.state.users[ident])
        if kind == "program" and ident in self.state.programs:
            return self.program(self.state.programs[ident])
        if kind == "group":
            found = self.state.group(ident)
            return self.group(found[1]) if found else None
        if kind == "swag" and ident in self.state.swags:
            return self.swag(self.state.swags[ident])
        if kind == "weakness":
            weaknesses = (p.weakness(ident) for p in self.state.programs.values())
            weakness = next((w for w in weaknesses if w is not None), None)
            return self.vulnerability_type(weakness) if weakness is not None else None
        if kind == "structured_scope":
            scopes = (p.scope(ident) for p in self.state.programs.values())
            scope = next((s for s in scopes if s is not None), None)
            return self.scope(scope) if scope is not None else None
        return None

    # -- report parts -------------------------------------------------------------------------
    def severity(self, severity: Severity) -> Json:
        attributes: Json = {
            "rating": severity.rating,
            "author_type": severity.author_type,
            "user_id": severity.user_id,
            "created_at": iso(severity.created_at),
        }
        if severity.score is not None:
            attributes["score"] = severity.score
        if severity.calculation_method is not None:
            attributes["calculation_method"] = severity.calculation_method
        attributes |= severity.metrics
        return {"id": str(severity.id), "type": "severity", "attributes": attributes}

    def weakness(self, weakness: Weakness) -> Json:
        return {
            "id": str(weakness.id),
            "type": "weakness",
            "attributes": {
                "name": weakness.name,
                "description": weakness.description,
                "external_id": weakness.external_id,
                "created_at": iso(weakness.created_at),
            },
        }

    def vulnerability_type(self, weakness: Weakness) -> Json:
        """The pre-2017 name of a weakness, still embedded by older API versions."""
        return {
            "id": str(weakness.id),
            "type": "vulnerability-type",
            "attributes": {
                "name": weakness.name,
                "description": weakness.description,
                "created_at": iso(weakness.created_at),
            },
        }

    def scope(self, scope: StructuredScope) -> Json:
        return {
            "id": str(scope.id),
            "type": "structured-scope",
            "attributes": {
                "asset_type": scope.asset_type,
                "asset_identifier": scope.asset_identifier,
                "eligible_for_bounty": scope.eligible_for_bounty,
                "eligible_for_submission": scope.eligible_for_submission,
                "instruction": scope.instruction,
                "max_severity": scope.max_severity,
                "confidentiality_requirement": scope.details.get("confidentiality_requirement"),
                "integrity_requirement": scope.details.get("integrity_requirement"),
                "availability_requirement": scope.details.get("availability_requirement"),
                "reference": scope.details.get("reference"),
                "created_at": iso(scope.created_at),
                "updated_at": iso(scope.updated_at),
            },
        }

    def bounty(self, bounty: Bounty) -> Json:
        return {
            "id": str(bounty.id),
            "type": "bounty",
            "attributes": {
                "amount": money(bounty.amount),
                "bonus_amount": money(bounty.bonus_amount),
                "awarded_amount": money(bounty.amount),
                "awarded_bonus_amount": money(bounty.bonus_amount),
                "awarded_currency": bounty.currency,
                "created_at": iso(bounty.created_at),
            },
        }

    def swag(self, swag: Swag) -> Json:
        doc: Json = {
            "id": str(swag.id),
            "type": "swag",
            "attributes": {"sent": swag.sent, "created_at": iso(swag.created_at)},
        }
        user = self.state.users.get(swag.user_id)
        if user is not None:
            doc["relationships"] = {"user": {"data": self.user(user)}}
            if user.address is not None:
                address = {"id": str(user.id), "type": "address", "attributes": user.address}
                doc["relationships"]["address"] = {"data": address}
        return doc

    def attachment(self, attachment: Attachment, base_url: str) -> Json:
        return {
            "id": str(attachment.id),
            "type": "attachment",
            "attributes": {
                "expiring_url": f"{base_url}/_sim/attachments/{attachment.id}",
                "created_at": iso(attachment.created_at),
                "file_name": attachment.file_name,
                "content_type": attachment.content_type,
                "file_size": attachment.file_size,
            },
        }

    def activity(self, activity: Activity, base_url: str, with_report_id: bool = False) -> Json:
        attributes: Json = {
            "message": activity.message,
            "created_at": iso(activity.created_at),
            "updated_at": iso(activity.updated_at),
            "internal": activity.internal,
            **activity.attributes,
        }
        if with_report_id:
            attributes["report_id"] = str(activity.report_id)
        relationships: Json = {}
        if activity.actor is not None:
            relationships["actor"] = {"data": self.ref(activity.actor)}
        for name, link in activity.links.items():
            if isinstance(link, list):
                relationships[name] = {"data": [self.ref(ref) for ref in link]}
            else:
                relationships[name] = {"data": self.ref(link)}
        if activity.attachment_ids:
            relationships["attachments"] = {
                "data": [
                    self.attachment(self.state.attachments[i], base_url)
                    for i in activity.attachment_ids
                ]
            }
        return {
            "type": activity.type,
            "id": str(activity.id),
            "attributes": attributes,
            "relationships": relationships,
        }

    # -- the report ---------------------------------------------------------------------------
    def report(self, report: Report, base_url: str, listing: bool = False) -> Json:
        """The full report; in lists (``listing``) HackerOne leaves out the timeline parts
        (activities, swag, attachments, summaries), as the recorded list pages show."""
        relationships = self._report_relationships(report)
        if not listing:
            relationships |= self._report_timeline(report, base_url)
        return {
            "id": str(report.id),
            "type": "report",
            "attributes": self._report_attributes(report),
            "relationships": relationships,
        }

    def _report_attributes(self, report: Report) -> Json:
        attributes: Json = {
            "title": report.title,
            "state": report.state,
            "main_state": "closed" if report.state in CLOSED_STATES else "open",
            "vulnerability_information": report.vulnerability_information,
        }
        attributes |= {name: iso(report.dates.get(name)) for name in REPORT_DATES}
        # SLA timers: the simulator runs no SLA clock, so they stay null (as for programs
        # without SLAs).
        attributes |= dict.fromkeys(TIMERS)
        attributes["cve_ids"] = list(report.cve_ids)
        attributes["source"] = report.source
        # HackerOne leaves the reference keys out while no reference was ever set.
        if report.reference_id is not None:
            attributes["issue_tracker_reference_id"] = report.reference_id
            attributes["issue_tracker_reference_url"] = report.reference_url
        return attributes

    def _report_relationships(self, report: Report) -> Json:
        state = self.state
        program = state.programs[report.program_id]
        rels: Json = {
            "reporter": {"data": self.user(state.users[report.reporter_id])},
            "program": {"data": self.program(program)},
        }
        if report.assignee is not None:
            rels["assignee"] = {"data": self.ref(report.assignee)}
        if report.severity_id is not None:
            rels["severity"] = {"data": self.severity(state.severities[report.severity_id])}
        weakness = program.weakness(report.weakness_id) if report.weakness_id else None
        if weakness is not None:
            rels["weakness"] = {"data": self.weakness(weakness)}
        scope = program.scope(report.scope_id) if report.scope_id else None
        if scope is not None:
            rels["structured_scope"] = {"data": self.scope(scope)}
        rels["vulnerability_types"] = {
            "data": [self.vulnerability_type(weakness)] if weakness is not None else []
        }
        rels["bounties"] = {"data": [self.bounty(state.bounties[i]) for i in report.bounty_ids]}
        rels["custom_field_values"] = {"data": []}
        return rels

    def _report_timeline(self, report: Report, base_url: str) -> Json:
        state = self.state
        rels: Json = {
            "swag": {"data": [self.swag(state.swags[i]) for i in report.swag_ids]},
            "attachments": {
                "data": [
                    self.attachment(state.attachments[i], base_url) for i in report.attachment_ids
                ]
            },
        }
        # Recorded report documents never list the submission itself (`activity-bug-filed`);
        # it only shows in incremental activities and the report_created webhook.
        shown = [a for a in state.report_activities(report) if a.type != "activity-bug-filed"]
        newest_first = sorted(shown, key=lambda a: (a.created_at, a.id), reverse=True)
        rels["activities"] = {"data": [self.activity(a, base_url) for a in newest_first]}
        rels["summaries"] = {"data": []}
        return rels


# -- pages and errors -------------------------------------------------------------------------
def page_links(
    base_url: str, path: str, params: list[tuple[str, str]], number: int, size: int, total: int
) -> dict[str, str]:
    """`self`/`prev`/`next`/`last` for a paged list; `{}` when everything fits on one page."""
    pages = max(1, -(-total // size))
    if pages == 1:
        return {}
    kept = [(k, v) for k, v in params if k not in ("page[number]", "page[size]")]

    def url(page: int) -> str:
        query = [
            *kept,
            *([("page[number]", str(page))] if page > 1 else []),
            ("page[size]", str(size)),
        ]
        return f"{base_url}{path}?{urlencode(query)}"

    links = {"self": url(number)}
    if number > 1:
        links["prev"] = url(number - 1)
    if number < pages:
        links["next"] = url(number + 1)
    links["last"] = url(pages)
    return links


def error_body(status: int, parameter: str | None = None, detail: str | None = None) -> Json:
    """HackerOne's error document: bare `{"status": N}`, or an "Invalid Parameter" entry."""
    error: Json = {"status": status}
    if parameter is not None:
        error["title"] = "Invalid Parameter"
        error["detail"] = detail or f"The parameter '{parameter}' is invalid."
        error["source"] = {"parameter": parameter}
    elif detail is not None:
        error["detail"] = detail
    return {"errors": [error]}
