"""Manual actions, as the REST API and the UI both offer them: create the Jira issue of an
incident, trigger the incident of an issue, escalate a report, link an incident or report to
an issue that exists, and unlink. Each picks the connection (the one named, else the only one
of its kind) and answers with what was done; the remotes' refusals propagate as `RemoteError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from jirasync.admin.errors import Refusal
from jirasync.admin.rules import scope
from jirasync.engine.activity import ActivityRecorder, RemoteCallRecord
from jirasync.store.models import Connection, Link
from jirasync.sync import escalate, manual
from jirasync.sync.executor import Impossible
from jirasync.sync.links import SourceRef
from jirasync.sync.runtime import SyncRuntime


@dataclass(frozen=True)
class Outcome:
    """The pair after an action; `created` False when it existed already and nothing was made."""

    issue_key: str
    created: bool
    incident_id: str | None = None
    report_id: str | None = None
    reasons: list[str] = field(default_factory=list)
    activity: ActivityRecorder = field(default_factory=ActivityRecorder)
    browse: str | None = None  # the issue's page in Jira

    @property
    def actions(self) -> list[str]:
        return [str(a["message"]) for a in self.activity.actions]

    @property
    def calls(self) -> list[RemoteCallRecord]:
        return list(self.activity.calls)


@dataclass(frozen=True)
class LinkRequest:
    """An incident or report to pair with an issue that exists."""

    source_type: Literal["incident", "report"]
    connection_id: int  # the PagerDuty or HackerOne connection
    source_id: str
    issue_key: str
    jira_connection_id: int | None = None  # incidents: default the only Jira connection


async def create_issue(
    runtime: SyncRuntime, pagerduty_id: int | None, incident_id: str, rule_id: int | None
) -> Outcome:
    """The incident's Jira issue, made with a rule (even one whose auto-create is off)."""
    chosen = await _connection(runtime, "pagerduty", pagerduty_id)
    done = await manual.create_issue_for_incident(runtime, chosen, incident_id, rule_id)
    browse = await _browse(runtime, SourceRef(chosen, "incident", incident_id))
    return Outcome(
        done.issue_key, done.created, done.incident_id, None, done.reasons, done.activity, browse
    )


async def trigger_incident(
    runtime: SyncRuntime,
    jira_id: int | None,
    issue_key: str,
    rule_id: int | None,
    service_id: str | None,
) -> Outcome:
    """The issue's PagerDuty incident, triggered with a rule whatever its JQL."""
    chosen = await _connection(runtime, "jira", jira_id)
    done = await manual.trigger_incident_for_issue(runtime, chosen, issue_key, rule_id, service_id)
    browse = await browse_url(runtime, chosen, done.issue_key)
    return Outcome(
        done.issue_key, done.created, done.incident_id, None, done.reasons, done.activity, browse
    )


async def escalate_report(
    runtime: SyncRuntime, hackerone_id: int | None, report_id: str, escalation: str | None
) -> Outcome:
    """The report's Jira issue, made with the program's escalation; its reference is set."""
    chosen = await _connection(runtime, "hackerone", hackerone_id)
    done = await escalate.escalate(runtime, chosen, report_id, escalation)
    browse = await _browse(runtime, SourceRef(chosen, "report", done.report_id))
    return Outcome(done.issue_key, done.created, None, done.report_id, [], done.activity, browse)


async def link_existing(runtime: SyncRuntime, wanted: LinkRequest) -> int:
    """Pair an incident or report with an issue that exists; returns the link's id."""
    if wanted.source_type == "report":
        await escalate.link_existing(
            runtime, wanted.connection_id, wanted.source_id, wanted.issue_key
        )
    else:
        jira_id = await _connection(runtime, "jira", wanted.jira_connection_id)
        await manual.link_incident(
            runtime, wanted.connection_id, wanted.source_id, jira_id, wanted.issue_key
        )
    source = SourceRef(wanted.connection_id, wanted.source_type, wanted.source_id)
    stored = await runtime.links.by_source(source)
    if stored is None:
        raise Impossible("the link was not made")
    return stored.id


async def unlink(runtime: SyncRuntime, link_id: int) -> Link:
    """Unpair: both objects stay; a report's HackerOne reference is cleared (or, where
    HackerOne cannot, an internal comment says so). Returns the link as it was."""
    async with runtime.db.sessions() as session:
        row = await session.get(Link, link_id)
    if row is None:
        raise Refusal(404, f"no link {link_id}")
    source = SourceRef(row.source_connection_id, row.source_type, row.source_id)
    if row.source_type == "report":
        await escalate.unlink(runtime, source.connection_id, source.id)
    else:
        stored = await runtime.links.by_source(source)
        if stored is not None:
            await manual.unlink(runtime, stored)
    return row


async def browse_url(runtime: SyncRuntime, jira_id: int, issue_key: str) -> str | None:
    """Where a person opens the issue: its page on the Jira connection's base URL."""
    async with runtime.db.sessions() as session:
        jira = await session.get(Connection, jira_id)
    return f"{jira.base_url.rstrip('/')}/browse/{issue_key}" if jira else None


async def _browse(runtime: SyncRuntime, source: SourceRef) -> str | None:
    stored = await runtime.links.by_source(source)
    if stored is None:
        return None
    return await browse_url(runtime, stored.jira_connection_id, stored.issue_key)


async def _connection(runtime: SyncRuntime, kind: str, connection_id: int | None) -> int:
    async with runtime.db.sessions() as session:
        return await scope(session, kind, connection_id)
