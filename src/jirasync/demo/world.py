"""The demo's simulated world: each simulator's built-in default seed plus the demo's data
(`world.yaml`), and the set-up document that connects jirasync to it (`setup.yaml`)."""

from __future__ import annotations

import copy
from importlib import resources
from typing import Any

import yaml

from jirasync.devstack import SimSetup
from jirasync.sim.hackerone.default_seed import default_seed as hackerone_default
from jirasync.sim.jira.seed import default_seed as jira_default
from jirasync.sim.pagerduty.seed import DEFAULT_SEED as PAGERDUTY_DEFAULT

JSON = dict[str, Any]

# A security-team member's token (added by world.yaml): the scenario triages and rewards as a
# person would, since what jirasync's own token does never syncs back.
HACKERONE_PERSON = ("alice-sec-demo", "h1-sim-alice-sec-token")
HACKERONE_API = ("jirasync-sim", "h1-sim-token-0123456789abcdef")
PAGERDUTY_KEY = "pdsim-account-key-0001"
PROGRAM = "acme"


def _data(name: str) -> JSON:
    text = resources.files(__package__).joinpath(name).read_text("utf-8")
    loaded: JSON = yaml.safe_load(text)
    return loaded


def _extended(default: JSON, additions: JSON) -> JSON:
    """The default seed with each list of `additions` appended to the list of the same name."""
    seed = copy.deepcopy(default)
    for key, items in additions.items():
        seed[key] = [*seed.get(key, []), *copy.deepcopy(items)]
    return seed


def jira_seed() -> JSON:
    return _extended(jira_default(), _data("world.yaml")["jira"])


def pagerduty_seed() -> JSON:
    seed = _extended(PAGERDUTY_DEFAULT, _data("world.yaml")["pagerduty"])
    # The default seed's subscription posts to :8000/webhooks/pagerduty, which is no jirasync
    # route (webhook URLs name their connection): `check --fix` registers the real ones.
    seed["webhook_subscriptions"] = []
    return seed


def hackerone_seed() -> JSON:
    additions = copy.deepcopy(_data("world.yaml")["hackerone"])
    tokens: dict[str, list[JSON]] = additions.pop("api_tokens")
    seed = _extended(hackerone_default(), additions)
    for program in seed["programs"]:
        program["api_tokens"] = [*program.get("api_tokens", []), *tokens.get(program["handle"], [])]
    return seed


def simulators() -> dict[str, SimSetup]:
    return {
        "jira": SimSetup(seed=jira_seed()),
        "pagerduty": SimSetup(seed=pagerduty_seed()),
        "hackerone": SimSetup(seed=hackerone_seed()),
    }


def setup_document(jira_url: str, pagerduty_url: str, hackerone_url: str) -> JSON:
    """`setup.yaml` pointed at where the simulators listen."""
    document = _data("setup.yaml")
    urls = {"jira": jira_url, "pagerduty": pagerduty_url, "hackerone": hackerone_url}
    for connection in document["connections"]:
        connection["base_url"] = urls[connection["kind"]]
        if connection["kind"] == "hackerone":
            connection["options"]["web_base"] = hackerone_url
    return document
