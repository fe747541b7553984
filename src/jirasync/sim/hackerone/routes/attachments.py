"""Attachment upload (multipart) for later use in comments and state changes by id."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.responses import Response

from jirasync.sim.hackerone.errors import h1_json, invalid
from jirasync.sim.hackerone.model import Attachment
from jirasync.sim.hackerone.routes.common import Call

MAX_BYTES = 25 * 1024 * 1024


async def upload(call: Call) -> Response:
    call.principal.require("report_management", status=404)
    if "report_id" in call.request.path_params:
        call.report(write=True)
    if not call.request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise invalid("files")
    form = await call.request.form(max_files=10)
    uploads = [f for _, f in form.multi_items() if isinstance(f, UploadFile)]
    if not uploads:
        raise invalid("files")
    state = call.sim.state
    stored = []
    for file in uploads:
        content = await file.read()
        if len(content) > MAX_BYTES:
            raise invalid("files", "The file is too large.")
        attachment = Attachment(
            id=state.next_id("attachment"),
            file_name=file.filename or "upload",
            content_type=file.content_type or "application/octet-stream",
            file_size=len(content),
            created_at=state.clock.now(),
        )
        state.attachments[attachment.id] = attachment
        state.attachment_data[attachment.id] = content
        stored.append(call.sim.renderer.attachment(attachment, call.base_url))
    return h1_json({"data": stored[0] if len(stored) == 1 else stored}, 201)
