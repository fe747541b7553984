"""Route table of the HackerOne simulator: the customer API under `/v1` plus its `/_sim/` routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute, Route

from jirasync.sim.hackerone.routes import (
    activities,
    attachments,
    programs,
    report_actions,
    reports,
    rewards,
)
from jirasync.sim.hackerone.routes.common import Handler, endpoint
from jirasync.sim.hackerone.routes.control import Control

if TYPE_CHECKING:
    from jirasync.sim.hackerone.simulator import HackerOneSimulator

R = "/v1/reports/{report_id}"
API: list[tuple[str, str, Handler]] = [
    ("GET", "/v1/reports", reports.list_reports),
    ("POST", "/v1/reports", reports.create_report),
    ("POST", "/v1/reports/attachments", attachments.upload),
    ("GET", R, reports.get_report),
    ("POST", R + "/activities", report_actions.add_comment),
    ("POST", R + "/state_changes", report_actions.change_state),
    ("POST", R + "/issue_tracker_reference_id", report_actions.set_reference),
    ("PUT", R + "/assignee", report_actions.set_assignee),
    ("POST", R + "/severities", report_actions.update_severity),
    ("PUT", R + "/weakness", report_actions.update_weakness),
    ("PUT", R + "/structured_scope", report_actions.update_scope),
    ("PUT", R + "/title", report_actions.update_title),
    ("PUT", R + "/cves", report_actions.update_cves),
    ("PUT", R + "/close_comments", report_actions.close_comments),
    ("POST", R + "/disclosure_requests", report_actions.request_disclosure),
    ("DELETE", R + "/disclosure_requests", report_actions.cancel_disclosure),
    ("POST", R + "/attachments", attachments.upload),
    ("POST", R + "/bounties", rewards.award_bounty),
    ("POST", R + "/bounty_suggestions", rewards.suggest_bounty),
    ("GET", R + "/bounty_suggestions", rewards.list_bounty_suggestions),
    ("POST", R + "/swags", rewards.award_swag),
    ("PUT", R + "/ineligible_for_bounty", rewards.mark_ineligible),
    ("GET", "/v1/activities/{activity_id}", activities.get_activity),
    ("GET", "/v1/incremental/activities", activities.incremental_activities),
    ("GET", "/v1/me/programs", programs.my_programs),
    ("GET", "/v1/programs/{program_id}", programs.get_program),
    ("GET", "/v1/programs/{program_id}/reporters", programs.program_reporters),
    ("GET", "/v1/programs/{program_id}/swag", programs.program_swag),
    ("PUT", "/v1/programs/{program_id}/swag/{swag_id}", programs.mark_swag_sent),
    ("PUT", "/v1/programs/{program_id}/policy", programs.update_policy),
    ("GET", "/v1/users/{username}", programs.get_user),
]


def all_routes(sim: HackerOneSimulator) -> list[BaseRoute]:
    api: list[BaseRoute] = [
        Route(path, endpoint(sim, handler), methods=[method]) for method, path, handler in API
    ]
    return [*Control(sim).routes(), *api]
