"""The API's own OpenAPI document and a Swagger UI page, both behind authentication. The page's
script and styles come from the `swagger-ui-bundle` package: no CDN, no inline script."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse
from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

from jirasync.web.api.deps import Caller
from jirasync.web.api.errors import ERROR_RESPONSES, ApiError

router = APIRouter(tags=["docs"], responses=ERROR_RESPONSES, include_in_schema=False)

_ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
}

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>jirasync API</title>
<link rel="stylesheet" href="docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="docs/assets/swagger-ui-bundle.js"></script>
<script src="docs/init.js"></script></body></html>
"""

# Same-origin requests carry the session cookie; changes also need the session's CSRF token.
_INIT = """fetch("auth/me", {credentials: "same-origin"})
  .then(function (r) { return r.json(); })
  .then(function (me) {
    window.ui = SwaggerUIBundle({
      url: "openapi.json",
      dom_id: "#swagger-ui",
      requestInterceptor: function (req) {
        if (me.csrf_token) { req.headers["X-CSRF-Token"] = me.csrf_token; }
        return req;
      }
    });
  });
"""


@router.get("/openapi.json")
async def openapi(request: Request, who: Caller) -> Any:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
async def docs(who: Caller) -> Any:
    return HTMLResponse(_PAGE)


@router.get("/docs/init.js")
async def docs_script(who: Caller) -> Any:
    return PlainTextResponse(_INIT, media_type="text/javascript")


@router.get("/docs/assets/{name}")
async def docs_asset(name: str, who: Caller) -> Any:
    if name not in _ASSETS:
        raise ApiError(404, f"no asset {name!r}")
    return FileResponse(Path(str(swagger_ui_path)) / name, media_type=_ASSETS[name])
