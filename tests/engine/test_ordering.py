"""Per-key order with concurrency: 200 events over 20 keys, 8 at a time."""

from __future__ import annotations

import asyncio
import itertools
import json
import random

from jirasync.engine import Done, EventContext, Outcome


async def test_per_key_order_is_kept_while_keys_interleave(any_harness, registry) -> None:
    applied: list[tuple[str, int]] = []
    running: set[str] = set()
    overlap = {"max": 0, "same_key": 0}
    rng = random.Random(7)

    async def handle(ctx: EventContext) -> Outcome:
        body = ctx.json()
        if ctx.ordering_key in running:
            overlap["same_key"] += 1
        running.add(ctx.ordering_key)
        overlap["max"] = max(overlap["max"], len(running))
        await asyncio.sleep(rng.uniform(0, 0.004))
        applied.append((ctx.ordering_key, body["seq"]))
        running.discard(ctx.ordering_key)
        return Done()

    registry.register("test", handle)
    expected: dict[str, list[int]] = {}
    for seq in range(200):
        key = f"test:K{rng.randrange(20):02d}"
        expected.setdefault(key, []).append(seq)
        await any_harness.receive(key, f"d{seq}", json.dumps({"seq": seq}).encode())

    counts = await any_harness.drain()

    assert counts == {"done": 200}
    per_key: dict[str, list[int]] = {}
    for key, seq in applied:
        per_key.setdefault(key, []).append(seq)
    assert per_key == expected
    assert overlap["same_key"] == 0
    assert overlap["max"] > 1, "keys did not run concurrently"
    # Interleaved: processing does not finish one key before starting the next.
    switches = sum(1 for a, b in itertools.pairwise(applied) if a[0] != b[0])
    assert switches > 40
