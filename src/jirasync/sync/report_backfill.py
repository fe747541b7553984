"""Backfill for HackerOne: the reports of a program that existed before its escalation did.

A report whose `issue_tracker_reference_id` already names a Jira issue (HackerOne's own
integration, or a person, put it there) is linked to that issue; an unreferenced report that
the escalation's automatic filter wants is escalated; the rest are left for a person. Both go
through the same functions as `jirasync link` and `jirasync escalate`, so a second run (or a
run racing a webhook) creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jirasync.core.errors import RemoteError
from jirasync.core.planner import hackerone as h1_planner
from jirasync.engine.outcomes import TransientError
from jirasync.sync.escalate import escalate, link_existing
from jirasync.sync.executor import Impossible
from jirasync.sync.links import SourceRef
from jirasync.sync.rulebook import HackerOneEscalation
from jirasync.sync.runtime import SyncRuntime

JSON = dict[str, Any]
# States a report can still be worked on in; closed ones are history, not backlog.
OPEN_STATES = ("new", "pending-program-review", "triaged", "needs-more-info", "retesting")


@dataclass(frozen=True)
class ReportCandidate:
    label: str
    hackerone_connection_id: int
    report: JSON
    escalation: HackerOneEscalation


@dataclass
class ReportResult:
    candidate: ReportCandidate
    acted: bool
    summary: str
    actions: list[str] = field(default_factory=list)


class ReportBackfill:
    def __init__(self, runtime: SyncRuntime) -> None:
        self.runtime = runtime

    async def candidates(self) -> list[ReportCandidate]:
        found: dict[tuple[int, str], ReportCandidate] = {}
        for chosen in await self.runtime.rules.hackerone():
            if not chosen.escalation.enabled:
                continue
            hackerone = await self.runtime.pool.hackerone(chosen.hackerone_connection_id)
            async for report in hackerone.client.reports([hackerone.program], states=OPEN_STATES):
                key = (hackerone.id, str(report["id"]))
                if key not in found:  # the first enabled escalation of a program decides
                    title = (report.get("attributes") or {}).get("title")
                    label = f"report {report['id']} ({title})"
                    found[key] = ReportCandidate(label, hackerone.id, report, chosen)
        return list(found.values())

    async def run(self, candidate: ReportCandidate, *, dry_run: bool) -> ReportResult:
        report_id = str(candidate.report["id"])
        source = SourceRef(candidate.hackerone_connection_id, "report", report_id)
        if await self.runtime.links.by_source(source) is not None:
            return ReportResult(candidate, False, "already linked")
        decision = decide(candidate.report, candidate.escalation)
        if decision.action is None:
            return ReportResult(candidate, False, decision.reason)
        if dry_run:
            return ReportResult(candidate, True, decision.reason, [decision.action])
        try:
            return await self._apply(candidate, report_id, decision)
        except TransientError as exc:
            return ReportResult(candidate, False, f"not done, retry later: {exc}")
        except (Impossible, RemoteError) as exc:
            return ReportResult(candidate, False, f"failed: {exc}")

    async def _apply(
        self, candidate: ReportCandidate, report_id: str, decision: Decision
    ) -> ReportResult:
        if decision.reference:
            key = await link_existing(
                self.runtime, candidate.hackerone_connection_id, report_id, decision.reference
            )
            return ReportResult(candidate, True, f"linked to {key}", [decision.action or ""])
        name = candidate.escalation.escalation.name
        done = await escalate(self.runtime, candidate.hackerone_connection_id, report_id, name)
        messages = [str(a["message"]) for a in done.activity.actions]
        return ReportResult(candidate, done.created, f"escalated to {done.issue_key}", messages)


@dataclass(frozen=True)
class Decision:
    reason: str
    action: str | None = None
    reference: str | None = None  # link to this existing issue instead of creating one


def decide(report: Mapping[str, Any], chosen: HackerOneEscalation) -> Decision:
    """What backfill does with an unlinked report (pure, so a dry run tells the truth)."""
    attributes = report.get("attributes") or {}
    reference = str(attributes.get("issue_tracker_reference_id") or "").strip()
    if reference:
        return Decision(
            f"its reference names {reference}", f"link to the existing issue {reference}", reference
        )
    escalation = chosen.escalation
    if h1_planner.auto_escalates(report, escalation):
        state = attributes.get("state")
        return Decision(
            f"report is {state}: automatic escalation",
            f"escalate with {escalation.name!r} to project {escalation.project_key}",
        )
    return Decision("not escalated (escalate it manually, or widen the automatic filter)")
