""" "Test connection": what works and what is missing on one connection, checked live. Each
check says what it found in the remote's own words; a failed check does not stop the next one.

Jira: reachable, credentials accepted (and as whom), each rule's project visible, its issue
types creatable there, webhooks. PagerDuty: key accepted, "From" user exists, each rule's
service visible, webhook subscriptions. HackerOne: token accepted, the program among the
token's programs, where to send webhooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from jirasync.core.errors import RemoteError
from jirasync.crypto import SecretBox
from jirasync.sync.connections import (
    HackerOneConnection,
    JiraConnection,
    PagerDutyConnection,
    UnusableConnection,
)
from jirasync.sync.registration import check_webhooks
from jirasync.sync.runtime import SyncRuntime


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass
class ConnectionReport:
    connection_id: int
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    async def run(self, name: str, probe: Callable[[], Awaitable[str]]) -> bool:
        try:
            self.checks.append(Check(name, True, await probe()))
            return True
        except (RemoteError, UnusableConnection) as exc:
            self.checks.append(Check(name, False, str(exc)))
            return False


async def check_connection(
    runtime: SyncRuntime, secrets: SecretBox, connection_id: int, public_url: str
) -> ConnectionReport:
    report = ConnectionReport(connection_id)
    try:
        connection = await runtime.pool.get(connection_id)
    except UnusableConnection as exc:
        report.checks.append(Check("configuration", False, str(exc)))
        return report
    if isinstance(connection, JiraConnection):
        passed = await _jira(runtime, connection, report)
    elif isinstance(connection, PagerDutyConnection):
        passed = await _pagerduty(runtime, connection, report)
    else:
        passed = await _hackerone(connection, report)
    if passed:
        await _webhooks(runtime, secrets, connection_id, public_url, report)
    return report


async def _jira(runtime: SyncRuntime, jira: JiraConnection, report: ConnectionReport) -> bool:
    async def server() -> str:
        info = await jira.client.server_info()
        return f"Jira {info.get('version', '?')} at {info.get('baseUrl', jira.base_url)}"

    async def auth() -> str:
        me = await jira.client.myself()
        return f"signed in as {me.get('name') or me.get('displayName')}"

    if not await report.run("reachable", server) or not await report.run("auth", auth):
        return False
    wanted: dict[str, set[str]] = {}
    for r in await runtime.rules.pagerduty(jira_connection_id=jira.id):
        for p in r.rule.config.projects:
            wanted.setdefault(p.key, set()).update(t.id for t in r.rule.config.issue_types)
    for e in await runtime.rules.hackerone(jira_connection_id=jira.id):
        wanted.setdefault(e.escalation.project_key, set()).add(e.escalation.issue_type_id)
    for key, type_ids in sorted(wanted.items()):
        await report.run(f"project {key}", _project_probe(jira, key, type_ids))
    return True


def _project_probe(
    jira: JiraConnection, key: str, type_ids: set[str]
) -> Callable[[], Awaitable[str]]:
    async def probe() -> str:
        project = await jira.client.project(key)
        creatable = {str(t.get("id")) for t in await jira.client.create_issue_types(key)}
        missing = sorted(type_ids - creatable)
        if missing:
            raise UnusableConnection(
                f"{key}: issue type(s) {', '.join(missing)} cannot be created there "
                f"(creatable: {', '.join(sorted(creatable)) or 'none'})"
            )
        types = ", ".join(sorted(type_ids))
        return f"{project.get('name', key)}: visible, issue types {types} creatable"

    return probe


async def _pagerduty(
    runtime: SyncRuntime, pagerduty: PagerDutyConnection, report: ConnectionReport
) -> bool:
    async def auth() -> str:
        kind = await pagerduty.client.token_kind()
        return f"API key accepted ({kind}-level)"

    async def from_user() -> str:
        email = pagerduty.from_email
        if not email:
            raise UnusableConnection("options.from_email is not set (account keys need it)")
        if await pagerduty.client.find_user_by_email(email) is None:
            raise UnusableConnection(f"no PagerDuty user has the email {email}")
        return f"{email} is a PagerDuty user"

    if not await report.run("auth", auth):
        return False
    await report.run("from user", from_user)
    services = sorted(
        {
            s.id
            for r in await runtime.rules.pagerduty(pagerduty_connection_id=pagerduty.id)
            for s in r.rule.config.services
        }
    )
    for service_id in services:

        async def service(service_id: str = service_id) -> str:
            found = await pagerduty.client.service(service_id)
            return f"{found.get('name') or found.get('summary') or service_id}: visible"

        await report.run(f"service {service_id}", service)
    return True


async def _hackerone(hackerone: HackerOneConnection, report: ConnectionReport) -> bool:
    async def program() -> str:
        handles = [
            str((p.get("attributes") or {}).get("handle"))
            async for p in hackerone.client.my_programs()
        ]
        if hackerone.program not in handles:
            raise UnusableConnection(
                f"the token does not belong to program {hackerone.program!r} "
                f"(it has: {', '.join(handles) or 'none'})"
            )
        return f"token accepted for program {hackerone.program}"

    return await report.run("auth", program)


async def _webhooks(
    runtime: SyncRuntime,
    secrets: SecretBox,
    connection_id: int,
    public_url: str,
    report: ConnectionReport,
) -> None:
    for found in await check_webhooks(runtime, secrets, public_url, False, only=connection_id):
        problems = [f"{f.kind}: {f.detail} (fix: {f.fix})" for f in found.findings]
        problems += found.errors
        detail = "; ".join(problems) or "; ".join(found.instructions) or "all in place"
        report.checks.append(Check("webhooks", not problems, detail))
