"""Handlers for worker subprocesses in tests (`--handlers effects_handler:register`, with this
folder on PYTHONPATH). Each event writes an idempotent effect keyed by the event's token, may
hang to be killed mid-event, and logs every completed run."""

from __future__ import annotations

import asyncio
import os

from sqlalchemy import text

from jirasync.engine import Done, EventContext, HandlerRegistry, Outcome

SCHEMA = [
    "CREATE TABLE effects (token TEXT PRIMARY KEY, event_id BIGINT NOT NULL)",
    "CREATE TABLE runs (id BIGSERIAL PRIMARY KEY, event_id BIGINT NOT NULL, "
    "ordering_key TEXT NOT NULL, seq INT NOT NULL, attempt INT NOT NULL, pid INT NOT NULL)",
]


async def record_effect(ctx: EventContext) -> Outcome:
    body = ctx.json()
    hang = body.get("hang_on_attempt") == ctx.attempt
    async with ctx.db.write() as conn:
        await conn.execute(
            text("INSERT INTO effects (token, event_id) VALUES (:t, :e) ON CONFLICT DO NOTHING"),
            {"t": ctx.idempotency_token, "e": ctx.event_id},
        )
        if not hang:
            await conn.execute(
                text(
                    "INSERT INTO runs (event_id, ordering_key, seq, attempt, pid) "
                    "VALUES (:e, :k, :s, :a, :p)"
                ),
                {
                    "e": ctx.event_id,
                    "k": ctx.ordering_key,
                    "s": body["seq"],
                    "a": ctx.attempt,
                    "p": os.getpid(),
                },
            )
    if hang:
        await asyncio.sleep(3600)  # killed here: the effect is written, the event not completed
    return Done()


def register(registry: HandlerRegistry) -> None:
    registry.register("effects", record_effect)
