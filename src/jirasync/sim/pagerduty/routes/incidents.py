"""/incidents: list, create, get, update, bulk update; alerts; custom field values; status
updates and responder requests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute, Route

from jirasync.sim.pagerduty.endpoint import JSON, Ctx, endpoint
from jirasync.sim.pagerduty.errors import PDError, invalid
from jirasync.sim.pagerduty.listing import (
    INCIDENT_INCLUDES,
    filter_incidents,
    includes,
    render_incident,
)
from jirasync.sim.pagerduty.model import Actor
from jirasync.sim.pagerduty.pagination import page
from jirasync.sim.pagerduty.serialize import ts
from jirasync.sim.pagerduty.updates import parse_update, ref_id

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

MAX_BULK = 250


async def list_incidents(ctx: Ctx) -> JSON:
    include = includes(ctx.params, INCIDENT_INCLUDES)
    found = filter_incidents(ctx.sim.state, ctx.params)
    return page(found, ctx.params, "incidents", lambda i: render_incident(ctx.sim.ser, i, include))


async def create_incident(ctx: Ctx) -> JSON:
    incident = ctx.sim.incidents.create(await ctx.entity("incident"), ctx.actor)
    return {"incident": ctx.sim.ser.incident(incident)}


async def get_incident(ctx: Ctx) -> JSON:
    include = includes(ctx.params, INCIDENT_INCLUDES)
    incident = ctx.sim.state.incident(ctx.path("id"))
    return {"incident": render_incident(ctx.sim.ser, incident, include)}


async def update_incident(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    ctx.sim.incidents.update(incident, await ctx.entity("incident"), ctx.actor)
    return {"incident": ctx.sim.ser.incident(incident)}


async def bulk_update(ctx: Ctx) -> Any:
    body = await ctx.body()
    items = body.get("incidents") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise invalid("The request body must be an object with an 'incidents' list")
    if len(items) > MAX_BULK:
        raise PDError(
            413,
            "Request Entity Too Large",
            2001,
            [f"At most {MAX_BULK} incidents can be updated at once"],
        )
    state = ctx.sim.state
    targets = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise invalid(f"incidents[{n}] needs an id")
        incident = state.incident(item["id"])
        targets.append((incident, parse_update(state, incident, item)))  # all checked first
    for incident, update in targets:
        ctx.sim.incidents.apply(incident, update, ctx.actor)
    return {"incidents": [ctx.sim.ser.incident(i) for i, _ in targets]}


async def snooze(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    body = await ctx.body()
    ctx.sim.incidents.snooze(
        incident, body.get("duration") if isinstance(body, dict) else None, ctx.actor
    )
    return {"incident": ctx.sim.ser.incident(incident)}


async def merge(ctx: Ctx) -> JSON:
    state = ctx.sim.state
    target = state.incident(ctx.path("id"))
    body = await ctx.body()
    refs = body.get("source_incidents") if isinstance(body, dict) else None
    if not isinstance(refs, list) or not refs:
        raise invalid("source_incidents must be a non-empty list of incident references")
    sources = [state.incident(ref_id(r, "incident", "source_incidents[]")) for r in refs]
    ctx.sim.incidents.merge(target, sources, ctx.actor)
    return {"incident": ctx.sim.ser.incident(target)}


async def list_alerts(ctx: Ctx) -> JSON:
    state, ser = ctx.sim.state, ctx.sim.ser
    incident = state.incident(ctx.path("id"))

    def render(alert_id: str) -> JSON:
        alert = state.alerts[alert_id]
        service = state.services[incident.service_id]
        return {
            "id": alert.id,
            "type": "alert",
            "summary": alert.summary,
            "self": f"{ser.base}/incidents/{incident.id}/alerts/{alert.id}",
            "html_url": f"{ser.base}/alerts/{alert.id}",
            "created_at": ts(alert.created_at),
            "status": alert.status,
            "alert_key": alert.alert_key,
            "service": ser.service_ref(service.id),
            "body": {"type": "alert_body", "contexts": [], "details": alert.details},
            "incident": ser.incident_ref(incident),
            "suppressed": False,
            "severity": alert.severity,
            "integration": ser.integration_ref(service),
        }

    return page(incident.alert_ids, ctx.params, "alerts", render)


async def get_custom_fields(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    return {"custom_fields": ctx.sim.ser.custom_field_values(incident)}


async def put_custom_fields(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    body = await ctx.body()
    values = body.get("custom_fields") if isinstance(body, dict) else None
    ctx.sim.annotations.set_custom_fields(incident, values, ctx.actor)
    return {"custom_fields": ctx.sim.ser.custom_field_values(incident)}


async def post_status_update(ctx: Ctx) -> JSON:
    incident = ctx.sim.state.incident(ctx.path("id"))
    body = await ctx.body()
    message = body.get("message") if isinstance(body, dict) else None
    data = ctx.sim.annotations.publish_status_update(incident, message, ctx.actor)
    return {
        "status_update": {
            "id": data["id"],
            "message": data["message"],
            "created_at": ts(ctx.sim.state.clock()),
            "sender": ctx.sim.ser.actor_ref(ctx.actor),
        }
    }


async def post_responder_request(ctx: Ctx) -> JSON:
    state, ser = ctx.sim.state, ctx.sim.ser
    incident = state.incident(ctx.path("id"))
    body = await ctx.body()
    if not isinstance(body, dict) or not isinstance(body.get("responder_request_targets"), list):
        raise invalid("responder_request_targets is required")
    message = str(body.get("message", ""))
    requester = state.users.get(str(body.get("requester_id")))
    if requester is None:
        raise invalid("requester_id must name a user")
    actor = ctx.actor or Actor("user", requester.id)
    user_ids = []
    for n, target in enumerate(body["responder_request_targets"]):
        inner = target.get("responder_request_target") if isinstance(target, dict) else None
        user_ids.append(ref_id(inner, "user", f"responder_request_targets[{n}]"))
    for user_id in user_ids:
        ctx.sim.annotations.add_responder(incident, user_id, message, actor)
    return {
        "responder_request": {
            "incident": ser.incident_ref(incident),
            "requester": ser.user_ref(requester.id),
            "requested_at": ts(state.clock()),
            "message": message,
            "responder_request_targets": [
                {"responder_request_target": {"type": "user", "id": u, "incidents_responders": []}}
                for u in user_ids
            ],
        }
    }


def routes(sim: PagerDutySimulator) -> list[BaseRoute]:
    def ep(handler: Any, **kw: Any) -> Any:
        return endpoint(sim, handler, **kw)

    return [
        Route("/incidents", ep(list_incidents), methods=["GET"]),
        Route("/incidents", ep(create_incident, from_required=True, status=201), methods=["POST"]),
        Route("/incidents", ep(bulk_update, from_required=True), methods=["PUT"]),
        Route("/incidents/{id}", ep(get_incident), methods=["GET"]),
        Route("/incidents/{id}", ep(update_incident, from_required=True), methods=["PUT"]),
        Route("/incidents/{id}/alerts", ep(list_alerts), methods=["GET"]),
        Route(
            "/incidents/{id}/snooze", ep(snooze, from_required=True, status=201), methods=["POST"]
        ),
        Route("/incidents/{id}/merge", ep(merge, from_required=True), methods=["PUT"]),
        Route("/incidents/{id}/custom_fields/values", ep(get_custom_fields), methods=["GET"]),
        Route(
            "/incidents/{id}/custom_fields/values",
            ep(put_custom_fields, status=201),
            methods=["PUT"],
        ),
        Route(
            "/incidents/{id}/status_updates",
            ep(post_status_update, from_required=True),
            methods=["POST"],
        ),
        Route(
            "/incidents/{id}/responder_requests",
            ep(post_responder_request, from_required=True),
            methods=["POST"],
        ),
    ]
