"""The dashboard: events per minute and failed attempts per minute over the last hour (charts),
the queue's backlog and lag, and each connection's health."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jirasync.admin.dashboard import WINDOW_MINUTES, dashboard
from jirasync.web.ui.access import Viewer, service_of
from jirasync.web.ui.charts import bar_chart
from jirasync.web.ui.render import page

router = APIRouter()


@router.get("/")
async def dashboard_page(request: Request, who: Viewer) -> Response:
    figures = await dashboard(service_of(request).db)
    return page(
        request,
        "dashboard.html",
        figures=figures,
        window=WINDOW_MINUTES,
        events_chart=bar_chart(figures.events_per_minute, "Events per minute"),
        failures_chart=bar_chart(
            figures.failures_per_minute, "Failed attempts per minute", "#b3261e"
        ),
        lag_limit=service_of(request).settings.monitoring.queue_lag_max_seconds,
    )
