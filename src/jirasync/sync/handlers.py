"""The engine's handlers for the three sources: parse the stored webhook, find the link and the
rules, ask the pure planner, hand the plan to the executor, and turn remote errors into the
engine's outcomes (retry for transient, dead letter with the remote's message otherwise).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import structlog

from jirasync.connectors.hackerone.webhooks import parse_webhook as parse_hackerone
from jirasync.connectors.http import RemoteCall, listening
from jirasync.connectors.jira.webhooks import parse_webhook as parse_jira
from jirasync.connectors.pagerduty.webhooks import parse_webhook as parse_pagerduty
from jirasync.core.actions import Plan
from jirasync.core.errors import RemoteError
from jirasync.core.events import (
    IncidentEvent,
    IssueEvent,
    MalformedEvent,
    ReportEvent,
    UnsupportedEvent,
)
from jirasync.core.planner import hackerone as h1_planner
from jirasync.core.planner import pagerduty as pd_planner
from jirasync.engine.activity import ActivityRecorder
from jirasync.engine.outcomes import Done, Failed, Ignored, Outcome, TransientError
from jirasync.engine.registry import EventContext
from jirasync.jql import EvalContext, JqlError, compile_matcher, needs_remote, parse
from jirasync.sync.connections import (
    ConnectionPool,
    JiraConnection,
    PagerDutyConnection,
    UnusableConnection,
)
from jirasync.sync.executor import Executor, Impossible, Target
from jirasync.sync.links import Links, SourceRef, StoredLink
from jirasync.sync.rulebook import PagerDutyRule, RuleBook
from jirasync.sync.users import UserMap

# Returned instead of a PagerDuty user when a change may not be made by anybody.
SKIP = "\x00skip"
# How long a PagerDuty user lookup by email is trusted (a new user is found sooner).
USER_TTL_S = 600.0
UNKNOWN_USER_TTL_S = 60.0


class Handlers:
    def __init__(self, pool: ConnectionPool, links: Links, rules: RuleBook, users: UserMap) -> None:
        self.pool = pool
        self.links = links
        self.rules = rules
        self.users = users
        # (PagerDuty connection, email) → (is a PagerDuty user, until): one lookup per user,
        # not one per synced change.
        self._pagerduty_users: dict[tuple[int, str], tuple[bool, float]] = {}

    # -- entry points (one per source) ---------------------------------------------------------
    async def pagerduty(self, ctx: EventContext) -> Outcome:
        async def run() -> bool:
            events = parse_pagerduty(ctx.body)
            pagerduty = await self.pool.pagerduty(_connection(ctx))
            acted = False
            for event in events:
                acted |= await self._incident_event(ctx, pagerduty, event)
            return acted

        return await self._outcome(ctx, run)

    async def jira(self, ctx: EventContext) -> Outcome:
        async def run() -> bool:
            event = parse_jira(ctx.body)
            jira = await self.pool.jira(_connection(ctx))
            links = await self.links.by_issue(jira.id, event.issue_id)
            if not links:
                await self._wait_for_a_link_in_the_making(jira, event)
            acted = await self._issue_event_pagerduty(ctx, jira, event, links)
            acted |= await self._issue_event_hackerone(ctx, jira, event, links)
            return acted

        return await self._outcome(ctx, run)

    async def _wait_for_a_link_in_the_making(self, jira: JiraConnection, event: IssueEvent) -> None:
        """A person's change to an issue jirasync is creating (it carries the marker of a
        create intent) that arrives before the link row: retried, not dropped as a change to
        an unlinked issue, so a comment made at once still reaches the incident or report."""
        if event.actor is not None and event.actor.id in jira.own_users:
            return
        labels = ((event.issue or {}).get("fields") or {}).get("labels") or []
        markers = [
            str(label)
            for label in labels
            if str(label).startswith((pd_planner.MARKER_PREFIX, h1_planner.MARKER_PREFIX))
        ]
        for marker in markers:
            if await self.links.intended(marker):
                raise TransientError(
                    f"issue {event.issue_key} is being linked ({marker}): its link comes first",
                    retry_after=1.0,
                )

    async def hackerone(self, ctx: EventContext) -> Outcome:
        async def run() -> bool:
            event = parse_hackerone(ctx.body, ctx.headers.get("x-h1-event"), ctx.delivery_id)
            return await self._report_event(ctx, event)

        return await self._outcome(ctx, run)

    async def _outcome(self, ctx: EventContext, run: Callable[[], Awaitable[bool]]) -> Outcome:
        try:
            with calls_into(ctx.activity):
                acted = await run()
        except UnsupportedEvent as exc:
            return Ignored(str(exc))
        except MalformedEvent as exc:
            return Failed(f"malformed webhook: {exc}")
        except UnusableConnection as exc:
            return Failed(str(exc))
        except Impossible as exc:
            return Failed(str(exc))
        except RemoteError as exc:
            if exc.transient:
                raise TransientError(str(exc), retry_after=exc.retry_after) from exc
            return Failed(str(exc))
        return (
            Done()
            if acted
            else Ignored(
                "; ".join(a["message"] for a in ctx.activity.actions[-3:]) or "nothing to do"
            )
        )

    # -- PagerDuty → Jira ----------------------------------------------------------------------
    async def _incident_event(
        self, ctx: EventContext, pagerduty: PagerDutyConnection, event: IncidentEvent
    ) -> bool:
        source = SourceRef(pagerduty.id, "incident", event.incident_id)
        link = await self.links.by_source(source)
        rules = await self.rules.pagerduty(pagerduty_connection_id=pagerduty.id)
        acted = False
        for jira_id, group in _by_jira(rules, link).items():
            jira = await self.pool.jira(jira_id)
            planner_ctx = await self.pagerduty_context(jira, pagerduty, event, group)
            plan = pd_planner.plan_incident_event(
                event, [r.rule for r in group], _state(link), planner_ctx
            )
            if await self._execute(
                ctx,
                plan,
                Target(
                    jira,
                    source,
                    link,
                    pagerduty=pagerduty,
                    transition_fields=_transition_fields(group),
                ),
                link,
            ):
                acted = True
                break
        if link is not None:
            await self._remember_incident_values(pagerduty, link, event)
        return acted

    async def _remember_incident_values(
        self, pagerduty: PagerDutyConnection, link: StoredLink, event: IncidentEvent
    ) -> None:
        """Once a person's incident change is handled, its status and priority are the pair's
        last known values: a Jira change asking for the same is not sent (PagerDuty would
        refuse a second resolve). jirasync's own changes were recorded when it made them."""
        if event.actor is not None and event.actor.id in pagerduty.own_user_ids:
            return
        values: dict[str, str] = {}
        status = event.incident.get("status")
        if status in ("triggered", "acknowledged", "resolved"):
            values["pd.status"] = str(status)
        priority = event.incident.get("priority")
        if isinstance(priority, dict):
            names = await _pagerduty_priorities(pagerduty)
            name = names.get(str(priority.get("id"))) or priority.get("summary")
            if name:
                values["pd.priority"] = str(name)
        if any(str(link.last_synced.get(k)) != v for k, v in values.items()):
            await self.links.synced(link.id, values)

    async def pagerduty_context(
        self,
        jira: JiraConnection,
        pagerduty: PagerDutyConnection,
        event: IncidentEvent | None,
        group: Sequence[PagerDutyRule],
    ) -> pd_planner.Context:
        assignee = None
        if event is not None and _uses_assignee(group):
            assignee = await self._jira_assignee(jira, pagerduty, event)
        return pd_planner.Context(
            jira_statuses=await jira.metadata.statuses(),
            jira_priorities=await jira.metadata.priorities(),
            pagerduty_priorities=await _pagerduty_priorities(pagerduty),
            own_jira_users=jira.own_users,
            own_pagerduty_users=pagerduty.own_user_ids,
            assignee_email=assignee,
        )

    async def _jira_assignee(
        self, jira: JiraConnection, pagerduty: PagerDutyConnection, event: IncidentEvent
    ) -> str | None:
        assignments = event.incident.get("assignments") or event.incident.get("assignees") or []
        first = assignments[0] if assignments else None
        user = (first.get("assignee") or first) if isinstance(first, dict) else None
        if not isinstance(user, dict) or not user.get("id"):
            return None
        email = user.get("email") or (await pagerduty.client.user(str(user["id"]))).get("email")
        found, _ = await self.jira_user_for(jira, pagerduty, str(user["id"]), email)
        return found

    async def jira_user_for(
        self,
        jira: JiraConnection,
        pagerduty: PagerDutyConnection,
        user_id: str,
        email: str | None,
    ) -> tuple[str | None, str]:
        """The Jira user for a PagerDuty user: a manual pair, else the Jira user with the same
        email, else the fallback user; and how it was found, or why nobody was."""
        paired = await self.users.paired_jira_user(jira.id, pagerduty.id, user_id, email)
        if paired:
            return paired, "manual"
        found = await jira.metadata.user(email) if email else None
        if found:
            return str(found["name"]), "email"
        fallback = await self.users.fallback(jira.id, pagerduty.id)
        if fallback:
            return fallback.jira_user, "fallback"
        return None, (
            f"PagerDuty user {user_id} is not mapped, no Jira user has the email "
            f"{email or '(none)'} and there is no fallback user"
        )

    # -- Jira → PagerDuty ----------------------------------------------------------------------
    async def _issue_event_pagerduty(
        self, ctx: EventContext, jira: JiraConnection, event: IssueEvent, links: list[StoredLink]
    ) -> bool:
        rules = await self.rules.pagerduty(jira_connection_id=jira.id)
        acted = False
        for pagerduty_id, group in _by_source(rules).items():
            link = _incident_link(links, pagerduty_id)
            pagerduty = await self.pool.pagerduty(pagerduty_id)
            planner_ctx = await self.pagerduty_context(jira, pagerduty, None, group)
            matcher = await self.jql_results(jira, event, group, link)
            planner_ctx = pd_planner.Context(**{**planner_ctx.__dict__, "issue_matches": matcher})
            plan = pd_planner.plan_issue_event(
                event, [r.rule for r in group], _state(link), planner_ctx, str(jira.id)
            )
            acting = await self._acting_pagerduty_user(ctx, jira, pagerduty, event, plan)
            if acting is not SKIP:
                source = link.source if link else SourceRef(jira.id, "issue", event.issue_id)
                target = Target(
                    jira,
                    source,
                    link,
                    pagerduty=pagerduty,
                    transition_fields=_transition_fields(group),
                    acting_as=acting or None,
                )
                acted |= await self._execute(ctx, plan, target, link)
            if link is not None:
                await self._remember_issue_values(jira, link, event)
        return acted

    async def _remember_issue_values(
        self, jira: JiraConnection, link: StoredLink, event: IssueEvent
    ) -> None:
        """Once a person's change is handled, the issue's new status and priority are the
        pair's last known values: PagerDuty's webhook for the change this made then plans no
        write back to Jira. (jirasync's own changes were recorded when it made them; the echo
        of its create still tells where a new issue starts.)"""
        values = _first_sight(link, event)
        if event.actor is not None and event.actor.id in jira.own_users:
            if values:
                await self.links.synced(link.id, values)
            return
        status = event.change_of("status")
        if status is not None and status.to_id:
            values["jira.status"] = status.to_id
        priority = event.change_of("priority")
        if priority is not None and priority.to_text:
            values["jira.priority"] = priority.to_text
        if any(str(link.last_synced.get(k)) != v for k, v in values.items()):
            await self.links.synced(link.id, values)

    async def _acting_pagerduty_user(
        self,
        ctx: EventContext,
        jira: JiraConnection,
        pagerduty: PagerDutyConnection,
        event: IssueEvent,
        plan: Plan,
    ) -> str | None:
        """The PagerDuty `From` for this Jira user's change; SKIP when nobody may make it."""
        if plan.empty or event.actor is None:
            return None
        email, how = await self.pagerduty_user_for(
            jira, pagerduty, event.actor.name, event.actor.email
        )
        if email is None:
            ctx.activity.action(f"skipped: {how}")
            return SKIP
        ctx.activity.action(f"acting in PagerDuty as {email} ({how})")
        return email

    async def pagerduty_user_for(
        self,
        jira: JiraConnection,
        pagerduty: PagerDutyConnection,
        jira_user: str | None,
        jira_email: str | None,
    ) -> tuple[str | None, str]:
        """The PagerDuty user (email) acting for a Jira user: a manual pair, else the same
        email if PagerDuty knows it, else the fallback user; and how, or why nobody."""
        email, how = await self.users.remote_for_jira_user(
            jira.id, pagerduty.id, jira_user, jira_email
        )
        if email is None or how != "email" or await self._is_pagerduty_user(pagerduty, email):
            return email, how
        fallback, how = await self.users.remote_for_jira_user(jira.id, pagerduty.id, None, None)
        if fallback is None:
            return None, f"{email} is not a PagerDuty user and there is no fallback user"
        return fallback, how

    async def _is_pagerduty_user(self, pagerduty: PagerDutyConnection, email: str) -> bool:
        key = (pagerduty.id, email.lower())
        known = self._pagerduty_users.get(key)
        if known is not None and known[1] > time.monotonic():
            return known[0]
        found = await pagerduty.client.find_user_by_email(email) is not None
        ttl = USER_TTL_S if found else UNKNOWN_USER_TTL_S
        self._pagerduty_users[key] = (found, time.monotonic() + ttl)
        return found

    async def jql_results(
        self,
        jira: JiraConnection,
        event: IssueEvent,
        group: Sequence[PagerDutyRule],
        link: StoredLink | None,
    ) -> Callable[[str], bool]:
        """Decide each rule's JQL on the webhook's issue JSON, or with one search when it cannot."""
        if link is not None or event.issue is None:
            return lambda jql: False
        queries = {item.jql for r in group for item in r.rule.config.autocreate_incidents_config}
        results: dict[str, bool] = {}
        fields = set((event.issue.get("fields") or {}).keys()) | {"id", "key"}
        context = EvalContext(strict=False)
        for jql in queries:
            try:
                query = parse(jql)
                if needs_remote(query, fields, context):
                    results[jql] = await _search_matches(jira, event.issue_id, jql)
                else:
                    results[jql] = compile_matcher(query, context)(event.issue)
            except JqlError:
                results[jql] = await _search_matches(jira, event.issue_id, jql)
        return lambda jql: results.get(jql, False)

    # -- HackerOne ⇄ Jira ----------------------------------------------------------------------
    async def _report_event(self, ctx: EventContext, event: ReportEvent) -> bool:
        hackerone = await self.pool.hackerone(_connection(ctx))
        source = SourceRef(hackerone.id, "report", event.report_id)
        link = await self.links.by_source(source)
        escalations = await self.rules.hackerone(hackerone_connection_id=hackerone.id)
        for escalation in escalations:
            if link is not None and link.jira_connection_id != escalation.jira_connection_id:
                continue
            jira = await self.pool.jira(escalation.jira_connection_id)
            original = await self._original_link(hackerone.id, event)
            planner_ctx = h1_planner.Context(
                web_base=hackerone.web_base,
                own_hackerone_users=hackerone.own_users | hackerone.client.acting_users,
                own_jira_users=jira.own_users,
                original_link=original.state() if original else None,
            )
            plan = h1_planner.plan_report_event(
                event, escalation.escalation, _state(link), planner_ctx
            )
            target_link = original if (link is None and original is not None) else link
            target = Target(jira, source, target_link, hackerone=hackerone)
            if await self._execute(ctx, plan, target, target_link):
                return True
        return False

    async def _original_link(self, hackerone_id: int, event: ReportEvent) -> StoredLink | None:
        original = (event.activity.get("attributes") or {}).get("original_report_id")
        if event.activity_type != "activity-bug-duplicate" or original is None:
            return None
        return await self.links.by_source(SourceRef(hackerone_id, "report", str(original)))

    async def _issue_event_hackerone(
        self, ctx: EventContext, jira: JiraConnection, event: IssueEvent, links: list[StoredLink]
    ) -> bool:
        acted = False
        for link in [found for found in links if found.source.type == "report"]:
            hackerone = await self.pool.hackerone(link.source.connection_id)
            escalations = await self.rules.hackerone(
                hackerone_connection_id=hackerone.id, jira_connection_id=jira.id
            )
            escalation = escalations[0].escalation if escalations else None
            statuses = await jira.metadata.statuses()
            planner_ctx = h1_planner.Context(
                web_base=hackerone.web_base,
                own_hackerone_users=hackerone.own_users,
                own_jira_users=jira.own_users,
                jira_status_categories={k: v.category for k, v in statuses.items()},
            )
            plan = h1_planner.plan_issue_event(event, escalation, link.state(), planner_ctx)
            acted |= await self._execute(
                ctx, plan, Target(jira, link.source, link, hackerone=hackerone), link
            )
        return acted

    # -- shared --------------------------------------------------------------------------------
    async def _execute(
        self, ctx: EventContext, plan: Plan, target: Target, link: StoredLink | None
    ) -> bool:
        for reason in plan.reasons:
            ctx.activity.action(reason)
        if plan.empty:
            return False
        _log_context(target.link or link)
        try:
            await Executor(self.links, ctx.activity).run(plan, target)
        except (Impossible, RemoteError) as exc:
            failing_link = target.link or link
            _log_context(failing_link)
            permanent = isinstance(exc, Impossible) or not exc.transient
            if failing_link is not None and permanent:
                await self.links.failed(failing_link.id, str(exc))
            raise
        _log_context(target.link)
        return True


