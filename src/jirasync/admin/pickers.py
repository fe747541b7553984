"""What the rule editors offer to pick, loaded live from the remotes: PagerDuty services and
priorities and users; Jira projects, creatable issue types, statuses and priorities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from jirasync.core.errors import RemoteError
from jirasync.sync.connections import UnusableConnection
from jirasync.sync.runtime import SyncRuntime


@dataclass(frozen=True)
class Choice:
    id: str
    label: str


@dataclass
class Choices:
    """A picker's options, or why they could not be loaded (the remote's words)."""

    options: list[Choice]
    problem: str | None = None


async def _load(loader: Callable[[], Awaitable[list[Choice]]]) -> Choices:
    try:
        return Choices(await loader())
    except (RemoteError, UnusableConnection) as exc:
        return Choices([], f"could not load them: {exc}")


async def pagerduty_services(runtime: SyncRuntime, connection_id: int) -> Choices:
    async def load() -> list[Choice]:
        pagerduty = await runtime.pool.pagerduty(connection_id)
        return [
            Choice(str(s["id"]), str(s.get("name") or s.get("summary") or s["id"]))
            async for s in pagerduty.client.services()
        ]

    return await _load(load)


async def pagerduty_priorities(runtime: SyncRuntime, connection_id: int) -> Choices:
    async def load() -> list[Choice]:
        pagerduty = await runtime.pool.pagerduty(connection_id)
        return [
            Choice(str(p["id"]), str(p.get("name") or p.get("summary") or p["id"]))
            for p in await pagerduty.client.priorities()
        ]

    return await _load(load)


async def pagerduty_users(runtime: SyncRuntime, connection_id: int) -> Choices:
    """The people who can be asked to respond (PagerDuty's responder requests take users)."""

    async def load() -> list[Choice]:
        pagerduty = await runtime.pool.pagerduty(connection_id)
        return [
            Choice(str(u["id"]), f"{u.get('name') or u['id']} <{u.get('email', '')}>")
            async for u in pagerduty.client.users()
        ]

    return await _load(load)


async def jira_projects(runtime: SyncRuntime, connection_id: int) -> Choices:
    async def load() -> list[Choice]:
        jira = await runtime.pool.jira(connection_id)
        return [
            Choice(str(p["key"]), f"{p['key']} · {p.get('name', '')}")
            for p in await jira.client.projects()
        ]

    return await _load(load)


async def jira_issue_types(
    runtime: SyncRuntime, connection_id: int, project_keys: list[str]
) -> Choices:
    """The issue types creatable in every one of these projects."""

    async def load() -> list[Choice]:
        jira = await runtime.pool.jira(connection_id)
        common: dict[str, str] | None = None
        for key in project_keys:
            types = {
                str(t["id"]): str(t.get("name", t["id"]))
                for t in await jira.client.create_issue_types(key)
            }
            common = types if common is None else {i: n for i, n in common.items() if i in types}
        return [Choice(i, n) for i, n in (common or {}).items()]

    return await _load(load)


async def jira_statuses(runtime: SyncRuntime, connection_id: int) -> Choices:
    async def load() -> list[Choice]:
        jira = await runtime.pool.jira(connection_id)
        return [
            Choice(str(s["id"]), str(s.get("name", s["id"]))) for s in await jira.client.statuses()
        ]

    return await _load(load)


async def jira_priorities(runtime: SyncRuntime, connection_id: int) -> Choices:
    async def load() -> list[Choice]:
        jira = await runtime.pool.jira(connection_id)
        return [Choice(str(p["name"]), str(p["name"])) for p in await jira.client.priorities()]

    return await _load(load)
