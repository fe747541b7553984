"""`/rest/webhooks/1.0/webhook` CRUD (Jira administrators only)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from jirasync.sim.common import SeedError
from jirasync.sim.jira import jql_support, permissions
from jirasync.sim.jira.errors import JiraError, bad_request, forbidden, not_found
from jirasync.sim.jira.model import Webhook
from jirasync.sim.jira.routes.base import Call, json_response, no_content
from jirasync.sim.jira.seed import webhook_from_spec
from jirasync.sim.jira.webhooks import webhook_bean

if TYPE_CHECKING:
    from jirasync.sim.jira.routes.base import Handler

BASE = "/rest/webhooks/1.0/webhook"


def _admin(call: Call) -> None:
    if not permissions.is_admin(call.user):
        raise forbidden(
            "You are not authorized to perform this action. Administrator privileges are required."
        )


def _find(call: Call) -> Webhook:
    raw = call.path("id")
    hook = call.state.webhooks.get(int(raw)) if raw.isdigit() else None
    if hook is None:
        raise not_found(f"Webhook with id {raw} not found")
    return hook


async def _spec(call: Call) -> dict[str, Any]:
    body = await call.json()
    if not isinstance(body, dict):
        raise bad_request("The webhook must be a JSON object.")
    jql = (body.get("filters") or {}).get("issue-related-events-section", "") or ""
    jql_support.check_filter(jql)  # Jira rejects a webhook whose JQL does not parse
    if body.get("secret") and not call.state.options.webhook_signatures:
        raise JiraError(
            400, errors={"secret": "Webhook secrets are not supported by this version."}
        )
    return body


async def list_webhooks(call: Call) -> Response:
    _admin(call)
    beans = [webhook_bean(call.ser, call.state, w) for w in call.state.webhooks.values()]
    return json_response(beans)


async def create_webhook(call: Call) -> Response:
    _admin(call)
    spec = await _spec(call)
    try:
        hook = webhook_from_spec(call.state, spec, "webhook", call.user.name)
    except SeedError as exc:
        raise bad_request(str(exc).removeprefix("webhook: ")) from None
    return json_response(webhook_bean(call.ser, call.state, hook), 201)


async def get_webhook(call: Call) -> Response:
    _admin(call)
    return json_response(webhook_bean(call.ser, call.state, _find(call)))


async def update_webhook(call: Call) -> Response:
    _admin(call)
    hook = _find(call)
    spec = await _spec(call)
    merged = {
        "name": hook.name,
        "url": hook.url,
        "events": hook.events,
        "jql": hook.jql,
        "excludeBody": hook.exclude_body,
        "enabled": hook.enabled,
        "secret": hook.secret,
        **spec,
    }
    if "filters" in spec:
        merged.pop("jql")
    try:
        updated = webhook_from_spec(call.state, merged, "webhook", call.user.name)
    except SeedError as exc:
        raise bad_request(str(exc).removeprefix("webhook: ")) from None
    del call.state.webhooks[updated.id]
    updated.id = hook.id
    if not updated.enabled:
        _drop_queued(call, hook.id)
    updated.last_updated = int(datetime.now(UTC).timestamp() * 1000)
    call.state.webhooks[hook.id] = updated
    return json_response(webhook_bean(call.ser, call.state, updated))


async def delete_webhook(call: Call) -> Response:
    _admin(call)
    hook = _find(call)
    del call.state.webhooks[hook.id]
    _drop_queued(call, hook.id)
    return no_content()


def _drop_queued(call: Call, hook_id: int) -> None:
    """Deliveries not yet sent to a deleted or disabled webhook are not sent."""
    key = f"webhook-{hook_id}"
    call.sim.webhooks.drop_pending(lambda delivery: delivery.key == key)


def table() -> list[tuple[str, str, Handler]]:
    return [
        ("GET", BASE, list_webhooks),
        ("POST", BASE, create_webhook),
        ("GET", BASE + "/{id}", get_webhook),
        ("PUT", BASE + "/{id}", update_webhook),
        ("DELETE", BASE + "/{id}", delete_webhook),
    ]
