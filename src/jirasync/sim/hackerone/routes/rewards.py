"""Rewards: bounties, bounty suggestions, swag, and marking a report ineligible for bounty.
Missing Reward Management answers 404 here (403 for ineligibility), as HackerOne documents."""

from __future__ import annotations

from starlette.responses import Response

from jirasync.sim.hackerone.errors import H1Error, h1_json, invalid
from jirasync.sim.hackerone.jsonapi import grouped_money, money
from jirasync.sim.hackerone.model import Bounty, Swag
from jirasync.sim.hackerone.routes.common import Call, amount, attributes, text

REWARD_MANAGEMENT = "reward_management"


async def award_bounty(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REWARD_MANAGEMENT, status=404)
    data = await call.data()
    message = text(data, "message", required=True)
    bounty_amount = amount(data, "amount")
    bonus = amount(data, "bonus_amount")
    if bounty_amount + bonus <= 0:
        raise invalid("amount")
    if report.ineligible_for_bounty or report.state in ("spam", "not-applicable"):
        raise H1Error(403)  # the report is not eligible for a bounty
    state = call.sim.state
    bounty = Bounty(state.next_id("bounty"), bounty_amount, bonus, state.clock.now())
    state.bounties[bounty.id] = bounty
    report.bounty_ids.append(bounty.id)
    report.dates["bounty_awarded_at"] = bounty.created_at
    attrs = {"bounty_amount": money(bounty_amount), "bonus_amount": money(bonus)}
    program_actor = ("program", report.program_id)
    call.sim.record(report, "activity-bounty-awarded", program_actor, message, False, attrs)
    return h1_json({"data": call.sim.renderer.bounty(bounty)}, 201)


async def suggest_bounty(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REWARD_MANAGEMENT, status=404)
    data = await call.data()
    message = text(data, "message", required=True)
    attrs = {
        "bounty_amount": grouped_money(amount(data, "amount")),
        "bonus_amount": grouped_money(amount(data, "bonus_amount")),
    }
    activity = call.sim.record(
        report, "activity-bounty-suggested", call.actor(), message, True, attrs
    )
    return h1_json({"data": call.sim.renderer.activity(activity, call.base_url)}, 201)


async def list_bounty_suggestions(call: Call) -> Response:
    report = call.report(write=False)
    call.principal.require(REWARD_MANAGEMENT, status=404)
    state = call.sim.state
    suggested = [
        state.activities[i]
        for i in report.activity_ids
        if state.activities[i].type == "activity-bounty-suggested"
    ]
    renderer = call.sim.renderer
    return h1_json({"data": [renderer.activity(a, call.base_url) for a in suggested]})


async def award_swag(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REWARD_MANAGEMENT, status=404)
    data = await call.data()
    message = text(data, "message")
    state = call.sim.state
    swag = Swag(state.next_id("swag"), report.reporter_id, state.clock.now())
    state.swags[swag.id] = swag
    report.swag_ids.append(swag.id)
    report.dates["swag_awarded_at"] = swag.created_at
    links = {"swag": ("swag", swag.id)}
    call.sim.record(report, "activity-swag-awarded", call.actor(), message, False, links=links)
    doc = call.sim.renderer.swag(swag)
    doc.pop("relationships", None)  # the award answer carries only the swag's attributes
    return h1_json({"data": doc}, 201)


async def mark_ineligible(call: Call) -> Response:
    report = call.report(write=True)
    call.principal.require(REWARD_MANAGEMENT)
    data = await call.data()
    if data.get("type", "report-ineligible-for-bounty") != "report-ineligible-for-bounty":
        raise invalid("type")
    if report.ineligible_for_bounty:
        raise invalid("report_id", "The report is already ineligible for a bounty.")
    report.ineligible_for_bounty = True
    message = text(attributes(data), "message")
    call.sim.record(report, "activity-not-eligible-for-bounty", call.actor(), message, False)
    return h1_json({"data": call.sim.renderer.report(report, call.base_url)})
