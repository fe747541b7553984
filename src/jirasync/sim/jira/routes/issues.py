"""Issue resources: create (single, bulk), get, edit, delete, assignee, transitions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from jirasync.sim.jira.errors import JiraError, bad_request
from jirasync.sim.jira.model import Issue, Transition
from jirasync.sim.jira.routes.base import Call, json_response, no_content
from jirasync.sim.jira.routes.meta import field_meta
from jirasync.sim.jira.serialize import ISSUE_FIELDS, NAVIGABLE_EXCLUDED, Serializer

if TYPE_CHECKING:
    from jirasync.sim.jira.routes.base import Handler


NOTIFY_ADMIN_ONLY = (
    "To discard the user notification either admin or project admin permissions are required."
)


def wanted_fields(ser: Serializer, requested: list[str]) -> set[str] | None:
    """`fields=` → the set of field ids to render; None means all (`*all`, the default)."""
    if not requested:
        return None
    every = [*ISSUE_FIELDS, *ser.state.custom_fields]
    chosen: set[str] = set()
    excluded = set()
    for item in requested:
        if item == "*all":
            chosen.update(every)
        elif item == "*navigable":
            chosen.update(f for f in every if f not in NAVIGABLE_EXCLUDED)
        elif item.startswith("-"):
            excluded.add(item[1:])
        else:
            custom = ser.state.field_by_name(item)
            chosen.add(custom.id if custom else item)
    if not chosen:
        chosen.update(every)
    return chosen - excluded


def expand_set(call: Call) -> frozenset[str]:
    return frozenset(call.query_list("expand"))


async def create_issue(call: Call) -> Response:
    issue, events = call.service.create(call.user, await call.json())
    call.emit(events)
    return json_response(call.ser.issue_ref(issue), 201)


async def create_bulk(call: Call) -> Response:
    body = await call.json()
    updates = body.get("issueUpdates") if isinstance(body, dict) else None
    if not isinstance(updates, list):
        raise bad_request("Issue updates must be provided in 'issueUpdates'.")
    created: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for number, item in enumerate(updates):
        try:
            issue, events = call.service.create(call.user, item)
        except JiraError as exc:
            errors.append(
                {"status": exc.status, "elementErrors": exc.body(), "failedElementNumber": number}
            )
            continue
        call.emit(events)
        created.append(call.ser.issue_ref(issue))
    status = 201 if created or not errors else 400
    return json_response({"issues": created, "errors": errors}, status)


async def get_issue(call: Call) -> Response:
    issue = call.issue()
    expand = expand_set(call)
    wanted = wanted_fields(call.ser, call.query_list("fields"))
    bean = call.ser.issue(issue, wanted, expand, viewer=call.user)
    if "transitions" in expand:
        bean["transitions"] = transition_beans(call, issue, with_fields=False)
    if "editmeta" in expand:
        bean["editmeta"] = {"fields": edit_meta(call, issue)}
    return json_response(bean)


async def edit_issue(call: Call) -> Response:
    issue = call.issue()
    if not call.bool_query("notifyUsers", True) and not _is_admin(call, issue):
        raise JiraError(403, [NOTIFY_ADMIN_ONLY])
    call.emit(call.service.edit(call.user, issue, await call.json()))
    return no_content()


def _is_admin(call: Call, issue: Issue) -> bool:
    from jirasync.sim.jira import permissions

    return permissions.has(call.user, call.service.project(issue), "admin")


async def delete_issue(call: Call) -> Response:
    issue = call.issue()
    call.emit(call.service.delete(call.user, issue))
    return no_content()


async def assign(call: Call) -> Response:
    issue = call.issue()
    body = await call.json()
    if not isinstance(body, dict) or "name" not in body:
        raise bad_request("The 'name' of the assignee is required.")
    call.emit(call.service.assign(call.user, issue, body["name"]))
    return no_content()


def edit_meta(call: Call, issue: Issue) -> dict[str, Any]:
    project = call.service.project(issue)
    if issue.status in call.state.workflow_of(issue).not_editable:
        return {}
    return {f: field_meta(call.ser, project, f, f == "summary") for f in project.edit_screen}


async def get_edit_meta(call: Call) -> Response:
    return json_response({"fields": edit_meta(call, call.issue())})


# -- transitions --------------------------------------------------------------------------------
def transition_beans(call: Call, issue: Issue, with_fields: bool) -> list[dict[str, Any]]:
    project = call.service.project(issue)
    beans = []
    for transition in call.service.transitions(call.user, issue):
        meta = _transition_fields(call, project, transition) if with_fields else {}
        beans.append(call.ser.transition(transition, with_fields, meta))
    return beans


def _transition_fields(call: Call, project: Any, transition: Transition) -> dict[str, Any]:
    return {
        f: field_meta(call.ser, project, f, f in transition.required) for f in transition.screen
    }


async def get_transitions(call: Call) -> Response:
    issue = call.issue()
    with_fields = "transitions.fields" in call.query_list("expand")
    beans = transition_beans(call, issue, with_fields)
    wanted = call.query("transitionId")
    if wanted:
        beans = [b for b in beans if b["id"] == wanted]
    return json_response({"expand": "transitions", "transitions": beans})


async def do_transition(call: Call) -> Response:
    issue = call.issue()
    call.emit(call.service.transition(call.user, issue, await call.json()))
    return no_content()


def table() -> list[tuple[str, str, Handler]]:
    return [
        ("POST", "/issue", create_issue),
        ("POST", "/issue/bulk", create_bulk),
        ("GET", "/issue/{issueIdOrKey}", get_issue),
        ("PUT", "/issue/{issueIdOrKey}", edit_issue),
        ("DELETE", "/issue/{issueIdOrKey}", delete_issue),
        ("PUT", "/issue/{issueIdOrKey}/assignee", assign),
        ("GET", "/issue/{issueIdOrKey}/editmeta", get_edit_meta),
        ("GET", "/issue/{issueIdOrKey}/transitions", get_transitions),
        ("POST", "/issue/{issueIdOrKey}/transitions", do_transition),
    ]
