"""The durable event engine: the inbox that is also the work queue, and the workers that drain
it per ordering key, with leases, retries, a dead letter and an activity log.

Public surface: `Inbox.receive` (webhook routes), `HandlerRegistry` / `EventContext` /
`Outcome` / `TransientError` / `PermanentError` (handlers), `Worker` (serve and worker), and
`queue.replay_event` / `queue.replay_dead` (admin).
"""

from jirasync.engine.activity import ActivityRecorder, current_recorder
from jirasync.engine.inbox import Inbox, Received
from jirasync.engine.outcomes import (
    Done,
    Failed,
    Ignored,
    Outcome,
    PermanentError,
    Retry,
    TransientError,
)
from jirasync.engine.registry import EventContext, Handler, HandlerRegistry
from jirasync.engine.worker import Worker

__all__ = [
    "ActivityRecorder",
    "Done",
    "EventContext",
    "Failed",
    "Handler",
    "HandlerRegistry",
    "Ignored",
    "Inbox",
    "Outcome",
    "PermanentError",
    "Received",
    "Retry",
    "TransientError",
    "Worker",
    "current_recorder",
]
