"""Seeds: the built-in default, credentials for test scripts, and clear SeedErrors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from jirasync.sim.common import SeedError, SimConfig
from jirasync.sim.hackerone import HackerOneSimulator
from jirasync.sim.hackerone.default_seed import default_seed
from jirasync.sim.hackerone.seed import build_state


def test_default_credentials(control: httpx.Client, sim_url: str) -> None:
    credentials = control.get("/credentials").json()
    assert credentials["api_url"] == f"{sim_url}/v1"
    assert credentials["program"] == "acme"
    assert credentials["api_identifier"] == "jirasync-sim"
    assert credentials["api_token"] == "h1-sim-token-0123456789abcdef"
    assert credentials["webhook_secret"] == "h1-sim-webhook-secret"
    auth = (credentials["api_identifier"], credentials["api_token"])
    assert httpx.get(f"{credentials['api_url']}/me/programs", auth=auth).status_code == 200


def test_config_seed_replaces_the_default() -> None:
    seed = {
        "users": [{"id": 1, "username": "h"}, {"id": 2, "username": "bot"}],
        "programs": [
            {
                "id": 5,
                "handle": "solo",
                "webhook_secret": "s",
                "api_tokens": [{"identifier": "i", "token": "t", "user": "bot"}],
            }
        ],
    }
    sim = HackerOneSimulator(SimConfig(seed=seed))
    assert sim.credentials()["program"] == "solo"
    assert sim.credentials()["api_token"] == "t"
    assert list(sim.state.reports) == []


def test_rate_limits_from_options_and_seed() -> None:
    real = {"reads_per_minute": 600, "writes_per_20s": 25}
    assert HackerOneSimulator(SimConfig(options={"rate_limits": real})).limiter.limits() == real
    seed = {**default_seed(), "rate_limits": {"writes_per_20s": 5}}
    assert HackerOneSimulator(SimConfig(seed=seed)).limiter.limits()["writes_per_20s"] == 5


def test_state_snapshot(control: httpx.Client) -> None:
    state = control.get("/state").json()
    assert [p["attributes"]["handle"] for p in state["programs"]] == ["acme", "globex"]
    assert len(state["reports"]) == 4


def test_seed_route_rejects_bad_seeds_with_the_reason(control: httpx.Client) -> None:
    response = control.put("/seed", content="programs: [{handle: x}]")
    assert response.status_code == 400
    assert "programs[0]: 'id' is required" in response.json()["error"]


def broken(change: Any) -> dict[str, Any]:
    seed = default_seed()
    change(seed)
    return seed


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(colour="red"), "unknown top-level key"),
        (lambda s: s["users"].append({"id": 3683, "username": "dup"}), "duplicate user"),
        (lambda s: s["users"][0].update(id="x"), "'id' must be int"),
        (
            lambda s: s["programs"][0]["groups"][0].update(permissions=["root"]),
            "unknown permission",
        ),
        (
            lambda s: s["programs"][0]["api_tokens"][0].update(groups=["Nope"]),
            "unknown group 'Nope'",
        ),
        (lambda s: s["programs"][0]["api_tokens"][0].update(user="ghost"), "unknown user 'ghost'"),
        (lambda s: s["programs"][0].update(webhooks=[{"url": "x"}]), "http(s) URL"),
        (
            lambda s: s["programs"][0].update(webhooks=[{"url": "http://x", "events": ["boom"]}]),
            "unknown webhook event",
        ),
        (lambda s: s["reports"][0].update(state="sleepy"), "unknown state 'sleepy'"),
        (lambda s: s["reports"][0].update(program="nope"), "unknown program 'nope'"),
        (lambda s: s["reports"][0].update(reporter="ghost"), "unknown user 'ghost'"),
        (lambda s: s["reports"][0].update(weakness=9999), "'weakness' 9999 is not defined"),
        (lambda s: s["reports"][0].update(created_at="last tuesday"), "not an ISO-8601 timestamp"),
        (lambda s: s["reports"][0].update(severity={"rating": "huge"}), "rating must be one of"),
        (lambda s: s["reports"][0].update(assignee={"group": "Nope"}), "unknown group 'Nope'"),
        (
            lambda s: s["reports"][1]["activities"][0].update(type="comment"),
            "must start with 'activity-'",
        ),
        (lambda s: s["reports"].append(dict(s["reports"][0])), "duplicate report id"),
        (lambda s: s.update(rate_limits={"reads_per_minute": 0}), "at least 1"),
        (lambda s: s.update(users="everyone"), "'users' must be list"),
    ],
)
def test_seed_errors_say_where_and_what(change: Any, message: str) -> None:
    with pytest.raises(SeedError, match=message.replace("(", r"\(").replace(")", r"\)")):
        HackerOneSimulator(SimConfig(seed=broken(change)))


def test_default_seed_is_valid_and_yaml_round_trips() -> None:
    state = build_state(yaml.safe_load(yaml.safe_dump(default_seed())))
    assert {p.handle for p in state.programs.values()} == {"acme", "globex"}
    assert len(state.reports) == 4


SEED_KEYS = st.sampled_from(
    [
        "users",
        "programs",
        "reports",
        "id",
        "username",
        "handle",
        "groups",
        "members",
        "api_tokens",
        "webhooks",
        "url",
        "events",
        "permissions",
        "name",
        "user",
        "program",
        "title",
        "state",
        "reporter",
        "created_at",
        "activities",
        "type",
        "actor",
        "severity",
        "rating",
        "assignee",
        "bounties",
        "amount",
        "swag",
        "attachments",
        "file_name",
        "weakness",
        "rate_limits",
    ]
)
SEED_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["acme", "x", "new", "2020-01-01"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(SEED_KEYS, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(seed=st.dictionaries(SEED_KEYS, SEED_VALUES, max_size=4))
def test_any_malformed_seed_is_a_seed_error(seed: dict[str, Any]) -> None:
    try:
        build_state(seed)
    except SeedError:
        pass
