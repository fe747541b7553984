"""Machinery shared by the three simulators (see base.py and app.py)."""

from jirasync.sim.common.app import build_app, route_template
from jirasync.sim.common.base import (
    RequestCounter,
    SeedError,
    SimConfig,
    Simulator,
    load_seed_file,
)
from jirasync.sim.common.faults import FaultInjector, FaultRule
from jirasync.sim.common.webhooks import Delivery, RetryPolicy, WebhookDeliverer

__all__ = [
    "Delivery",
    "FaultInjector",
    "FaultRule",
    "RequestCounter",
    "RetryPolicy",
    "SeedError",
    "SimConfig",
    "Simulator",
    "WebhookDeliverer",
    "build_app",
    "load_seed_file",
    "route_template",
]
