"""Users (incl. /users/me), teams, services, escalation policies, priorities, abilities."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from jirasync.sim.pagerduty.endpoint import JSON, Ctx, endpoint
from jirasync.sim.pagerduty.errors import MISSING_ABILITY, PDError, not_found
from jirasync.sim.pagerduty.pagination import multi, page

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

ACCOUNT_LEVEL_MESSAGE = (
    "Because this request was made using an account-level access token, we were unable to "
    "determine the user's identity. Please use a user-level token."
)


def _matches(query: str | None, *values: str) -> bool:
    return not query or any(query.lower() in v.lower() for v in values)


def _team_filter(ctx: Ctx, team_ids: Iterable[str]) -> bool:
    wanted = set(multi(ctx.params, "team_ids"))
    return not wanted or bool(wanted & set(team_ids))


async def list_users(ctx: Ctx) -> JSON:
    # `query` matches names or email addresses (what clients' `find(email)` relies on)
    query = ctx.params.get("query")
    users = [
        u
        for u in ctx.sim.state.users.values()
        if _matches(query, u.name, u.email) and _team_filter(ctx, u.team_ids)
    ]
    return page(users, ctx.params, "users", ctx.sim.ser.user)


async def get_user(ctx: Ctx) -> JSON:
    user = ctx.sim.state.users.get(ctx.path("id"))
    if user is None:
        raise not_found()
    return {"user": ctx.sim.ser.user(user, calendars=True)}


async def users_me(ctx: Ctx) -> Response | JSON:
    if ctx.caller.user_id is None:
        # a plain string `error`, unlike every other error body (reference §1.3)
        return JSONResponse({"error": ACCOUNT_LEVEL_MESSAGE}, 400)
    return {"user": ctx.sim.ser.user(ctx.sim.state.users[ctx.caller.user_id])}


async def list_teams(ctx: Ctx) -> JSON:
    query = ctx.params.get("query")
    teams = [t for t in ctx.sim.state.teams.values() if _matches(query, t.name)]
    return page(teams, ctx.params, "teams", ctx.sim.ser.team)


async def get_team(ctx: Ctx) -> JSON:
    team = ctx.sim.state.teams.get(ctx.path("id"))
    if team is None:
        raise not_found()
    return {"team": ctx.sim.ser.team(team)}


async def list_services(ctx: Ctx) -> JSON:
    query, name = ctx.params.get("query"), ctx.params.get("name")
    services = [
        s
        for s in ctx.sim.state.services.values()
        if _matches(query, s.name)
        and (name is None or s.name == name)
        and _team_filter(ctx, s.team_ids)
    ]
    if ctx.params.get("sort_by", "name").startswith("name"):
        services.sort(
            key=lambda s: s.name.lower(), reverse=ctx.params.get("sort_by") == "name:desc"
        )
    return page(services, ctx.params, "services", ctx.sim.ser.service)


async def get_service(ctx: Ctx) -> JSON:
    return {"service": ctx.sim.ser.service(ctx.sim.state.service(ctx.path("id")))}


async def list_policies(ctx: Ctx) -> JSON:
    query = ctx.params.get("query")
    policies = [
        p
        for p in ctx.sim.state.escalation_policies.values()
        if _matches(query, p.name) and _team_filter(ctx, p.team_ids)
    ]
    return page(policies, ctx.params, "escalation_policies", ctx.sim.ser.escalation_policy)


async def get_policy(ctx: Ctx) -> JSON:
    policy = ctx.sim.state.escalation_policies.get(ctx.path("id"))
    if policy is None:
        raise not_found()
    return {"escalation_policy": ctx.sim.ser.escalation_policy(policy)}


async def list_priorities(ctx: Ctx) -> JSON:
    # ordered from most to least severe, as PagerDuty lists them
    return page(ctx.sim.state.priorities, ctx.params, "priorities", ctx.sim.ser.priority)


async def list_abilities(ctx: Ctx) -> JSON:
    return {"abilities": sorted(ctx.sim.state.abilities)}


async def get_ability(ctx: Ctx) -> None:
    if ctx.path("id") not in ctx.sim.state.abilities:
        raise PDError(
            402, "Account does not have the abilities to perform the action", MISSING_ABILITY
        )


async def list_custom_fields(ctx: Ctx) -> JSON:
    fields = [ctx.sim.ser.field_value(f, None) for f in ctx.sim.state.custom_fields.values()]
    for field in fields:
        field.pop("value")
        field["type"] = "field"
    return {"fields": fields}


def routes(sim: PagerDutySimulator) -> list[BaseRoute]:
    def get(path: str, handler: Callable[[Ctx], Any]) -> Route:
        return Route(path, endpoint(sim, handler), methods=["GET"])

    return [
        get("/users", list_users),
        get("/users/me", users_me),
        get("/users/{id}", get_user),
        get("/teams", list_teams),
        get("/teams/{id}", get_team),
        get("/services", list_services),
        get("/services/{id}", get_service),
        get("/escalation_policies", list_policies),
        get("/escalation_policies/{id}", get_policy),
        get("/priorities", list_priorities),
        get("/abilities", list_abilities),
        get("/abilities/{id}", get_ability),
        get("/incidents/custom_fields", list_custom_fields),
    ]