def _first_sight(link: StoredLink, event: IssueEvent) -> dict[str, str]:
    """Where the issue stands, for a link that has never seen it (one jirasync just created):
    its first transition then needs no read of the issue."""
    if link.last_synced.get("jira.status") or event.issue is None:
        return {}
    fields = event.issue.get("fields") or {}
    values = {
        "jira.status": (fields.get("status") or {}).get("id"),
        "jira.project": (fields.get("project") or {}).get("key"),
        "jira.issuetype": (fields.get("issuetype") or {}).get("id"),
    }
    return {k: str(v) for k, v in values.items() if v and not link.last_synced.get(k)}


def _incident_link(links: Sequence[StoredLink], pagerduty_id: int) -> StoredLink | None:
    for link in links:
        if link.source.connection_id == pagerduty_id and link.source.type == "incident":
            return link
    return None


def _connection(ctx: EventContext) -> int:
    if ctx.connection_id is None:
        raise UnusableConnection("the event names no connection")
    return ctx.connection_id


def _state(link: StoredLink | None) -> Any:
    return link.state() if link is not None else None


def _by_jira(
    rules: Sequence[PagerDutyRule], link: StoredLink | None
) -> dict[int, list[PagerDutyRule]]:
    groups: dict[int, list[PagerDutyRule]] = defaultdict(list)
    for rule in rules:
        if link is None or rule.jira_connection_id == link.jira_connection_id:
            groups[rule.jira_connection_id].append(rule)
    return groups


