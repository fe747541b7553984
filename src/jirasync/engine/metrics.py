"""Prometheus metrics of the inbox and the workers (exposed by the web app's /metrics).

prometheus-client keeps metrics in its process-wide registry by design; these are the only
module-level objects of the engine.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_RECEIVED = Counter(
    "jirasync_events_received_total",
    "Events written to the inbox (duplicate=true: a redelivery, not queued again).",
    ["source", "duplicate"],
)
ATTEMPTS_FINISHED = Counter(
    "jirasync_event_attempts_total",
    "Handler attempts by the status they left the event in.",
    ["source", "status"],
)
ATTEMPT_SECONDS = Histogram(
    "jirasync_event_attempt_seconds",
    "Time a handler attempt took.",
    ["source"],
    buckets=(0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CLAIMED = Counter("jirasync_events_claimed_total", "Events claimed by this process's worker.")
