"""The sync's long-lived parts for one process, and how events are keyed for ordering.

Events of one linked pair share an ordering key, so the engine applies them one at a time: an
incident's (or report's) key is its own; a Jira issue's key is that of the incident or report
it is linked to, or its own while it is linked to nothing.
"""

from __future__ import annotations

from jirasync.crypto import SecretBox
from jirasync.engine.registry import HandlerRegistry
from jirasync.engine.service import Service
from jirasync.store.db import Database
from jirasync.sync.connections import ConnectionPool
from jirasync.sync.handlers import Handlers
from jirasync.sync.links import Links, SourceRef
from jirasync.sync.rulebook import RuleBook
from jirasync.sync.users import UserMap


def source_key(source: SourceRef) -> str:
    kind = {"incident": "pagerduty", "report": "hackerone"}.get(source.type, source.type)
    return f"{kind}:{source.connection_id}:{source.id}"


class SyncRuntime:
    def __init__(self, db: Database, secrets: SecretBox) -> None:
        self.db = db
        self.pool = ConnectionPool(db, secrets)
        self.links = Links(db)
        self.rules = RuleBook(db)
        self.users = UserMap(db)
        self.handlers = Handlers(self.pool, self.links, self.rules, self.users)

    def register(self, registry: HandlerRegistry) -> None:
        registry.register("jira", self.handlers.jira)
        registry.register("pagerduty", self.handlers.pagerduty)
        registry.register("hackerone", self.handlers.hackerone)

    async def jira_key(self, jira_connection_id: int, issue_id: str) -> str:
        links = await self.links.by_issue(jira_connection_id, issue_id)
        if links:
            return source_key(min(links, key=lambda link: link.id).source)
        return f"jira:{jira_connection_id}:{issue_id}"

    async def close(self) -> None:
        await self.pool.close()


def install(service: Service) -> SyncRuntime:
    """Give a service the sync handlers (serve and worker both call this before starting)."""
    runtime = SyncRuntime(service.db, service.secrets)
    runtime.register(service.registry)
    return runtime
