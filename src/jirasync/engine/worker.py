"""The worker: claims ready events, runs their handlers concurrently (one per ordering key at a
time), keeps leases alive, maps outcomes to retries or the dead letter, and writes results.

`serve` runs one inside the web process; `jirasync worker` runs one alone. Several may share a
PostgreSQL database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from datetime import datetime, timedelta

import structlog

from jirasync.config import RetrySettings, WorkerSettings
from jirasync.engine import queue
from jirasync.engine.activity import ActivityRecorder, RemoteCallRecord, recording
from jirasync.engine.backoff import retry_delay
from jirasync.engine.metrics import ATTEMPT_SECONDS, ATTEMPTS_FINISHED, CLAIMED, SYNC_SECONDS
from jirasync.engine.outcomes import (
    Done,
    Failed,
    Ignored,
    Outcome,
    PermanentError,
    Retry,
    TransientError,
)
from jirasync.engine.queue import ClaimedEvent, Completion
from jirasync.engine.registry import EventContext, HandlerRegistry
from jirasync.log import get_logger
from jirasync.store.db import Database
from jirasync.store.models import EventStatus
from jirasync.store.types import utcnow

log = get_logger(__name__)

MAX_COMPLETION_BATCH = 500


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class Worker:
    def __init__(
        self,
        db: Database,
        registry: HandlerRegistry,
        settings: WorkerSettings,
        retry: RetrySettings,
        *,
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.registry = registry
        self.settings = settings
        self.retry = retry
        self.owner = owner or worker_id()
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._signal = asyncio.Event()
        self._stopping = asyncio.Event()
        self._completer = _Completer(db)
        self._claim_failures = 0
        self.running = False

    def wake(self) -> None:
        """New work may be ready (an event was received in this process)."""
        self._signal.set()

    def stop(self) -> None:
        """Stop claiming; `run` returns once in-flight events are finished or released."""
        self._stopping.set()
        self._signal.set()

    async def run(self) -> None:
        self.running = True
        completer = asyncio.create_task(self._completer.run(), name="completer")
        log.info("worker.started", owner=self.owner, concurrency=self.settings.concurrency)
        try:
            await self._claim_loop()
        finally:
            await self._drain()
            await self._completer.flushed(timeout=self.settings.shutdown_grace_seconds + 5)
            completer.cancel()
            await asyncio.gather(completer, return_exceptions=True)
            self.running = False
            log.info("worker.stopped", owner=self.owner)

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            self._signal.clear()
            free = self.settings.concurrency - len(self._in_flight)
            claimed = await self._claim(free) if free > 0 else []
            for event in claimed:
                self._start(event)
            if len(claimed) < free or free <= 0:
                await self._wait_for_signal()

    async def _claim(self, limit: int) -> list[ClaimedEvent]:
        try:
            claimed = await queue.claim(
                self.db, owner=self.owner, limit=limit, lease_seconds=self.settings.lease_seconds
            )
        except Exception:
            # The database is away: back off (up to a minute) instead of logging every poll.
            self._claim_failures += 1
            log.exception("worker.claim_failed", failures=self._claim_failures)
            growth = 2 ** min(self._claim_failures, 12)
            delay = min(60.0, self.settings.poll_interval_seconds * growth)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
            return []
        self._claim_failures = 0
        CLAIMED.inc(len(claimed))
        return claimed

    async def _wait_for_signal(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._signal.wait(), self.settings.poll_interval_seconds)

    def _start(self, event: ClaimedEvent) -> None:
        task = asyncio.create_task(self._process(event), name=f"event {event.id}")
        self._in_flight[event.id] = task
        task.add_done_callback(lambda _: self._finished(event.id))

    def _finished(self, event_id: int) -> None:
        self._in_flight.pop(event_id, None)
        self._signal.set()

    async def _drain(self) -> None:
        tasks = list(self._in_flight.values())
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_grace_seconds)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _process(self, event: ClaimedEvent) -> None:
        # Every log line of this attempt, down to the handlers (which add the link and issue
        # once known), carries the event; each event runs in its own task, so nothing leaks.
        structlog.contextvars.bind_contextvars(
            event_id=event.id, source=event.source, attempt=event.attempt
        )
        started = utcnow()
        recorder = ActivityRecorder()
        lease = asyncio.create_task(self._keep_lease(event))
        try:
            with recording(recorder):
                outcome = await self._run_handler(event, recorder)
        except asyncio.CancelledError:
            await asyncio.shield(self._release(event))
            raise
        finally:
            lease.cancel()
        completion = self._completion(event, outcome, started, recorder)
        _measure(event, completion)
        try:
            await self._completer.submit(completion)
        except Exception:
            log.exception("worker.complete_failed", event_id=event.id)
            return
        _log_finished(completion)

    async def _run_handler(self, event: ClaimedEvent, recorder: ActivityRecorder) -> Outcome:
        if event.retries >= self.retry.max_attempts:
            return Failed(
                f"gave up after {event.retries} failures; the last attempt's worker stopped "
                "without finishing (crashed, killed or hung)"
            )
        handler = self.registry.handler_for(event.source)
        if handler is None:
            return Failed(f"no handler registered for source {event.source!r}")
        context = EventContext(
            event_id=event.id,
            source=event.source,
            connection_id=event.connection_id,
            delivery_id=event.delivery_id,
            ordering_key=event.ordering_key,
            headers=event.headers,
            body=event.body,
            received_at=event.received_at,
            attempt=event.attempt,
            idempotency_token=event.token,
            activity=recorder,
            db=self.db,
        )
        try:
            return await handler(context)
        except TransientError as exc:
            return Retry(exc.message, retry_after=exc.retry_after)
        except PermanentError as exc:
            return Failed(exc.message)
        except Exception as exc:
            log.exception("event.handler_crashed", event_id=event.id, source=event.source)
            return Retry(f"{type(exc).__name__}: {exc}")

    def _completion(
        self,
        event: ClaimedEvent,
        outcome: Outcome,
        started: datetime,
        recorder: ActivityRecorder,
    ) -> Completion:
        now = utcnow()
        status, reason, retries, available_at = self._next_state(event, outcome)
        return Completion(
            event=event,
            owner=self.owner,
            status=status,
            outcome=outcome.kind,
            reason=reason,
            started_at=started,
            finished_at=now,
            available_at=available_at,
            retries=retries,
            actions=recorder.actions,
            calls=recorder.calls,
        )

    def _next_state(
        self, event: ClaimedEvent, outcome: Outcome
    ) -> tuple[EventStatus, str | None, int, datetime | None]:
        match outcome:
            case Done():
                return EventStatus.DONE, None, event.retries, None
            case Ignored(reason):
                return EventStatus.IGNORED, reason, event.retries, None
            case Failed(reason):
                return EventStatus.DEAD, reason, event.retries, None
            case Retry(reason, retry_after):
                retries = event.retries + 1
                if retries >= self.retry.max_attempts:
                    return (
                        EventStatus.DEAD,
                        f"gave up after {retries} failures: {reason}",
                        retries,
                        None,
                    )
                delay = retry_delay(retries, retry_after, self.retry)
                return EventStatus.RETRYING, reason, retries, utcnow() + timedelta(seconds=delay)

    async def _keep_lease(self, event: ClaimedEvent) -> None:
        """Renew the lease of a long attempt well before it expires."""
        interval = self.settings.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            try:
                renewed = await queue.renew_lease(
                    self.db, event, self.owner, self.settings.lease_seconds
                )
            except Exception:
                log.warning("event.lease_renew_failed", event_id=event.id, exc_info=True)
                continue
            if not renewed:
                log.warning("event.lease_lost", event_id=event.id, attempt=event.attempt)
                return

    async def _release(self, event: ClaimedEvent) -> None:
        try:
            await queue.release(self.db, event, self.owner)
            log.info("event.released", event_id=event.id)
        except Exception:
            log.warning("event.release_failed", event_id=event.id, exc_info=True)


def _measure(event: ClaimedEvent, completion: Completion) -> None:
    ATTEMPT_SECONDS.labels(event.source).observe(
        (completion.finished_at - completion.started_at).total_seconds()
    )
    ATTEMPTS_FINISHED.labels(event.source, completion.status.value).inc()
    last_write = _last_write(completion.calls)
    if completion.status is EventStatus.DONE and last_write is not None:
        SYNC_SECONDS.labels(event.source).observe(
            max(0.0, (last_write.at - event.received_at).total_seconds())
        )


def _last_write(calls: list[RemoteCallRecord]) -> RemoteCallRecord | None:
    writes = [c for c in calls if c.method not in ("GET", "HEAD") and c.status and c.status < 300]
    return writes[-1] if writes else None


def _log_finished(completion: Completion) -> None:
    """Failures at warning and retries at info, so a quiet log still shows what needs a look;
    the bulk of done and ignored events at debug."""
    level = {EventStatus.DEAD: "warning", EventStatus.RETRYING: "info"}.get(
        completion.status, "debug"
    )
    log.log(
        getattr(logging, level.upper()),
        "event.finished",
        status=completion.status.value,
        outcome=completion.outcome,
        reason=completion.reason,
        calls=len(completion.calls),
    )


class _Completer:
    """Writes completions in batches: one transaction for all attempts that end together."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._queue: asyncio.Queue[tuple[Completion, asyncio.Future[None]]] = asyncio.Queue()

    async def submit(self, completion: Completion) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((completion, done))
        await done

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_COMPLETION_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await queue.complete(self._db, [completion for completion, _ in batch])
            except Exception as exc:
                # The events stay leased; another claim retries them after the lease expires.
                self._settle(batch, exc)
            else:
                self._settle(batch, None)

    def _settle(
        self, batch: list[tuple[Completion, asyncio.Future[None]]], error: Exception | None
    ) -> None:
        for _, done in batch:
            if not done.done():
                if error is None:
                    done.set_result(None)
                else:
                    done.set_exception(error)
            self._queue.task_done()

    async def flushed(self, timeout: float) -> None:
        """Until every submitted completion is written (shutdown), or the timeout."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), timeout)
