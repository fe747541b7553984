"""The shared simulator core over real HTTP: counting by route template, faults, control API,
webhook delivery order and drops. A toy simulator stands in for the real ones."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from jirasync.serving import ServerThread
from jirasync.sim.common import RetryPolicy, SeedError, SimConfig, Simulator, build_app


class ToySimulator(Simulator):
    """Items in a dict; POST /items/{id}/ping sends a webhook to every subscriber."""

    name = "toy"
    webhook_policy = RetryPolicy(max_attempts=3, backoff_s=(0.01,), timeout_s=2.0)

    def __init__(self, config: SimConfig) -> None:
        super().__init__(config)
        self.items: dict[str, dict[str, Any]] = {}
        self.subscribers: list[str] = []
        self.results: list[tuple[str, str]] = []
        self.reset()

    def reset(self) -> None:
        self.load_seed(self.config.seed or {"items": ["a", "b"]})

    def load_seed(self, seed: dict[str, Any]) -> None:
        items = seed.get("items")
        if not isinstance(items, list):
            raise SeedError("seed.items must be a list of ids")
        self.items = {str(i): {"id": str(i), "self": f"{self.base_url}/items/{i}"} for i in items}
        self.subscribers = list(seed.get("subscribers", []))

    def credentials(self) -> dict[str, Any]:
        return {"token": "toy-token"}

    def fault_body(self, status: int) -> Any:
        return {"errorMessages": [f"toy fault {status}"]}

    def on_webhook_result(self, delivery: Any) -> None:
        self.results.append((delivery.id, delivery.state))

    def routes(self) -> Sequence[BaseRoute]:
        async def get_item(request: Request) -> Response:
            item = self.items.get(request.path_params["item_id"])
            if item is None:
                return JSONResponse({"errorMessages": ["not found"]}, 404)
            return JSONResponse(item)

        async def ping(request: Request) -> Response:
            item_id = request.path_params["item_id"]
            n = int(request.query_params.get("n", "1"))
            for i in range(n):
                for url in self.subscribers:
                    body = json.dumps({"item": item_id, "n": i}).encode()
                    self.webhooks.submit(url, "item_pinged", body, {}, item_id, f"{item_id}-{i}")
            return Response(status_code=204)

        return [
            Mount(
                "/api",
                routes=[
                    Route("/items/{item_id}", get_item),
                    Route("/items/{item_id}/ping", ping, methods=["POST"]),
                ],
            )
        ]


class Receiver:
    """A webhook receiver that fails the first `fail_first` requests with 503."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def app(self, _: str) -> Starlette:
        async def hook(request: Request) -> Response:
            with self.lock:
                if self.fail_first > 0:
                    self.fail_first -= 1
                    return Response(status_code=503)
                self.bodies.append(json.loads(await request.body()))
            return Response(status_code=204)

        return Starlette(routes=[Route("/hook", hook, methods=["POST"])])


@pytest.fixture
def toy() -> Iterator[tuple[ToySimulator, str]]:
    holder: dict[str, ToySimulator] = {}

    def factory(url: str) -> Starlette:
        holder["sim"] = ToySimulator(SimConfig(base_url=url))
        return build_app(holder["sim"])

    with ServerThread(factory) as server:
        yield holder["sim"], server.url


def test_requests_are_counted_by_route_template(toy: tuple[ToySimulator, str]) -> None:
    _, url = toy
    with httpx.Client(base_url=url) as client:
        assert client.get("/api/items/a").json()["self"] == f"{url}/items/a"
        assert client.get("/api/items/b").status_code == 200
        assert client.get("/api/items/zzz").status_code == 404
        client.get("/_sim/credentials")  # control calls are not counted
        counts = client.get("/_sim/requests").json()
    assert counts == {"total": 3, "counts": {"GET /api/items/{item_id}": 3}}


def test_response_fault_fires_count_times_with_headers(toy: tuple[ToySimulator, str]) -> None:
    _, url = toy
    with httpx.Client(base_url=url) as client:
        rule = {"path": "/api/items/{item_id}", "status": 429, "count": 2}
        rule["headers"] = {"Retry-After": "3"}
        created = client.post("/_sim/faults", json=rule)
        assert created.status_code == 201
        first = client.get("/api/items/a")
        second = client.get("/api/items/b")
        third = client.get("/api/items/a")
        assert [first.status_code, second.status_code, third.status_code] == [429, 429, 200]
        assert first.headers["retry-after"] == "3"
        assert first.json() == {"errorMessages": ["toy fault 429"]}
        faults = client.get("/_sim/faults").json()["faults"]
        assert faults[0]["fired"] == 2 and faults[0]["count"] == 0


