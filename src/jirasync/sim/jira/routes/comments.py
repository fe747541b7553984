"""Comments of an issue: paged list, add, get, edit, delete (with visibility)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.responses import Response

from jirasync.sim.jira.errors import not_found
from jirasync.sim.jira.routes.base import Call, json_response, no_content, page_params
from jirasync.sim.jira.serialize import can_see, render_wiki, visible_comments

if TYPE_CHECKING:
    from jirasync.sim.jira.routes.base import Handler


async def list_comments(call: Call) -> Response:
    issue = call.issue()
    start, limit = page_params(call, 5000, 5000)
    comments = visible_comments(issue, call.user)
    if (call.query("orderBy") or "").lstrip("+") == "-created":
        comments.reverse()
    page = call.ser.comment_page(issue, comments, start, limit)
    if "renderedBody" in call.query_list("expand"):
        by_id = {c.id: c for c in comments}
        for bean in page["comments"]:
            bean["renderedBody"] = render_wiki(by_id[bean["id"]].body)
    return json_response(page)


async def add_comment(call: Call) -> Response:
    issue = call.issue()
    comment, events = call.service.add_comment(call.user, issue, await call.json())
    call.emit(events)
    return json_response(call.ser.comment(issue, comment), 201)


async def get_comment(call: Call) -> Response:
    issue = call.issue()
    comment = call.service.comment(issue, call.path("id"))
    if not can_see(comment, call.user):
        raise not_found(f"Can not find a comment for the id: {comment.id}.")
    bean = call.ser.comment(issue, comment)
    if "renderedBody" in call.query_list("expand"):
        bean["renderedBody"] = render_wiki(comment.body)
    return json_response(bean)


async def edit_comment(call: Call) -> Response:
    issue = call.issue()
    comment, events = call.service.edit_comment(
        call.user, issue, call.path("id"), await call.json()
    )
    call.emit(events)
    return json_response(call.ser.comment(issue, comment))


async def delete_comment(call: Call) -> Response:
    issue = call.issue()
    call.emit(call.service.delete_comment(call.user, issue, call.path("id")))
    return no_content()


def table() -> list[tuple[str, str, Handler]]:
    base = "/issue/{issueIdOrKey}/comment"
    return [
        ("GET", base, list_comments),
        ("POST", base, add_comment),
        ("GET", base + "/{id}", get_comment),
        ("PUT", base + "/{id}", edit_comment),
        ("DELETE", base + "/{id}", delete_comment),
    ]
