"""The last step of every webhook route: store the event, then answer.

202 once the event is durably in the inbox (also for a redelivery, which is recorded as a
duplicate); 400 with the reason for a body that is not the webhook it claims to be, stored all
the same so it shows in the queue; 503 if it could not be stored, so the sender retries and
nothing is lost.
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi.responses import JSONResponse

from jirasync.engine.inbox import Inbox
from jirasync.log import get_logger

log = get_logger(__name__)


async def store_and_accept(
    inbox: Inbox,
    *,
    source: str,
    connection_id: int | None,
    delivery_id: str | None,
    headers: Mapping[str, str],
    body: bytes,
    ordering_key: str | None = None,
    rejection: str | None = None,
) -> JSONResponse:
    try:
        received = await inbox.receive(
            source=source,
            connection_id=connection_id,
            delivery_id=delivery_id,
            headers=headers,
            body=body,
            ordering_key=ordering_key,
        )
    except Exception:
        log.exception("inbox.store_failed", source=source, connection_id=connection_id)
        return JSONResponse({"error": "event not stored; please retry"}, status_code=503)
    if rejection is not None:
        return JSONResponse({"event_id": received.event_id, "error": rejection}, status_code=400)
    return JSONResponse(
        {"event_id": received.event_id, "duplicate": received.duplicate}, status_code=202
    )
