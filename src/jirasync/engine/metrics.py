"""Prometheus metrics of the inbox, the workers and the remote calls (exposed by the web app's
/metrics, and by `jirasync worker` on its metrics port).

prometheus-client keeps metrics in its process-wide registry by design; these are the only
module-level objects of the engine. Labels hold bounded values only: sources, statuses, route
templates (never raw paths, which carry issue keys and incident ids).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from jirasync.connectors.http import RemoteCall

LATENCY_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

WEBHOOKS = Counter(
    "jirasync_webhooks_total",
    "Webhook requests by the answer they got (accepted, malformed, unauthenticated, "
    "unknown_connection, too_large, error).",
    ["source", "outcome"],
)
EVENTS_RECEIVED = Counter(
    "jirasync_events_received_total",
    "Events written to the inbox (duplicate=true: a redelivery, not queued again).",
    ["source", "duplicate"],
)
ATTEMPTS_FINISHED = Counter(
    "jirasync_event_attempts_total",
    "Handler attempts by the status they left the event in (done, ignored and dead are final).",
    ["source", "status"],
)
ATTEMPT_SECONDS = Histogram(
    "jirasync_event_attempt_seconds",
    "Time a handler attempt took.",
    ["source"],
    buckets=LATENCY_BUCKETS,
)
SYNC_SECONDS = Histogram(
    "jirasync_event_sync_seconds",
    "From an event's arrival in the inbox to its last remote write, retries included "
    "(events done with at least one write).",
    ["source"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
)
CLAIMED = Counter("jirasync_events_claimed_total", "Events claimed by this process's worker.")

REMOTE_CALLS = Counter(
    "jirasync_remote_calls_total",
    "Calls to Jira, PagerDuty and HackerOne by route template and HTTP status "
    "(status=error: no answer, a timeout or connection failure).",
    ["system", "method", "route", "status"],
)
REMOTE_CALL_SECONDS = Histogram(
    "jirasync_remote_call_seconds",
    "Duration of calls to Jira, PagerDuty and HackerOne by route template.",
    ["system", "method", "route"],
    buckets=LATENCY_BUCKETS,
)

# Computed from the inbox table when /metrics is scraped: the same in every process that
# shares the database (aggregate replicas with max, not sum).
QUEUE_EVENTS = Gauge(
    "jirasync_queue_events", "Events in the inbox by status (active ones and dead).", ["status"]
)
QUEUE_OLDEST_AGE = Gauge(
    "jirasync_queue_oldest_age_seconds",
    "Age of the oldest event in each active status, since it was received.",
    ["status"],
)
QUEUE_LAG = Gauge(
    "jirasync_queue_lag_seconds",
    "How long the oldest event that could run now has waited for a worker.",
)


def count_remote_call(call: RemoteCall) -> None:
    """The connectors' call observer (see connectors.http.observe_calls)."""
    status = str(call.status) if call.status is not None else "error"
    REMOTE_CALLS.labels(call.system, call.method, call.route, status).inc()
    REMOTE_CALL_SECONDS.labels(call.system, call.method, call.route).observe(
        call.duration_ms / 1000
    )
