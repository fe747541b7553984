"""Backfill: what existed before a rule did, handled as if its event had just arrived.

Open incidents on a rule's services become `incident.triggered` events (PagerDuty → Jira issue
per the rule's autocreate section); issues matching a rule's autocreate JQL become issue events
(Jira → PagerDuty incident). Real runs go through the same handlers as webhooks, so links,
create intents and idempotency markers make a second run create nothing; already-linked items
are skipped before any call. A dry run asks the pure planner and reports its plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from jirasync.connectors.jira.webhooks import parse_event as parse_jira_event
from jirasync.connectors.pagerduty.webhooks import parse_webhook as parse_pagerduty
from jirasync.core.actions import CreateIncident, CreateIssue, Plan
from jirasync.core.planner import pagerduty as pd_planner
from jirasync.engine.activity import ActivityRecorder
from jirasync.engine.outcomes import Done, TransientError
from jirasync.engine.registry import EventContext
from jirasync.store.db import Database
from jirasync.sync.links import SourceRef
from jirasync.sync.rulebook import PagerDutyRule
from jirasync.sync.runtime import SyncRuntime, source_key

JSON = dict[str, Any]
OPEN = ("triggered", "acknowledged")


@dataclass(frozen=True)
class Candidate:
    """One pre-existing item and the event body that stands for its arrival."""

    label: str
    source: str  # "pagerduty" or "jira": the handler that takes it
    connection_id: int
    body: JSON
    ordering_key: str
    rules: tuple[PagerDutyRule, ...]
    matched_jql: frozenset[str] = frozenset()


@dataclass
class Result:
    candidate: Candidate
    acted: bool
    summary: str
    actions: list[str] = field(default_factory=list)


class Backfill:
    def __init__(self, runtime: SyncRuntime) -> None:
        self.runtime = runtime

    async def candidates(self) -> list[Candidate]:
        rules = [r for r in await self.runtime.rules.pagerduty() if r.rule.enabled]
        return [*await self._open_incidents(rules), *await self._matching_issues(rules)]

    async def run(self, candidate: Candidate, *, dry_run: bool) -> Result:
        if await self._linked(candidate):
            return Result(candidate, False, "already linked")
        if dry_run:
            plan = await self._plan(candidate)
            steps = [describe(a) for a in plan.actions]
            return Result(candidate, not plan.empty, "; ".join(plan.reasons), steps)
        ctx = _context(candidate, self.runtime.db)
        handle = (
            self.runtime.handlers.pagerduty
            if candidate.source == "pagerduty"
            else self.runtime.handlers.jira
        )
        try:
            outcome = await handle(ctx)
        except TransientError as exc:  # the remote is busy or down: a later run picks it up
            return Result(candidate, False, f"not done, retry later: {exc}")
        messages = [str(a["message"]) for a in ctx.activity.actions]
        reason = getattr(outcome, "reason", None)
        summary = type(outcome).__name__.lower() + (f": {reason}" if reason else "")
        return Result(candidate, isinstance(outcome, Done), summary, messages)

    # -- PagerDuty → Jira ----------------------------------------------------------------------
    async def _open_incidents(self, rules: list[PagerDutyRule]) -> list[Candidate]:
        found: dict[tuple[int, str], Candidate] = {}
        for rule in rules:
            if not rule.rule.config.autocreate_issues:
                continue
            pagerduty = await self.runtime.pool.pagerduty(rule.pagerduty_connection_id)
            services = [s.id for s in rule.rule.config.services]
            async for incident in pagerduty.client.incidents(
                statuses=OPEN, service_ids=services, date_range="all"
            ):
                key = (pagerduty.id, str(incident["id"]))
                if key not in found:
                    found[key] = _incident_candidate(pagerduty.id, incident, rules)
        return list(found.values())

    # -- Jira → PagerDuty ----------------------------------------------------------------------
    async def _matching_issues(self, rules: list[PagerDutyRule]) -> list[Candidate]:
        found: dict[tuple[int, int, str], Candidate] = {}
        for rule in rules:
            if not rule.rule.config.autocreate_incidents:
                continue
            jira = await self.runtime.pool.jira(rule.jira_connection_id)
            for item in rule.rule.config.autocreate_incidents_config:
                async for issue in jira.client.search(item.jql):
                    key = (jira.id, rule.pagerduty_connection_id, str(issue["id"]))
                    earlier = found.get(key)
                    matched = (earlier.matched_jql if earlier else frozenset()) | {item.jql}
                    found[key] = await self._issue_candidate(
                        jira.id, issue, rule, matched, item.on_create
                    )
        return list(found.values())

    async def _issue_candidate(
        self, jira_id: int, issue: JSON, rule: PagerDutyRule, matched: frozenset[str], create: bool
    ) -> Candidate:
        body = {
            "timestamp": int(datetime.now(UTC).timestamp() * 1000),
            "webhookEvent": "jira:issue_created" if create else "jira:issue_updated",
            "issue_event_type_name": "issue_created" if create else "issue_updated",
            "issue": issue,
        }
        return Candidate(
            label=f"issue {issue.get('key')}",
            source="jira",
            connection_id=jira_id,
            body=body,
            ordering_key=await self.runtime.jira_key(jira_id, str(issue["id"])),
            rules=(rule,),
            matched_jql=matched,
        )

    # -- shared --------------------------------------------------------------------------------
    async def _linked(self, candidate: Candidate) -> bool:
        if candidate.source == "pagerduty":
            incident_id = str(candidate.body["event"]["data"]["id"])
            source = SourceRef(candidate.connection_id, "incident", incident_id)
            return await self.runtime.links.by_source(source) is not None
        links = await self.runtime.links.by_issue(
            candidate.connection_id, str(candidate.body["issue"]["id"])
        )
        wanted = {r.pagerduty_connection_id for r in candidate.rules}
        return any(
            link.source.type == "incident" and link.source.connection_id in wanted for link in links
        )

    async def _plan(self, candidate: Candidate) -> Plan:
        """What the handler would do, from the pure planner (nothing is written)."""
        rules = [r.rule for r in candidate.rules]
        first = candidate.rules[0]
        jira = await self.runtime.pool.jira(first.jira_connection_id)
        pagerduty = await self.runtime.pool.pagerduty(first.pagerduty_connection_id)
        ctx = pd_planner.Context(
            jira_statuses=await jira.metadata.statuses(),
            jira_priorities=await jira.metadata.priorities(),
            pagerduty_priorities={
                str(p["id"]): str(p.get("name")) for p in await pagerduty.client.priorities()
            },
            own_jira_users=jira.own_users,
            own_pagerduty_users=pagerduty.own_user_ids,
            issue_matches=lambda jql: jql in candidate.matched_jql,
        )
        if candidate.source == "pagerduty":
            event = parse_pagerduty(json.dumps(candidate.body).encode())[0]
            return pd_planner.plan_incident_event(event, rules, None, ctx)
        issue_event = parse_jira_event(candidate.body)
        return pd_planner.plan_issue_event(issue_event, rules, None, ctx, str(jira.id))


def describe(action: object) -> str:
    """One line per planned action for the dry run (the create actions in their own words)."""
    if isinstance(action, CreateIssue):
        summary = action.fields.get("summary", "")
        return f"CreateIssue in {action.project_key}: {summary!r} (marker {action.marker})"
    if isinstance(action, CreateIncident):
        return (
            f"CreateIncident on {action.service_id}: {action.title!r} (key {action.incident_key})"
        )
    return type(action).__name__


def _incident_candidate(pagerduty_id: int, incident: JSON, rules: list[PagerDutyRule]) -> Candidate:
    service = (incident.get("service") or {}).get("id")
    covering = tuple(
        r
        for r in rules
        if r.pagerduty_connection_id == pagerduty_id
        and any(s.id == service for s in r.rule.config.services)
    )
    body = {
        "event": {
            "id": f"backfill-{incident['id']}",
            "event_type": "incident.triggered",
            "resource_type": "incident",
            "occurred_at": incident.get("created_at"),
            "agent": None,
            "client": None,
            "data": incident,
        }
    }
    return Candidate(
        label=f"incident {incident['id']} ({incident.get('title')})",
        source="pagerduty",
        connection_id=pagerduty_id,
        body=body,
        ordering_key=source_key(SourceRef(pagerduty_id, "incident", str(incident["id"]))),
        rules=covering,
    )


def _context(candidate: Candidate, db: Database) -> EventContext:
    delivery = f"backfill-{candidate.source}-{candidate.label}"
    return EventContext(
        event_id=0,
        source=candidate.source,
        connection_id=candidate.connection_id,
        delivery_id=delivery,
        ordering_key=candidate.ordering_key,
        headers={},
        body=json.dumps(candidate.body).encode(),
        received_at=datetime.now(UTC),
        attempt=1,
        idempotency_token=delivery,
        activity=ActivityRecorder(),
        db=db,
    )
