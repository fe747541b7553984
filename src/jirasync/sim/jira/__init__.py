"""Jira Server / Data Center simulator (REST API v2, webhooks, workflows, auth).

`create_app(config)` gives the ASGI app; `jirasync sim jira` serves it. See
docs/simulators/jira.md.
"""

from __future__ import annotations

from starlette.applications import Starlette

from jirasync.sim.common import SimConfig, build_app
from jirasync.sim.jira.simulator import JiraSimulator


def create_app(config: SimConfig) -> Starlette:
    return build_app(JiraSimulator(config))


__all__ = ["JiraSimulator", "create_app"]
