"""Server info, the current user, catalogues (fields, projects, issue types, priorities,
statuses, resolutions), create metadata, users and the auth session resource."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.responses import Response

from jirasync.sim.jira import permissions
from jirasync.sim.jira.errors import JiraError, bad_request, not_found
from jirasync.sim.jira.model import STATUS_CATEGORIES, Project, State, User
from jirasync.sim.jira.routes.base import Call, json_response, no_content, page_params
from jirasync.sim.jira.serialize import Serializer, jira_time, option_id

if TYPE_CHECKING:
    from jirasync.sim.jira.routes.base import Handler

LIST_OPERATIONS = ["add", "set", "remove"]


async def server_info(call: Call) -> Response:
    options = call.state.options
    numbers = options.version_numbers
    return json_response(
        {
            "baseUrl": call.sim.base_url,
            "version": options.version,
            "versionNumbers": numbers,
            "deploymentType": "Server",
            "buildNumber": numbers[0] * 100000 + numbers[1] * 1000 + numbers[2],
            "buildDate": "2024-01-01T00:00:00.000+0000",
            "serverTime": jira_time(datetime.now(UTC)),
            "scmInfo": "0000000000000000000000000000000000000000",
            "serverTitle": "Jira (jirasync simulator)",
        }
    )


async def myself(call: Call) -> Response:
    return json_response(call.ser.user(call.user, full=True))


async def fields(call: Call) -> Response:
    call.require_login()
    return json_response(call.ser.fields())


async def projects(call: Call) -> Response:
    visible = permissions.visible_projects(call.state, call.user)
    return json_response([call.ser.project_ref(p) for p in visible])


def visible_project(call: Call, ref: str) -> Project:
    project = call.state.project_by_id_or_key(ref)
    if project is None or not permissions.has(call.user, project, "browse"):
        raise not_found(f"No project could be found with key '{ref}'.")
    return project


async def project(call: Call) -> Response:
    found = visible_project(call, call.path("projectIdOrKey"))
    return json_response(call.ser.project(found, set(call.query_list("expand"))))


def catalogue(kind: str) -> tuple[Handler, Handler]:
    """List and get handlers for priorities, resolutions, issue types and statuses."""

    def table(state: State) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {
            "priority": state.priorities,
            "resolution": state.resolutions,
            "issuetype": state.issue_types,
            "status": state.statuses,
        }
        return tables[kind]

    def bean(ser: Serializer, item: Any) -> dict[str, Any]:
        render = getattr(ser, {"issuetype": "issue_type"}.get(kind, kind))
        result: dict[str, Any] = render(item)
        return result

    async def list_all(call: Call) -> Response:
        call.require_login()
        return json_response([bean(call.ser, i) for i in table(call.state).values()])

    async def get_one(call: Call) -> Response:
        call.require_login()
        ref = call.path("id")
        items = table(call.state)
        item = items.get(ref) or next(
            (i for i in items.values() if i.name.lower() == ref.lower()), None
        )
        if item is None:
            raise not_found(f"The {kind} with id '{ref}' does not exist")
        return json_response(bean(call.ser, item))

    return list_all, get_one


async def status_categories(call: Call) -> Response:
    call.require_login()
    return json_response([call.ser.status_category(k) for k in STATUS_CATEGORIES])


async def status_category(call: Call) -> Response:
    call.require_login()
    ref = call.path("idOrKey")
    for category in STATUS_CATEGORIES.values():
        if ref in (str(category.id), category.key):
            return json_response(call.ser.status_category(category.key))
    raise not_found(f"No status category with id or key '{ref}' found")


# -- field metadata ----------------------------------------------------------------------------
def field_meta(ser: Serializer, project: Project, field_id: str, required: bool) -> dict[str, Any]:
    bean: dict[str, Any] = ser.field(field_id) if field_id != "comment" else {"name": "Comment"}
    schema: dict[str, Any] = dict(
        bean.get("schema") or {"type": "comments-page", "system": "comment"}
    )
    meta: dict[str, Any] = {
        "required": required,
        "schema": schema,
        "name": bean["name"],
        "fieldId": field_id,
        "hasDefaultValue": field_id == "priority",
        "operations": LIST_OPERATIONS if schema.get("type") == "array" else ["set"],
    }
    if field_id == "comment":
        meta["operations"] = ["add", "edit", "remove"]
    allowed = _allowed_values(ser, project, field_id)
    if allowed is not None:
        meta["allowedValues"] = allowed
    if schema.get("type") == "user":
        meta["autoCompleteUrl"] = f"{ser.api}/user/search?username="
    return meta


def _allowed_values(ser: Serializer, project: Project, field_id: str) -> list[Any] | None:
    state = ser.state
    if field_id == "priority":
        return [ser.priority(p) for p in state.priorities.values()]
    if field_id == "resolution":
        return [ser.resolution(r) for r in state.resolutions.values()]
    if field_id == "issuetype":
        return [ser.issue_type(state.issue_types[t]) for t in project.issue_types]
    if field_id == "project":
        return [ser.project_ref(project)]
    if field_id in ("components", "fixVersions", "versions"):
        return []
    custom = state.custom_fields.get(field_id)
    if custom is not None and custom.type in ("select", "multiselect"):
        return [
            {"self": f"{ser.api}/customFieldOption/{option_id(custom, v)}",
             "value": v, "id": option_id(custom, v)}
            for v in custom.options
        ]  # fmt: skip
    return None


def create_fields(ser: Serializer, project: Project) -> list[dict[str, Any]]:
    required = {"summary", "project", "issuetype", *project.required_on_create}
    ids = [
        "project",
        "issuetype",
        *[f for f in project.create_screen if f not in ("project", "issuetype")],
    ]
    return [field_meta(ser, project, f, f in required) for f in ids]


def _page(values: list[Any], start: int, limit: int) -> dict[str, Any]:
    page = values[start : start + limit]
    return {
        "maxResults": limit,
        "startAt": start,
        "total": len(values),
        "isLast": start + len(page) >= len(values),
        "values": page,
    }


def _createmeta_project(call: Call) -> Project:
    ref = call.path("projectIdOrKey")
    found = call.state.project_by_id_or_key(ref)
    if found is None or not permissions.has(call.user, found, "create"):
        raise bad_request(f"No project could be found with key '{ref}'.")
    return found


async def createmeta_issue_types(call: Call) -> Response:
    found = _createmeta_project(call)
    start, limit = page_params(call, 50, 1000)
    types = [call.ser.issue_type(call.state.issue_types[t]) for t in found.issue_types]
    return json_response(_page(types, start, limit))


async def createmeta_fields(call: Call) -> Response:
    found = _createmeta_project(call)
    type_id = call.path("issueTypeId")
    if type_id not in found.issue_types:
        raise bad_request(f"Issue type with id '{type_id}' does not exist in the project.")
    start, limit = page_params(call, 50, 1000)
    return json_response(_page(create_fields(call.ser, found), start, limit))


async def createmeta_old(call: Call) -> Response:
    """`GET issue/createmeta`: removed in Jira 9.0, so 404 there like a missing resource."""
    if call.state.options.version_numbers[0] >= 9:
        raise JiraError(404, ["null for uri: " + str(call.request.url)])
    keys = set(call.query_list("projectKeys"))
    ids = set(call.query_list("projectIds"))
    type_ids = set(call.query_list("issuetypeIds"))
    type_names = set(call.query_list("issuetypeNames"))
    with_fields = "projects.issuetypes.fields" in call.query_list("expand")
    result = []
    for found in permissions.visible_projects(call.state, call.user):
        if (keys or ids) and found.key not in keys and found.id not in ids:
            continue
        if not permissions.has(call.user, found, "create"):
            continue
        types = []
        for tid in found.issue_types:
            issue_type = call.state.issue_types[tid]
            if (
                (type_ids or type_names)
                and tid not in type_ids
                and issue_type.name not in type_names
            ):
                continue
            bean = dict(call.ser.issue_type(issue_type))
            if with_fields:
                bean["fields"] = {m["fieldId"]: m for m in create_fields(call.ser, found)}
            types.append(bean)
        result.append({**call.ser.project_ref(found), "issuetypes": types})
    return json_response({"expand": "projects", "projects": result})


# -- users --------------------------------------------------------------------------------------
def _matches(user: User, text: str) -> bool:
    text = text.lower()
    return any(
        part.lower().startswith(text)
        for part in (user.name, user.display_name, user.email, *user.display_name.split())
    )


async def user_get(call: Call) -> Response:
    call.require_login()
    ref = call.query("username") or call.query("key")
    if not ref:
        raise bad_request("Either the 'username' or the 'key' query parameters need to be provided")
    user = call.state.user(ref)
    if user is None:
        raise not_found(f"The user named '{ref}' does not exist")
    return json_response(call.ser.user(user, full=True))


async def user_search(call: Call) -> Response:
    call.require_login()
    text = call.query("username")
    if text is None:
        raise bad_request("The username query parameter was not provided")
    active = call.bool_query("includeActive", True)
    inactive = call.bool_query("includeInactive", False)
    start, limit = page_params(call, 50, 1000)
    found = [
        u
        for u in call.state.users.values()
        if (text == "." or _matches(u, text))
        and ((u.active and active) or (not u.active and inactive))
    ]
    found.sort(key=lambda u: u.name)
    return json_response([call.ser.user(u) for u in found[start : start + limit]])


async def assignable_search(call: Call) -> Response:
    state = call.state
    key = call.query("issueKey")
    project_ref = call.query("project")
    if key:
        found = state.projects[call.service.get(call.user, key).project]
    elif project_ref:
        found = visible_project(call, project_ref)
    else:
        raise bad_request("The 'project' or 'issueKey' query parameter is required")
    text = call.query("username") or ""
    start, limit = page_params(call, 50, 1000)
    users = [u for u in permissions.assignable(state, found) if not text or _matches(u, text)]
    return json_response([call.ser.user(u) for u in users[start : start + limit]])


# -- /rest/auth/1/session ----------------------------------------------------------------------
async def session_get(call: Call) -> Response:
    user = call.user
    return json_response(
        {
            "self": f"{call.ser.api}/user?username={user.name}",
            "name": user.name,
            "loginInfo": {"failedLoginCount": 0, "loginCount": 1, "previousLoginTime": None},
        }
    )


async def session_create(call: Call) -> Response:
    body = await call.json()
    if not isinstance(body, dict):
        raise bad_request("Invalid login body")
    user = call.state.users.get(str(body.get("username")))
    if user is None or user.password is None or user.password != body.get("password"):
        raise JiraError(
            401, ["Login failed"], headers={"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}
        )
    return json_response(
        {"session": {"name": "JSESSIONID", "value": f"sim-{user.key}"},
         "loginInfo": {"failedLoginCount": 0, "loginCount": 1}}
    )  # fmt: skip


async def session_delete(call: Call) -> Response:
    call.require_login()
    return no_content()


def table() -> list[tuple[str, str, Handler]]:
    rows: list[tuple[str, str, Handler]] = [
        ("GET", "/serverInfo", server_info),
        ("GET", "/myself", myself),
        ("GET", "/field", fields),
        ("GET", "/project", projects),
        ("GET", "/project/{projectIdOrKey}", project),
        ("GET", "/statuscategory", status_categories),
        ("GET", "/statuscategory/{idOrKey}", status_category),
        ("GET", "/issue/createmeta", createmeta_old),
        ("GET", "/issue/createmeta/{projectIdOrKey}/issuetypes", createmeta_issue_types),
        ("GET", "/issue/createmeta/{projectIdOrKey}/issuetypes/{issueTypeId}", createmeta_fields),
        ("GET", "/user", user_get),
        ("GET", "/user/search", user_search),
        ("GET", "/user/assignable/search", assignable_search),
    ]
    for kind in ("priority", "resolution", "issuetype", "status"):
        list_all, get_one = catalogue(kind)
        rows.append(("GET", f"/{kind}", list_all))
        rows.append(("GET", f"/{kind}/{{id}}", get_one))
    return rows


def session_table() -> list[tuple[str, str, Handler]]:
    return [
        ("GET", "/rest/auth/1/session", session_get),
        ("DELETE", "/rest/auth/1/session", session_delete),
    ]
