"""The dashboard: placeholder until the charts land."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from jirasync.web.ui.access import Viewer
from jirasync.web.ui.render import page

router = APIRouter()


@router.get("/")
async def dashboard(request: Request, who: Viewer) -> Response:
    return page(request, "dashboard.html")
