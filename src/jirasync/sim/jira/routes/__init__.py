"""HTTP routes of the Jira simulator, grouped by resource; `all_routes` assembles them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from jirasync.sim.jira.simulator import JiraSimulator


def all_routes(sim: JiraSimulator) -> list[BaseRoute]:
    from jirasync.sim.jira.routes import comments, extras, issues, meta, oauth, search, webhooks
    from jirasync.sim.jira.routes.base import api_routes, rest_routes

    api_table = [
        *meta.table(),
        *issues.table(),
        *comments.table(),
        *extras.table(),
        *search.table(),
    ]
    return [
        *api_routes(sim, api_table, anonymous=frozenset({"/serverInfo"})),
        *rest_routes(sim, [("POST", "/rest/auth/1/session", meta.session_create)], anonymous=True),
        *rest_routes(sim, meta.session_table()),
        *rest_routes(sim, webhooks.table()),
        *oauth.oauth_routes(sim),
    ]
