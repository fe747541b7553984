"""PagerDuty simulator: REST API v2, Events API v2 and v3 (and legacy v2) webhooks.

`create_app(config)` serves it; see docs/simulators/pagerduty.md.
"""

from __future__ import annotations

from starlette.applications import Starlette

from jirasync.sim.common import SimConfig, build_app
from jirasync.sim.pagerduty.seed import DEFAULT_SEED
from jirasync.sim.pagerduty.signing import signature, signature_header, verify
from jirasync.sim.pagerduty.simulator import PagerDutySimulator


def create_app(config: SimConfig) -> Starlette:
    return build_app(PagerDutySimulator(config))


__all__ = [
    "DEFAULT_SEED",
    "PagerDutySimulator",
    "create_app",
    "signature",
    "signature_header",
    "verify",
]
