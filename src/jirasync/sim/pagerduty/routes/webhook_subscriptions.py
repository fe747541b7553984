"""/webhook_subscriptions: CRUD, enable, ping, and the 10-per-scope limit (reference §3.2)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.pagerduty.endpoint import JSON, Ctx, endpoint
from jirasync.sim.pagerduty.errors import PRODUCT_LIMIT, PDError, invalid
from jirasync.sim.pagerduty.model import WebhookSubscription
from jirasync.sim.pagerduty.pagination import page

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

MAX_PER_SCOPE = 10
KNOWN_EVENTS = {
    "incident.acknowledged",
    "incident.annotated",
    "incident.conference_bridge.updated",
    "incident.custom_field_values.updated",
    "incident.delegated",
    "incident.escalated",
    "incident.incident_type.changed",
    "incident.priority_updated",
    "incident.reassigned",
    "incident.reopened",
    "incident.resolved",
    "incident.responder.added",
    "incident.responder.replied",
    "incident.role.assigned",
    "incident.service_updated",
    "incident.status_update_published",
    "incident.task.completed",
    "incident.task.created",
    "incident.task.updated",
    "incident.triggered",
    "incident.unacknowledged",
    "incident.workflow.started",
    "incident.workflow.completed",
    "incident.action_invocation.created",
    "incident.action_invocation.terminated",
    "incident.action_invocation.updated",
    "service.created",
    "service.deleted",
    "service.updated",
    "service.custom_field_values.updated",
}


def _subscription(ctx: Ctx) -> WebhookSubscription:
    sub = ctx.sim.state.subscriptions.get(ctx.path("id"))
    if sub is None:
        raise PDError(404, "Not Found", 2100)
    return sub


def _events(value: Any) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(e, str) for e in value):
        raise invalid("events must be a non-empty list of event types")
    unknown = sorted(set(value) - KNOWN_EVENTS)
    if unknown:
        raise invalid(f"Unknown event type(s): {', '.join(unknown)}")
    return list(dict.fromkeys(value))


def _filter(ctx: Ctx, value: Any) -> tuple[str, str | None]:
    if not isinstance(value, dict):
        raise invalid("filter is required")
    kind, id_ = value.get("type"), value.get("id")
    state = ctx.sim.state
    if kind == "account_reference":
        return kind, None
    if kind == "service_reference" and isinstance(id_, str) and id_ in state.services:
        return kind, id_
    if kind == "team_reference" and isinstance(id_, str) and id_ in state.teams:
        return kind, id_
    if kind not in ("service_reference", "team_reference"):
        raise invalid("filter.type must be service_reference, team_reference or account_reference")
    raise invalid(f"filter.id {id_!r} does not name a {kind.removesuffix('_reference')}")


def _check_scope_limit(ctx: Ctx, filter_type: str, filter_id: str | None) -> None:
    same = [
        s
        for s in ctx.sim.state.subscriptions.values()
        if (s.filter_type, s.filter_id) == (filter_type, filter_id)
    ]
    if len(same) >= MAX_PER_SCOPE:
        raise PDError(
            400, "Webhook subscription limit exceeded for the selected scope", PRODUCT_LIMIT
        )


def _delivery_method(value: Any) -> tuple[str, list[dict[str, str]]]:
    if not isinstance(value, dict) or value.get("type") != "http_delivery_method":
        raise invalid("delivery_method.type must be http_delivery_method")
    url = value.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise invalid("delivery_method.url must be an http(s) URL")
    headers = value.get("custom_headers") or []
    if not isinstance(headers, list) or not all(
        isinstance(h, dict) and isinstance(h.get("name"), str) and isinstance(h.get("value"), str)
        for h in headers
    ):
        raise invalid("custom_headers must be a list of {name, value} strings")
    return url, [{"name": h["name"], "value": h["value"]} for h in headers]


async def list_subscriptions(ctx: Ctx) -> JSON:
    filter_type, filter_id = ctx.params.get("filter_type"), ctx.params.get("filter_id")
    subs = [
        s
        for s in ctx.sim.state.subscriptions.values()
        if (filter_type is None or s.filter_type == f"{filter_type}_reference")
        and (filter_id is None or s.filter_id == filter_id)
    ]
    return page(subs, ctx.params, "webhook_subscriptions", ctx.sim.ser.subscription)


async def create_subscription(ctx: Ctx) -> JSON:
    entity = await ctx.entity("webhook_subscription")
    if entity.get("type", "webhook_subscription") != "webhook_subscription":
        raise invalid("type must be webhook_subscription")
    url, headers = _delivery_method(entity.get("delivery_method"))
    filter_type, filter_id = _filter(ctx, entity.get("filter"))
    events = _events(entity.get("events"))
    _check_scope_limit(ctx, filter_type, filter_id)
    state = ctx.sim.state
    sub = WebhookSubscription(
        id=state.new_id("P"),
        url=url,
        events=events,
        filter_type=filter_type,
        filter_id=filter_id,
        secrets=[secrets.token_urlsafe(48)],
        delivery_method_id=state.new_id("P"),
        description=str(entity.get("description") or ""),
        custom_headers=headers,
        active=bool(entity.get("active", True)),
    )
    state.subscriptions[sub.id] = sub
    # the secret is shown once, in the create response (reference §3.2)
    return {"webhook_subscription": ctx.sim.ser.subscription(sub, with_secret=True)}


async def get_subscription(ctx: Ctx) -> JSON:
    return {"webhook_subscription": ctx.sim.ser.subscription(_subscription(ctx))}


async def update_subscription(ctx: Ctx) -> JSON:
    sub = _subscription(ctx)
    entity = await ctx.entity("webhook_subscription")
    if "delivery_method" in entity:
        raise invalid("delivery_method cannot be changed; create a new subscription")
    events = _events(entity["events"]) if "events" in entity else sub.events
    filter_ = (
        _filter(ctx, entity["filter"]) if "filter" in entity else (sub.filter_type, sub.filter_id)
    )
    if "active" in entity and not isinstance(entity["active"], bool):
        raise invalid("active must be true or false")
    sub.events = events
    sub.filter_type, sub.filter_id = filter_
    sub.description = str(entity.get("description", sub.description) or "")
    sub.active = entity.get("active", sub.active)
    return {"webhook_subscription": ctx.sim.ser.subscription(sub)}


async def delete_subscription(ctx: Ctx) -> None:
    sub = _subscription(ctx)
    del ctx.sim.state.subscriptions[sub.id]


async def enable_subscription(ctx: Ctx) -> JSON:
    sub = _subscription(ctx)
    ctx.sim.dispatcher.enable(sub)
    return {"webhook_subscription": ctx.sim.ser.subscription(sub)}


async def ping_subscription(ctx: Ctx) -> Response:
    sub = _subscription(ctx)
    ctx.sim.dispatcher.ping(sub)
    return Response(status_code=202)


def routes(sim: PagerDutySimulator) -> list[BaseRoute]:
    def ep(handler: Any) -> Any:
        return endpoint(sim, handler)

    base = "/webhook_subscriptions"
    return [
        Route(base, ep(list_subscriptions), methods=["GET"]),
        Route(base, ep(create_subscription), methods=["POST"]),
        Route(base + "/{id}", ep(get_subscription), methods=["GET"]),
        Route(base + "/{id}", ep(update_subscription), methods=["PUT"]),
        Route(base + "/{id}", ep(delete_subscription), methods=["DELETE"]),
        Route(base + "/{id}/enable", ep(enable_subscription), methods=["POST"]),
        Route(base + "/{id}/ping", ep(ping_subscription), methods=["POST"]),
    ]
