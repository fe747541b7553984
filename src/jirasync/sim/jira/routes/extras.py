"""Remote links, issue properties, watchers and attachments of an issue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.datastructures import UploadFile
from starlette.responses import Response

from jirasync.sim.jira.errors import JiraError, bad_request, forbidden, not_found
from jirasync.sim.jira.model import Attachment, Issue, RemoteLink
from jirasync.sim.jira.routes.base import Call, json_response, no_content

if TYPE_CHECKING:
    from jirasync.sim.jira.routes.base import Handler


def _require_edit(call: Call, issue: Issue, what: str) -> None:
    call.service.require(call.user, issue, "edit", f"You do not have permission to {what}.")


# -- remote links -------------------------------------------------------------------------------
async def list_links(call: Call) -> Response:
    issue = call.issue()
    wanted = call.query("globalId")
    links = [link for link in issue.remote_links if wanted is None or link.global_id == wanted]
    if wanted is not None:
        if not links:
            raise not_found(f"No remote link with globalId '{wanted}' found.")
        return json_response(call.ser.remote_link(issue, links[0]))
    return json_response([call.ser.remote_link(issue, link) for link in links])


def _link_body(body: Any) -> dict[str, Any]:
    obj = body.get("object") if isinstance(body, dict) else None
    if not isinstance(obj, dict) or not obj.get("url") or not obj.get("title"):
        errors = {}
        if not isinstance(obj, dict) or not obj.get("title"):
            errors["title"] = "'title' is required."
        if not isinstance(obj, dict) or not obj.get("url"):
            errors["url"] = "'url' is required."
        raise JiraError(400, errors=errors)
    return dict(body)


async def create_or_update_link(call: Call) -> Response:
    issue = call.issue()
    _require_edit(call, issue, "link issues")
    body = _link_body(await call.json())
    global_id = body.get("globalId")
    existing = next(
        (link for link in issue.remote_links if global_id and link.global_id == global_id), None
    )
    if existing is not None:
        existing.data = body
        return json_response(call.ser.remote_link(issue, existing))
    link = RemoteLink(int(call.state.next_id()), global_id, body)
    issue.remote_links.append(link)
    return json_response(call.ser.remote_link(issue, link))


def _link(call: Call, issue: Issue) -> RemoteLink:
    raw = call.path("linkId")
    found = next((link for link in issue.remote_links if str(link.id) == raw), None)
    if found is None:
        raise not_found(f"No remote link with id '{raw}' found.")
    return found


async def get_link(call: Call) -> Response:
    issue = call.issue()
    return json_response(call.ser.remote_link(issue, _link(call, issue)))


async def update_link(call: Call) -> Response:
    issue = call.issue()
    _require_edit(call, issue, "link issues")
    link = _link(call, issue)
    body = _link_body(await call.json())
    link.data = body
    link.global_id = body.get("globalId", link.global_id)
    return no_content()


async def delete_link(call: Call) -> Response:
    issue = call.issue()
    _require_edit(call, issue, "link issues")
    issue.remote_links.remove(_link(call, issue))
    return no_content()


async def delete_link_by_global_id(call: Call) -> Response:
    issue = call.issue()
    _require_edit(call, issue, "link issues")
    wanted = call.query("globalId")
    if not wanted:
        raise bad_request("The 'globalId' query parameter is required.")
    before = len(issue.remote_links)
    issue.remote_links = [link for link in issue.remote_links if link.global_id != wanted]
    if len(issue.remote_links) == before:
        raise not_found(f"No remote link with globalId '{wanted}' found.")
    return no_content()


# -- properties ---------------------------------------------------------------------------------
async def list_properties(call: Call) -> Response:
    issue = call.issue()
    keys = [
        {"self": f"{call.ser.api}/issue/{issue.id}/properties/{k}", "key": k}
        for k in issue.properties
    ]
    return json_response({"keys": keys})


async def get_property(call: Call) -> Response:
    issue = call.issue()
    key = call.path("propertyKey")
    if key not in issue.properties:
        raise not_found(f"The property with key '{key}' does not exist.")
    return json_response({"key": key, "value": issue.properties[key]})


async def set_property(call: Call) -> Response:
    issue = call.issue()
    _require_edit(call, issue, "edit issue properties")
    key = call.path("propertyKey")
    raw = await call.request.body()
    if len(key) > 255:
        raise bad_request("The property key can not be longer than 255 characters.")
    value = await call.json() if raw.strip() else None
    if value is None:
        raise bad_request("The property value can not be empty.")
    created = key not in issue.properties
    issue.properties[key] = value
    return Response(status_code=201 if created else 200)


async def delete_property(call: Call) -> Response:
    issue = call.issue()
    _require_edit(call, issue, "edit issue properties")
    key = call.path("propertyKey")
    if issue.properties.pop(key, None) is None:
        raise not_found(f"The property with key '{key}' does not exist.")
    return no_content()


# -- watchers -----------------------------------------------------------------------------------
async def list_watchers(call: Call) -> Response:
    issue = call.issue()
    watchers = [_short_user(call, w) for w in issue.watchers]
    return json_response(
        {
            "self": f"{call.ser.api}/issue/{issue.key}/watchers",
            "isWatching": call.user.name in issue.watchers,
            "watchCount": len(watchers),
            "watchers": watchers,
        }
    )


def _short_user(call: Call, name: str) -> dict[str, Any] | None:
    """Watcher lists carry a short user bean (no e-mail, no avatars)."""
    bean = call.ser.user_named(name)
    if bean is None:
        return None
    return {k: bean[k] for k in ("self", "name", "key", "displayName", "active")}


async def add_watcher(call: Call) -> Response:
    issue = call.issue()
    body = await call.json()
    name = call.user.name if body is None else body
    if not isinstance(name, str):
        raise bad_request("The watcher must be given as a JSON string (the user name).")
    user = call.state.user(name)
    if user is None:
        raise not_found(f'The user "{name}" does not exist.')
    if user.name != call.user.name:
        call.service.require(
            call.user, issue, "admin", "You do not have permission to manage the watcher list."
        )
    if user.name not in issue.watchers:
        issue.watchers.append(user.name)
    return no_content()


async def remove_watcher(call: Call) -> Response:
    issue = call.issue()
    name = call.query("username") or call.query("userName")
    if not name:
        raise bad_request("The 'username' query parameter is required.")
    if name != call.user.name:
        call.service.require(
            call.user, issue, "admin", "You do not have permission to manage the watcher list."
        )
    if name in issue.watchers:
        issue.watchers.remove(name)
    return no_content()


# -- attachments --------------------------------------------------------------------------------
async def add_attachments(call: Call) -> Response:
    issue = call.issue()
    if call.request.headers.get("x-atlassian-token", "").lower() != "no-check":
        raise forbidden("XSRF check failed")
    _require_edit(call, issue, "create attachments")
    try:
        form = await call.request.form()
    except Exception:
        raise bad_request("The request is not a valid multipart/form-data upload.") from None
    uploads = [v for k, v in form.multi_items() if k == "file" and isinstance(v, UploadFile)]
    if not uploads:
        raise bad_request("No file was given (multipart field 'file').")
    created = []
    for upload in uploads:
        attachment = Attachment(
            call.state.next_id(),
            upload.filename or "attachment",
            call.user.name,
            datetime.now(UTC),
            upload.content_type or "application/octet-stream",
            await upload.read(),
        )
        issue.attachments.append(attachment)
        created.append(call.ser.attachment(issue, attachment))
    return json_response(created)


async def get_attachment(call: Call) -> Response:
    wanted = call.path("id")
    for issue in call.state.issues.values():
        for attachment in issue.attachments:
            if attachment.id == wanted:
                call.service.get(call.user, issue.id)  # browse permission
                return json_response(call.ser.attachment(issue, attachment))
    raise not_found(f"The attachment with id '{wanted}' does not exist")


def table() -> list[tuple[str, str, Handler]]:
    base = "/issue/{issueIdOrKey}"
    return [
        ("GET", base + "/remotelink", list_links),
        ("POST", base + "/remotelink", create_or_update_link),
        ("DELETE", base + "/remotelink", delete_link_by_global_id),
        ("GET", base + "/remotelink/{linkId}", get_link),
        ("PUT", base + "/remotelink/{linkId}", update_link),
        ("DELETE", base + "/remotelink/{linkId}", delete_link),
        ("GET", base + "/properties", list_properties),
        ("GET", base + "/properties/{propertyKey}", get_property),
        ("PUT", base + "/properties/{propertyKey}", set_property),
        ("DELETE", base + "/properties/{propertyKey}", delete_property),
        ("GET", base + "/watchers", list_watchers),
        ("POST", base + "/watchers", add_watcher),
        ("DELETE", base + "/watchers", remove_watcher),
        ("POST", base + "/attachments", add_attachments),
        ("GET", "/attachment/{id}", get_attachment),
    ]
