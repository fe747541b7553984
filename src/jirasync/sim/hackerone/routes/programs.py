"""Programs and users: `/v1/me/programs`, `/v1/programs/{id}` (groups and members),
`/v1/programs/{id}/reporters`, program swag, and `/v1/users/{username}`."""

from __future__ import annotations

from starlette.responses import Response

from jirasync.sim.hackerone.errors import H1Error, h1_json, invalid
from jirasync.sim.hackerone.model import Program
from jirasync.sim.hackerone.routes.common import Call, attributes, flag


def _own_program(call: Call) -> Program:
    raw = call.request.path_params["program_id"]
    program = call.principal.program
    if raw != str(program.id):
        raise H1Error(403)
    return program


async def my_programs(call: Call) -> Response:
    return h1_json({"data": [call.sim.renderer.program(call.principal.program)], "links": {}})


async def get_program(call: Call) -> Response:
    program = _own_program(call)
    return h1_json({"data": call.sim.renderer.program(program, full=True)})


async def program_reporters(call: Call) -> Response:
    program = _own_program(call)
    state = call.sim.state
    ids = sorted({r.reporter_id for r in state.reports.values() if r.program_id == program.id})
    renderer = call.sim.renderer
    return h1_json({"data": [renderer.user(state.users[i]) for i in ids], "links": {}})


async def program_swag(call: Call) -> Response:
    program = _own_program(call)
    state = call.sim.state
    swag_ids = [i for r in state.reports.values() if r.program_id == program.id for i in r.swag_ids]
    swags = sorted((state.swags[i] for i in swag_ids), key=lambda s: s.id, reverse=True)
    renderer = call.sim.renderer
    return h1_json({"data": [renderer.swag(s) for s in swags], "links": {}})


async def mark_swag_sent(call: Call) -> Response:
    program = _own_program(call)
    call.principal.require("reward_management", status=404)
    raw = call.request.path_params["swag_id"]
    state = call.sim.state
    swag = state.swags.get(int(raw)) if raw.isdigit() else None
    owned = any(
        r.program_id == program.id and swag and swag.id in r.swag_ids
        for r in state.reports.values()
    )
    if swag is None or not owned:
        raise H1Error(404)
    swag.sent = flag(attributes(await call.data()), "sent", required=True)
    # Recorded quirk: the swag object is returned bare, not under "data".
    return h1_json(call.sim.renderer.swag(swag))


async def get_user(call: Call) -> Response:
    username = call.request.path_params["username"]
    user = call.sim.state.user_by_name(username)
    if user is None:
        raise H1Error(404)
    return h1_json({"data": call.sim.renderer.user(user)})


async def update_policy(call: Call) -> Response:
    program = _own_program(call)
    call.principal.require("program_management")
    attrs = attributes(await call.data())
    policy = attrs.get("policy")
    if not isinstance(policy, str):
        raise invalid("policy")
    program.policy = policy
    program.updated_at = call.sim.state.clock.now()
    return h1_json({"data": call.sim.renderer.program(program)})
