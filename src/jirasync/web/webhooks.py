"""Webhook routes: authenticate the sender, bound the body, write the event to the inbox, answer.

Answers: 202 once stored (also for events jirasync does not act on; the worker records them as
ignored); 400 for a body that is not the webhook it claims to be (stored first, so nothing is
lost and the queue shows it); 401/403 for a bad signature or URL token (not stored); 404 for an
unknown connection; 413 for a body over the limit; 5xx only if the store fails, so the sender
retries.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from jirasync.connectors.hackerone.webhooks import parse_webhook as parse_hackerone
from jirasync.connectors.hackerone.webhooks import signature_valid as hackerone_signature_valid
from jirasync.connectors.jira.delivery import delivery_id as jira_delivery_id
from jirasync.connectors.jira.webhooks import parse_body as parse_jira_body
from jirasync.connectors.jira.webhooks import parse_event as parse_jira_event
from jirasync.connectors.pagerduty.webhooks import parse_webhook as parse_pagerduty
from jirasync.connectors.pagerduty.webhooks import signature_valid as pagerduty_signature_valid
from jirasync.core.events import MalformedEvent, UnsupportedEvent
from jirasync.engine.inbox import Inbox
from jirasync.log import get_logger
from jirasync.sync.connections import (
    HackerOneConnection,
    JiraConnection,
    PagerDutyConnection,
    UnusableConnection,
)
from jirasync.sync.links import SourceRef
from jirasync.sync.runtime import SyncRuntime, source_key
from jirasync.web.intake import store_and_accept

log = get_logger(__name__)
C = TypeVar("C")
MAX_BODY_BYTES = 2 * 1024 * 1024  # PagerDuty drops over 256 KB; Jira issue bodies stay far below

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


def _runtime(request: Request) -> SyncRuntime:
    runtime: SyncRuntime = request.app.state.sync
    return runtime


def _inbox(request: Request) -> Inbox:
    inbox: Inbox = request.app.state.service.inbox
    return inbox


async def _body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HTTPException(413, f"body over {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise HTTPException(413, f"body over {MAX_BODY_BYTES} bytes")
    return bytes(body)


@router.post("/jira/{connection_id}/{token}", status_code=202)
async def jira_webhook(connection_id: int, token: str, request: Request) -> JSONResponse:
    runtime = _runtime(request)
    body = await _body(request)

    def refused(jira: JiraConnection) -> HTTPException | None:
        known = jira.credentials.webhook_token.get_secret_value().encode()
        if not hmac.compare_digest(token.encode(), known):
            log.warning("webhook.jira.bad_token", connection=connection_id)
            return HTTPException(403, "unknown webhook URL token")
        secret = jira.credentials.webhook_secret
        if secret is not None and not _hub_signature_valid(
            body, request.headers.get("x-hub-signature"), secret.get_secret_value()
        ):
            return HTTPException(401, "X-Hub-Signature does not match the body")
        return None

    jira = await _authenticated(runtime, runtime.pool.jira, connection_id, refused)
    error, key, delivery = None, f"jira:{connection_id}:unparsed", None
    try:
        parsed = parse_jira_body(body)
        event = parse_jira_event(parsed)
        delivery = jira_delivery_id(parsed, event)
        key = await runtime.jira_key(jira.id, event.issue_id)
    except MalformedEvent as exc:
        error = str(exc)
    except UnsupportedEvent:
        pass
    return await store_and_accept(
        _inbox(request),
        source="jira",
        connection_id=connection_id,
        # Named by the change it reports, as the reconciler names it (connectors/jira/delivery).
        delivery_id=delivery,
        headers=dict(request.headers),
        body=body,
        ordering_key=key,
        rejection=error,
    )


@router.post("/pagerduty/{connection_id}", status_code=202)
async def pagerduty_webhook(connection_id: int, request: Request) -> JSONResponse:
    runtime = _runtime(request)
    await _connection(runtime.pool.pagerduty, connection_id)  # an unknown one is a 404 first
    body = await _body(request)
    header = request.headers.get("x-pagerduty-signature")
    if not header:
        raise HTTPException(401, "X-PagerDuty-Signature is missing")

    def refused(pagerduty: PagerDutyConnection) -> HTTPException | None:
        secrets = [s.get_secret_value() for s in pagerduty.credentials.webhook_secrets.values()]
        if pagerduty_signature_valid(body, header, secrets):
            return None
        return HTTPException(403, "X-PagerDuty-Signature matches none of this connection's secrets")

    await _authenticated(runtime, runtime.pool.pagerduty, connection_id, refused)
    error, key, delivery = (
        None,
        f"pagerduty:{connection_id}:unparsed",
        request.headers.get("x-webhook-id"),
    )
    try:
        events = parse_pagerduty(body)
        key = (
            source_key(SourceRef(connection_id, "incident", events[0].incident_id))
            if events
            else key
        )
        delivery = events[0].event_id if len(events) == 1 else delivery
    except MalformedEvent as exc:
        error = str(exc)
    except UnsupportedEvent:
        delivery = _event_id(body) or delivery
    return await store_and_accept(
        _inbox(request),
        source="pagerduty",
        connection_id=connection_id,
        delivery_id=delivery,
        headers=dict(request.headers),
        body=body,
        ordering_key=key,
        rejection=error,
    )


@router.post("/hackerone/{connection_id}", status_code=202)
async def hackerone_webhook(connection_id: int, request: Request) -> JSONResponse:
    runtime = _runtime(request)
    await _connection(runtime.pool.hackerone, connection_id)  # an unknown one is a 404 first
    body = await _body(request)
    header = request.headers.get("x-h1-signature")
    if not header:
        raise HTTPException(401, "X-H1-Signature is missing")

    def refused(hackerone: HackerOneConnection) -> HTTPException | None:
        secret = hackerone.credentials.webhook_secret.get_secret_value()
        if hackerone_signature_valid(body, header, secret):
            return None
        return HTTPException(403, "X-H1-Signature does not match the body")

    await _authenticated(runtime, runtime.pool.hackerone, connection_id, refused)
    error, key = None, f"hackerone:{connection_id}:unparsed"
    delivery = request.headers.get("x-h1-delivery")
    try:
        event = parse_hackerone(body, request.headers.get("x-h1-event"), delivery)
        key = source_key(SourceRef(connection_id, "report", event.report_id))
    except MalformedEvent as exc:
        error = str(exc)
    except UnsupportedEvent:
        pass
    return await store_and_accept(
        _inbox(request),
        source="hackerone",
        connection_id=connection_id,
        delivery_id=delivery,
        headers=dict(request.headers),
        body=body,
        ordering_key=key,
        rejection=error,
    )


async def _authenticated(
    runtime: SyncRuntime,
    get: Callable[[int], Awaitable[C]],
    connection_id: int,
    refused: Callable[[C], HTTPException | None],
) -> C:
    """The connection the request authenticates against. A refusal is checked again on a fresh
    read of the row: another process may have just changed the credentials (a new webhook
    secret after `jirasync check --fix`), and the pool keeps rows for a few seconds."""
    connection = await _connection(get, connection_id)
    if refused(connection) is None:
        return connection
    runtime.pool.forget(connection_id)
    connection = await _connection(get, connection_id)
    error = refused(connection)
    if error is not None:
        raise error
    return connection


async def _connection(get: Callable[[int], Awaitable[C]], connection_id: int) -> C:
    try:
        return await get(connection_id)
    except UnusableConnection as exc:
        raise HTTPException(404, str(exc)) from None


def _hub_signature_valid(body: bytes, header: str | None, secret: str) -> bool:
    if not header:
        return False
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.strip())


def _event_id(body: bytes) -> str | None:
    try:
        event = json.loads(body).get("event") or {}
    except (ValueError, AttributeError):
        return None
    value = event.get("id") if isinstance(event, dict) else None
    return value if isinstance(value, str) else None
