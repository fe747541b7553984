"""Replay HackerOne's recorded request/response pairs (tests/fixtures/hackerone/recorded-vcr,
real api.hackerone.com traffic from 2017-2020) against the simulator, seeded with the recorded
situation (recorded-seed.yaml). Each response must match the recording in status and shape:
every key the recording has is present, with the same JSON type. Values that necessarily differ
(ids, timestamps, texts) are not compared; a recorded null accepts any value, and our null is
accepted where the seed simply lacks that fact. Polymorphic relationships (an actor that is a
user or the program, an assignee that is a user or a group) are compared only when the types
agree.

Cassettes with several interactions (`name__0.json`, `name__1.json`, …) replay in order on one
seed, so `lock_report` resolves the report and then closes its comments.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

ShapeCheck = Callable[[Any, Any], list[str]]
FIXTURES = Path(__file__).parents[2] / "fixtures" / "hackerone"
CASSETTES = FIXTURES / "recorded-vcr"
RECORDED_HOST = "https://api.hackerone.com"
FULL = ("recorded-token", "recorded-secret")
LIMITED = ("limited-token", "limited-secret")  # no Report Management: the 403 recordings

EXCLUDED = {
    "server_error": "hand-written upstream ({'data': {'error': 'fail'}}), not a real answer;"
    " the real 500 shape is replayed by server_error_when_assigning_report_to_user",
    "common_responses": "canned responses (GET /programs/{id}/common_responses) are not"
    " simulated: jirasync never uses them",
    "get_balance": "billing balance (GET /programs/{id}/billing/balance) is not simulated:"
    " jirasync never uses it",
}


def _cassettes() -> dict[str, list[Path]]:
    groups: dict[str, list[Path]] = {}
    for path in sorted(CASSETTES.glob("*.json")):
        name = path.stem.partition("__")[0]
        groups.setdefault(name, []).append(path)
    for paths in groups.values():
        paths.sort(key=lambda p: int(p.stem.partition("__")[2] or 0))
    return groups


CASSETTE_GROUPS = _cassettes()


def _seed() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((FIXTURES / "recorded-seed.yaml").read_text("utf-8"))
    return data


def _report(seed: dict[str, Any], report_id: int) -> dict[str, Any]:
    return next(r for r in seed["reports"] if r["id"] == report_id)


def _untriaged(seed: dict[str, Any]) -> None:
    _report(seed, 200)["state"] = "new"


def _no_newer_reports(seed: dict[str, Any]) -> None:
    seed["reports"] = [r for r in seed["reports"] if r["id"] not in (207385, 207228)]


# What each cassette's situation needs beyond the shared seed.
SEED_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "stage_change": _untriaged,
    "triage_and_hook_assign_report_to_user": _untriaged,
    "missing_report": _untriaged,
    "empty_report_list": _no_newer_reports,
}
TOKENS = {
    "assign_report_to_group_no_permission": LIMITED,
    "assign_report_to_user_no_permission": LIMITED,
    "assign_report_to_nobody_no_permission": LIMITED,
}
# The recorded 500 was HackerOne failing; the simulator reproduces it with a fault rule.
FAULTS = {
    "server_error_when_assigning_report_to_user": [
        {"method": "PUT", "path": "/v1/reports/{report_id}/assignee", "status": 500, "count": 1}
    ]
}


# -- replay -----------------------------------------------------------------------------------
@pytest.fixture
def seeded(control: httpx.Client) -> Iterator[Callable[[str], None]]:
    def seed_for(cassette: str) -> None:
        seed = _seed()
        SEED_CHANGES.get(cassette, lambda s: None)(seed)
        control.put("/seed", content=yaml.safe_dump(seed)).raise_for_status()
        for rule in FAULTS.get(cassette, []):
            control.post("/faults", json=rule).raise_for_status()

    yield seed_for


REPLAYED = sorted(set(CASSETTE_GROUPS) - set(EXCLUDED))


@pytest.mark.parametrize("cassette", REPLAYED)
def test_recorded_cassette(
    cassette: str,
    seeded: Callable[[str], None],
    sim_url: str,
    http: httpx.Client,
    shape_mismatches: ShapeCheck,
) -> None:
    seeded(cassette)
    auth = TOKENS.get(cassette, FULL)
    for path in CASSETTE_GROUPS[cassette]:
        interaction = json.loads(path.read_text("utf-8"))
        request, recorded = interaction["request"], interaction["response"]
        url = request["url"].replace(RECORDED_HOST, sim_url)
        content = json.dumps(request["body"]) if request["body"] is not None else None
        response = http.request(
            request["method"],
            url,
            content=content,
            headers={"content-type": "application/json"} if content else {},
            auth=auth,
        )
        label = f"{path.name} {request['method']} {request['path']}"
        assert response.status_code == recorded["status"], f"{label}: {response.text[:500]}"
        problems = shape_mismatches(recorded["body"], response.json())
        assert not problems, f"{label}:\n" + "\n".join(problems[:40])


def test_every_cassette_is_replayed_or_excluded_with_a_reason() -> None:
    assert set(EXCLUDED) <= set(CASSETTE_GROUPS)
    assert len([p for ps in CASSETTE_GROUPS.values() for p in ps]) == 62


def test_shape_comparison_catches_differences(shape_mismatches: ShapeCheck) -> None:
    assert shape_mismatches({"a": "1"}, {"a": 1}) == ["$.a: recorded str, got number"]
    assert shape_mismatches({"a": 1, "b": None}, {"a": 2.5}) == ["$: missing key 'b'"]
    assert shape_mismatches([{"type": "x", "k": 1}], [{"type": "x"}]) == ["$[0]: missing key 'k'"]
