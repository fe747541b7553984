"""Cached Jira metadata: statuses, priorities, fields, createmeta, users, and the workflows
learned transition by transition. One cache per Jira connection, shared by all events, so a
status change with warm caches costs one call (the POST), not three.

Entries expire after `ttl_s`; `invalidate()` drops them early when Jira answers a 400 that
suggests they are stale (a transition no longer offered, a field no longer on the screen).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from jirasync.connectors.jira.client import JiraClient
from jirasync.core.workflow import JiraStatus, Transition, WorkflowMap, transitions_from_json

T = TypeVar("T")
DEFAULT_TTL_S = 600.0


@dataclass
class _Entry(Generic[T]):
    value: T
    expires: float


@dataclass
class MetadataCache:
    client: JiraClient
    ttl_s: float = DEFAULT_TTL_S
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, _Entry[Any]] = field(default_factory=dict)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    workflows: dict[str, WorkflowMap] = field(default_factory=dict)

    async def statuses(self) -> Mapping[str, JiraStatus]:
        async def load() -> dict[str, JiraStatus]:
            return {
                str(s["id"]): JiraStatus(
                    str(s["id"]),
                    str(s.get("name", "")),
                    str((s.get("statusCategory") or {}).get("key", "")),
                )
                for s in await self.client.statuses()
            }

        return await self._get("statuses", load)

    async def priorities(self) -> Mapping[str, str]:
        """Priority name → id."""

        async def load() -> dict[str, str]:
            return {str(p["name"]): str(p["id"]) for p in await self.client.priorities()}

        return await self._get("priorities", load)

    async def fields(self) -> list[dict[str, Any]]:
        return await self._get("fields", self.client.fields)

    async def create_fields(self, project: str, issue_type_id: str) -> list[dict[str, Any]]:
        key = f"createmeta:{project}:{issue_type_id}"
        return await self._get(key, lambda: self.client.create_fields(project, issue_type_id))

    async def user(self, query: str) -> dict[str, Any] | None:
        """The Jira user whose name or email is `query` (exactly), cached."""

        async def load() -> dict[str, Any] | None:
            for user in await self.client.find_users(query):
                if query.lower() in (
                    str(user.get("name", "")).lower(),
                    str(user.get("emailAddress", "")).lower(),
                ):
                    return user
            return None

        return await self._get(f"user:{query.lower()}", load)

    def workflow(self, project: str, issue_type_id: str) -> WorkflowMap:
        return self.workflows.setdefault(f"{project}:{issue_type_id}", WorkflowMap())

    async def offered(
        self,
        issue_key: str,
        project: str,
        issue_type_id: str,
        status_id: str,
        refresh: bool = False,
    ) -> tuple[Transition, ...]:
        """Transitions offered from `status_id`, from the learned map unless `refresh`."""
        workflow = self.workflow(project, issue_type_id)
        key = f"offered:{project}:{issue_type_id}:{status_id}"
        entry = self._entries.get(key)
        if not refresh and entry is not None and entry.expires > self.clock():
            return tuple(workflow.offered.get(status_id, ()))
        transitions = transitions_from_json(await self.client.transitions(issue_key))
        workflow.learn(status_id, transitions)
        self._entries[key] = _Entry(True, self.clock() + self.ttl_s)
        return transitions

    def invalidate(self, prefix: str = "") -> None:
        for key in [k for k in self._entries if k.startswith(prefix)]:
            del self._entries[key]
        if not prefix or prefix.startswith("offered"):
            self.workflows.clear()

    async def _get(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self.clock():
            value: T = entry.value
            return value
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one load per key even when many events want it at once
            entry = self._entries.get(key)
            if entry is not None and entry.expires > self.clock():
                return entry.value  # type: ignore[no-any-return]
            loaded = await load()
            self._entries[key] = _Entry(loaded, self.clock() + self.ttl_s)
            return loaded