def _by_source(rules: Sequence[PagerDutyRule]) -> dict[int, list[PagerDutyRule]]:
    groups: dict[int, list[PagerDutyRule]] = defaultdict(list)
    for rule in rules:
        groups[rule.pagerduty_connection_id].append(rule)
    return groups


def _uses_assignee(group: Sequence[PagerDutyRule]) -> bool:
    config_items: list[Any] = []
    for r in group:
        config_items += [
            *r.rule.config.autocreate_issues_config,
            *r.rule.config.react_on_incident_event_config,
        ]
    return any(a.key == "jira_field_set_assignee" for item in config_items for a in item.enabled())


def _transition_fields(group: Sequence[PagerDutyRule]) -> dict[str, Any]:
    return dict(group[0].rule.config.jirasync.transition_fields) if group else {}


async def _pagerduty_priorities(pagerduty: PagerDutyConnection) -> dict[str, str]:
    if not pagerduty.priorities:
        pagerduty.priorities = {
            str(p["id"]): str(p.get("name") or p.get("summary"))
            for p in await pagerduty.client.priorities()
        }
    return pagerduty.priorities


async def _search_matches(jira: JiraConnection, issue_id: str, jql: str) -> bool:
    async for _ in jira.client.search(f"id = {issue_id} AND ({jql})", fields=["id"]):
        return True
    return False


@contextmanager
def calls_into(recorder: ActivityRecorder) -> Iterator[None]:
    """Report the connectors' remote calls into the engine's activity log of this attempt."""

    def record(call: RemoteCall) -> None:
        recorder.record_call(
            system=call.system,
            method=call.method,
            path=call.path,
            status=call.status,
            duration_ms=call.duration_ms,
            error=call.error,
        )

    with listening(record):
        yield


def _log_context(link: StoredLink | None) -> None:
    """The rest of this event's log lines (the worker's included) name the pair it touched."""
    if link is not None:
        structlog.contextvars.bind_contextvars(link_id=link.id, issue_key=link.issue_key)
