"""The running service's parts wired together: database, migrations, secrets, handlers, inbox
and the worker loop. `serve` runs it inside the web app's lifespan; `worker` runs it alone."""

from __future__ import annotations

import asyncio

from jirasync.config import Settings
from jirasync.connectors.http import observe_calls
from jirasync.crypto import SecretBox, load_or_create_key
from jirasync.engine.inbox import Inbox
from jirasync.engine.metrics import count_remote_call
from jirasync.engine.registry import HandlerRegistry, build_registry
from jirasync.engine.worker import Worker
from jirasync.log import get_logger
from jirasync.store.db import Database
from jirasync.store.migrate import upgrade

log = get_logger(__name__)


class Service:
    def __init__(self, settings: Settings, registry: HandlerRegistry | None = None) -> None:
        self.settings = settings
        self.registry = registry or build_registry(settings.worker.handler_modules)
        self.db = Database(settings.database, pool_size=settings.worker.concurrency + 4)
        self.secrets = SecretBox(load_or_create_key(settings.secret_key, settings.data_dir))
        self.worker: Worker | None = None
        self.inbox = Inbox(self.db, self.registry)
        self._worker_task: asyncio.Task[None] | None = None
        # Counts every remote call of the process: handlers, reconciler and API requests alike.
        observe_calls(count_remote_call)

    async def start(self, *, migrate: bool, run_worker: bool) -> None:
        if migrate:
            await upgrade(self.db)
            log.info("database.migrated", database=repr(self.db))
        if run_worker:
            self.worker = Worker(self.db, self.registry, self.settings.worker, self.settings.retry)
            self.inbox.on_receive = self.worker.wake
            self._worker_task = asyncio.create_task(self.worker.run(), name="worker")

    async def wait(self) -> None:
        """Until the worker stops (worker command)."""
        if self._worker_task is not None:
            await self._worker_task

    async def stop(self) -> None:
        if self.worker is not None and self._worker_task is not None:
            self.worker.stop()
            await self._worker_task
        await self.db.dispose()

    @property
    def worker_alive(self) -> bool:
        return self._worker_task is not None and not self._worker_task.done()
