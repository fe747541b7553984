"""Seed validation (`SeedError` with the offending entry named) and custom seeds."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pd_sim_helpers import Api

from jirasync.sim.common import SeedError, SimConfig
from jirasync.sim.pagerduty import DEFAULT_SEED, PagerDutySimulator
from jirasync.sim.pagerduty.seed import build_state


def seed(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(DEFAULT_SEED)
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bogus": []}, "unknown seed section(s): bogus"),
        ({"users": [{"name": "x"}]}, "users[0].email: required"),
        ({"users": [{"name": "x", "email": "nope"}]}, "users[0].email: 'nope' is not an email"),
        (
            {"services": [{"name": "S", "escalation_policy": "Nope"}]},
            "services[0].escalation_policy: no escalation policy 'Nope'",
        ),
        (
            {"incidents": [{"title": "t", "service": "Checkout API", "status": "open"}]},
            "incidents[0].status: one of triggered, acknowledged, resolved",
        ),
        (
            {"escalation_policies": [{"name": "E", "levels": [["ghost@example.com"]]}]},
            "escalation_policies[0].levels[0]: no user 'ghost@example.com'",
        ),
        ({"webhook_subscriptions": [{"url": "ftp://x"}]}, "webhook_subscriptions[0].url"),
        (
            {"teams": [{"id": "T1", "name": "a"}, {"id": "T1", "name": "b"}]},
            "teams[1].id: T1 is used twice",
        ),
        (
            {"escalation_policies": [{"name": "E", "levels": [["PUSER01"]], "num_loops": "x"}]},
            "escalation_policies[0].num_loops: a non-negative integer",
        ),
        (
            {
                "incidents": [
                    {"title": "a", "service": "Payments", "incident_key": "k"},
                    {"title": "b", "service": "Payments", "incident_key": "k"},
                ]
            },
            "incidents[1].incident_key: another open incident",
        ),
        (
            {
                "incidents": [
                    {"title": "a", "service": "Payments", "number": 3},
                    {"title": "b", "service": "Payments", "number": 3},
                ]
            },
            "incidents[1].number: 3 is used twice",
        ),
        (
            {"incidents": [{"title": "t", "service": "Checkout API", "created_at": "yesterday"}]},
            "incidents[0].created_at: not an ISO 8601 date-time",
        ),
    ],
)
def test_invalid_seeds_name_the_entry(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(SeedError) as excinfo:
        build_state(seed(**changes))
    assert message in str(excinfo.value)


def test_seed_through_control_api(api: Api) -> None:
    bad = api.post("/_sim/seed", content=b"users: [{name: x}]")
    assert bad.status_code == 400 and "users[0].email" in bad.json()["error"]
    yaml_seed = b"""
teams: [{name: Ops}]
users: [{id: PU1, name: Dana, email: dana@example.com, api_key: dana-key, teams: [Ops]}]
api_keys: {account: [acct-key]}
priorities: [{name: SEV1}, {name: SEV2}]
escalation_policies: [{name: Ops EP, levels: [[dana@example.com]]}]
services: [{name: Core, escalation_policy: Ops EP, routing_key: 0123456789abcdef0123456789abcdef}]
incidents:
  - {title: Old, service: Core, status: resolved, number: 41, created_at: "2026-01-01T00:00:00Z"}
"""
    assert api.post("/_sim/seed", content=yaml_seed).status_code == 200
    headers = {"Authorization": "Token token=acct-key"}
    assert [p["name"] for p in api.get("/priorities", headers=headers).json()["priorities"]] == [
        "SEV1",
        "SEV2",
    ]
    old = api.get("/incidents", params={"date_range": "all"}, headers=headers).json()["incidents"]
    assert old[0]["incident_number"] == 41 and old[0]["status"] == "resolved"
    assert api.get("/incidents", headers=headers).json()["incidents"] == []  # outside 1 month
    assert (
        api.get(
            "/incidents", headers={"Authorization": "Token token=pdsim-account-key-0001"}
        ).status_code
        == 401
    )


def test_reset_returns_to_configured_seed() -> None:
    sim = PagerDutySimulator(SimConfig(base_url="http://pd"))
    sim.load_seed(seed(incidents=[]))
    assert sim.state.incidents == {}
    sim.reset()
    assert len(sim.state.incidents) == 1
