"""`jirasync check [--fix]`: the webhooks jirasync needs on Jira and PagerDuty, what is wrong
with the ones that exist, and the repair. HackerOne has no webhook API: its check says which
URL and secret to paste.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import SecretStr
from sqlalchemy import select

from jirasync.connectors.registration import (
    PAGERDUTY_EVENTS,
    Finding,
    JiraWebhookSpec,
    PagerDutySubscriptionSpec,
    check_jira_webhooks,
    check_pagerduty_subscriptions,
)
from jirasync.core.errors import RemoteError
from jirasync.crypto import SecretBox
from jirasync.store.credentials import open_credentials, seal_credentials
from jirasync.store.db import Database
from jirasync.store.models import Connection
from jirasync.sync.connections import JiraConnection, PagerDutyConnection, PagerDutyCredentials
from jirasync.sync.runtime import SyncRuntime


@dataclass
class Report:
    connection: str
    kind: str
    findings: list[Finding] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    instructions: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.errors and len(self.fixed) == len(self.findings)


async def check_webhooks(
    runtime: SyncRuntime,
    secrets: SecretBox,
    public_url: str,
    fix: bool,
    only: int | None = None,
    chosen: Callable[[Finding], bool] | None = None,
) -> list[Report]:
    """Check (and with `fix` repair) every enabled connection's webhooks, or `only` this one's;
    `chosen` narrows the repair to the findings it accepts (the UI's per-item "Fix")."""
    picked = chosen or (lambda _: True)
    public = public_url.rstrip("/")
    query = select(Connection).where(Connection.enabled.is_(True))
    if only is not None:
        query = query.where(Connection.id == only)
    async with runtime.db.sessions() as session:
        rows = (await session.scalars(query)).all()
    reports = []
    for row in rows:
        report = Report(row.name, row.kind)
        try:
            if row.kind == "jira":
                await _check_jira(
                    runtime, await runtime.pool.jira(row.id), public, fix, report, picked
                )
            elif row.kind == "pagerduty":
                pagerduty = await runtime.pool.pagerduty(row.id)
                await _check_pagerduty(runtime, secrets, pagerduty, public, fix, report, picked)
            elif row.kind == "hackerone":
                url = f"{public}/webhooks/hackerone/{row.id}"
                report.instructions.append(
                    f"In HackerOne (Program settings › Webhooks) send all events to {url} with the "
                    "webhook secret stored on this connection."
                )
        except RemoteError as exc:
            report.errors.append(str(exc))
        reports.append(report)
    return reports


async def _check_jira(
    runtime: SyncRuntime,
    jira: JiraConnection,
    public: str,
    fix: bool,
    report: Report,
    picked: Callable[[Finding], bool],
) -> None:
    projects = {
        p.key
        for r in await runtime.rules.pagerduty(jira_connection_id=jira.id)
        if r.rule.enabled
        for p in r.rule.config.projects
    }
    projects |= {
        e.escalation.project_key
        for e in await runtime.rules.hackerone(jira_connection_id=jira.id)
        if e.escalation.enabled
    }
    token = jira.credentials.webhook_token.get_secret_value()
    prefix = f"{public}/webhooks/jira/{jira.id}/"
    secret = (
        jira.credentials.webhook_secret.get_secret_value()
        if jira.credentials.webhook_secret
        else None
    )
    spec = JiraWebhookSpec(
        f"jirasync ({jira.name})", prefix + token, tuple(sorted(projects)), True, secret
    )
    report.findings = check_jira_webhooks(
        await jira.client.webhooks(), spec if projects else None, prefix
    )
    if not fix:
        return
    for finding in filter(picked, report.findings):
        if finding.fix == "create":
            await jira.client.create_webhook(finding.body)
        elif finding.fix in ("update", "enable") and finding.remote_id:
            await jira.client.update_webhook(finding.remote_id, finding.body)
        elif finding.fix == "delete" and finding.remote_id:
            await jira.client.delete_webhook(finding.remote_id)
        report.fixed.append(f"{finding.kind}: {finding.fix}")


async def _check_pagerduty(
    runtime: SyncRuntime,
    secrets: SecretBox,
    pagerduty: PagerDutyConnection,
    public: str,
    fix: bool,
    report: Report,
    picked: Callable[[Finding], bool],
) -> None:
    services = {
        s.id
        for r in await runtime.rules.pagerduty(pagerduty_connection_id=pagerduty.id)
        if r.rule.enabled
        for s in r.rule.config.services
    }
    url = f"{public}/webhooks/pagerduty/{pagerduty.id}"
    specs = [PagerDutySubscriptionSpec(service_id, url) for service_id in sorted(services)]
    existing = [s async for s in pagerduty.client.webhook_subscriptions()]
    known = frozenset(pagerduty.credentials.webhook_secrets)
    report.findings = check_pagerduty_subscriptions(existing, specs, url, known)
    if not fix:
        return
    for finding in filter(picked, report.findings):
        if finding.fix in ("delete", "recreate") and finding.remote_id:
            await pagerduty.client.delete_webhook_subscription(finding.remote_id)
        if finding.fix in ("create", "recreate"):
            body = finding.body["webhook_subscription"]
            created = await pagerduty.client.create_webhook_subscription(
                url,
                PAGERDUTY_EVENTS,
                filter_type="service_reference",
                filter_id=body["filter"]["id"],
                description=body["description"],
            )
            secret = (created.get("delivery_method") or {}).get("secret")
            if secret:
                await store_subscription_secret(
                    runtime.db, secrets, pagerduty.id, str(created["id"]), str(secret)
                )
                runtime.pool.forget(pagerduty.id)
        elif finding.fix == "update" and finding.remote_id:
            await pagerduty.client.update_webhook_subscription(
                finding.remote_id, events=PAGERDUTY_EVENTS
            )
        elif finding.fix == "enable" and finding.remote_id:
            await pagerduty.client.enable_webhook_subscription(finding.remote_id)
        report.fixed.append(f"{finding.kind}: {finding.fix}")


async def store_subscription_secret(
    db: Database, secrets: SecretBox, connection_id: int, subscription_id: str, secret: str
) -> None:
    """Keep a new subscription's signing secret (PagerDuty shows it this once)."""
    async with db.sessions() as session, session.begin():
        row = await session.get(Connection, connection_id)
        if row is None:
            return
        credentials = open_credentials(row, secrets, PagerDutyCredentials)
        kept = {**credentials.webhook_secrets, subscription_id: SecretStr(secret)}
        seal_credentials(row, secrets, credentials.model_copy(update={"webhook_secrets": kept}))
