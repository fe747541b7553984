"""The metadata cache saves calls: one load per key, TTL, invalidation, learned workflows."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx

from jirasync.connectors.jira import JiraClient
from jirasync.connectors.jira.metadata import MetadataCache
from jirasync.core.workflow import JiraStatus

STATUSES = [
    {"id": "1", "name": "Open", "statusCategory": {"key": "new"}},
    {"id": "3", "name": "In Progress", "statusCategory": {"key": "indeterminate"}},
]
TRANSITIONS = {
    "transitions": [
        {
            "id": "4",
            "name": "Start Progress",
            "to": {"id": "3", "statusCategory": {"key": "indeterminate"}},
        }
    ]
}
USERS = [
    {"name": "ana", "emailAddress": "ana@example.com"},
    {"name": "anabel", "emailAddress": "anabel@example.com"},
]


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def cache() -> tuple[MetadataCache, Counter[str], FakeClock]:
    calls: Counter[str] = Counter()

    async def handler(request: httpx.Request) -> httpx.Response:
        calls[request.url.path] += 1
        await asyncio.sleep(0.01)  # let concurrent callers pile up
        if request.url.path.endswith("/status"):
            return httpx.Response(200, json=STATUSES)
        if request.url.path.endswith("/transitions"):
            return httpx.Response(200, json=TRANSITIONS)
        if request.url.path.endswith("/user/search"):
            return httpx.Response(200, json=USERS)
        return httpx.Response(404, json={"errorMessages": ["nope"], "errors": {}})

    clock = FakeClock()
    client = JiraClient("http://jira", auth=None, transport=httpx.MockTransport(handler))
    return MetadataCache(client, ttl_s=60, clock=clock), calls, clock


async def test_statuses_load_once_even_when_asked_concurrently() -> None:
    metadata, calls, clock = cache()
    results = await asyncio.gather(*(metadata.statuses() for _ in range(5)))
    assert all(r["3"] == JiraStatus("3", "In Progress", "indeterminate") for r in results)
    assert calls["/rest/api/2/status"] == 1
    clock.now = 61
    await metadata.statuses()
    assert calls["/rest/api/2/status"] == 2
    metadata.invalidate("statuses")
    await metadata.statuses()
    assert calls["/rest/api/2/status"] == 3


async def test_user_lookup_is_exact_and_cached() -> None:
    metadata, calls, _ = cache()
    assert (await metadata.user("ANA@example.com") or {}).get("name") == "ana"
    assert (await metadata.user("ana") or {}).get("name") == "ana"
    assert await metadata.user("nobody@example.com") is None
    await metadata.user("ana@example.com")
    assert calls["/rest/api/2/user/search"] == 3


async def test_offered_transitions_are_learned_per_workflow_and_status() -> None:
    metadata, calls, _ = cache()
    first = await metadata.offered("OPS-1", "OPS", "10004", "1")
    second = await metadata.offered("OPS-2", "OPS", "10004", "1")
    assert first == second and first[0].to_status_id == "3"
    assert calls["/rest/api/2/issue/OPS-1/transitions"] == 1
    assert calls["/rest/api/2/issue/OPS-2/transitions"] == 0
    assert metadata.workflow("OPS", "10004").known_path("1", "3") is not None
    await metadata.offered("OPS-2", "OPS", "10004", "1", refresh=True)
    assert calls["/rest/api/2/issue/OPS-2/transitions"] == 1