def test_fault_by_path_glob_and_method(toy: tuple[ToySimulator, str]) -> None:
    _, url = toy
    with httpx.Client(base_url=url) as client:
        client.post("/_sim/faults", json={"method": "POST", "path": "/api/items/*", "status": 502})
        assert client.get("/api/items/a").status_code == 200
        assert client.post("/api/items/a/ping").status_code == 502
        assert client.delete("/_sim/faults").status_code == 204
        assert client.post("/api/items/a/ping").status_code == 204


def test_latency_fault_delays_but_serves(toy: tuple[ToySimulator, str]) -> None:
    _, url = toy
    with httpx.Client(base_url=url) as client:
        client.post("/_sim/faults", json={"kind": "latency", "latency_ms": 150, "count": 1})
        started = time.perf_counter()
        assert client.get("/api/items/a").status_code == 200
        assert time.perf_counter() - started >= 0.15


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "explode"}, "kind must be"),
        ({"probability": 2}, "probability"),
        ({"count": -1}, "count"),
        ({"colour": "red"}, "unknown fault rule field"),
    ],
)
def test_bad_fault_rules_are_400_with_reason(
    toy: tuple[ToySimulator, str], rule: dict[str, Any], message: str
) -> None:
    _, url = toy
    response = httpx.post(f"{url}/_sim/faults", json=rule)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_seed_reset_and_credentials(toy: tuple[ToySimulator, str]) -> None:
    sim, url = toy
    with httpx.Client(base_url=url) as client:
        assert client.put("/_sim/seed", content="items: [x]").status_code == 200
        assert client.get("/api/items/x").status_code == 200
        assert client.get("/api/items/a").status_code == 404
        bad = client.put("/_sim/seed", content="items: 3")
        assert bad.status_code == 400 and "seed.items" in bad.json()["error"]
        assert client.put("/_sim/seed", content="[unclosed").status_code == 400
        assert client.post("/_sim/reset").status_code == 200
        assert client.get("/api/items/a").status_code == 200
        assert client.get("/_sim/credentials").json() == {"token": "toy-token"}
    assert sim.requests.total() == 1  # reset cleared the earlier counts


def test_webhooks_retry_in_order_per_key(toy: tuple[ToySimulator, str]) -> None:
    sim, url = toy
    receiver = Receiver(fail_first=2)
    with ServerThread(receiver.app) as hook_server, httpx.Client(base_url=url) as client:
        sim.subscribers = [f"{hook_server.url}/hook"]
        assert client.post("/api/items/a/ping", params={"n": 5}).status_code == 204
        assert client.post("/_sim/webhooks/drain").json() == {"idle": True}
        log = client.get("/_sim/webhooks").json()["deliveries"]
    assert [b["n"] for b in receiver.bodies] == [0, 1, 2, 3, 4]
    assert [d["state"] for d in log] == ["delivered"] * 5
    assert [len(d["attempts"]) for d in log] == [3, 1, 1, 1, 1]
    assert log[0]["attempts"][0]["status"] == 503
    assert sim.results == [(f"a-{i}", "delivered") for i in range(5)]


def test_webhook_fails_after_max_attempts(toy: tuple[ToySimulator, str]) -> None:
    sim, url = toy
    receiver = Receiver(fail_first=10)
    with ServerThread(receiver.app) as hook_server, httpx.Client(base_url=url) as client:
        sim.subscribers = [f"{hook_server.url}/hook"]
        client.post("/api/items/a/ping")
        client.post("/_sim/webhooks/drain")
        failed = client.get("/_sim/webhooks", params={"state": "failed"}).json()["deliveries"]
    assert len(failed) == 1 and len(failed[0]["attempts"]) == 3
    assert receiver.bodies == []


def test_drop_webhook_fault(toy: tuple[ToySimulator, str]) -> None:
    sim, url = toy
    receiver = Receiver()
    with ServerThread(receiver.app) as hook_server, httpx.Client(base_url=url) as client:
        sim.subscribers = [f"{hook_server.url}/hook"]
        client.post("/_sim/faults", json={"kind": "drop_webhook", "path": "item_*", "count": 1})
        client.post("/api/items/a/ping", params={"n": 2})
        client.post("/_sim/webhooks/drain")
        log = client.get("/_sim/webhooks", params={"body": "false"}).json()["deliveries"]
    assert [d["state"] for d in log] == ["dropped", "delivered"]
    assert "body" not in log[0]
    assert [b["n"] for b in receiver.bodies] == [1]


def test_control_api_refuses_non_loopback_clients() -> None:
    sim = ToySimulator(SimConfig())
    app = build_app(sim)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))

    async def call() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
            control = await client.get("/_sim/credentials")
            api = await client.get("/api/items/a")
            return control.status_code, api.status_code

    assert asyncio.run(call()) == (403, 200)
