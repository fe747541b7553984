"""Faithful, stateful simulator of HackerOne's customer API v1 and its signed webhooks.

`create_app(SimConfig(...))` serves it; see docs/simulators/hackerone.md.
"""

from __future__ import annotations

from starlette.applications import Starlette

from jirasync.sim.common import SimConfig, build_app
from jirasync.sim.hackerone.simulator import HackerOneSimulator

__all__ = ["HackerOneSimulator", "create_app"]


def create_app(config: SimConfig) -> Starlette:
    return build_app(HackerOneSimulator(config))
