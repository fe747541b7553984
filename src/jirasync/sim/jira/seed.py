"""Seed documents (YAML/dict) → `State`, with clear `SeedError`s for bad input.

See docs/simulators/jira.md for the format; `default_seed.yaml` is the built-in seed.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from importlib import resources
from typing import Any, cast

import yaml

from jirasync.sim.common import SeedError
from jirasync.sim.jira.model import (
    PERMISSIONS,
    Comment,
    CustomField,
    CustomFieldType,
    Issue,
    IssueType,
    OAuthConsumer,
    OAuthToken,
    Options,
    Priority,
    Project,
    Resolution,
    State,
    Status,
    Transition,
    User,
    Webhook,
    Workflow,
)
from jirasync.sim.jira.workflow import BUILTIN_STATUSES, builtin_workflows

CUSTOM_TYPES = ("text", "number", "date", "select", "multiselect", "user", "labels")
SYSTEM_SCREEN = [
    "summary",
    "issuetype",
    "project",
    "description",
    "environment",
    "priority",
    "assignee",
    "reporter",
    "labels",
    "duedate",
    "components",
    "fixVersions",
    "versions",
]

DEFAULT_PRIORITIES = [
    Priority("1", "Highest", "#d04437", "This problem will block progress."),
    Priority("2", "High", "#f15C75", "Serious problem that could block progress."),
    Priority("3", "Medium", "#f79232", "Has the potential to affect progress."),
    Priority("4", "Low", "#707070", "Minor problem or easily worked around."),
    Priority("5", "Lowest", "#999999", "Trivial problem with little or no impact on progress."),
]
DEFAULT_RESOLUTIONS = [
    Resolution("1", "Fixed", "A fix for this issue is checked into the tree and tested."),
    Resolution("2", "Won't Fix", "The problem described is an issue which will never be fixed."),
    Resolution("3", "Duplicate", "The problem is a duplicate of an existing issue."),
    Resolution("4", "Incomplete", "The problem is not completely described."),
    Resolution("5", "Cannot Reproduce", "All attempts at reproducing this issue failed."),
    Resolution("10000", "Done", "Work has been completed on this issue."),
]
DEFAULT_ISSUE_TYPES = [
    IssueType("1", "Bug", "A problem which impairs or prevents the functions of the product."),
    IssueType("2", "New Feature", "A new feature of the product, which has yet to be developed."),
    IssueType("3", "Task", "A task that needs to be done."),
    IssueType("4", "Improvement", "An improvement or enhancement to an existing feature."),
    IssueType("5", "Sub-task", "The sub-task of the issue", subtask=True),
    IssueType("10001", "Story", "A user story."),
]


def default_seed() -> dict[str, Any]:
    text = resources.files("jirasync.sim.jira").joinpath("default_seed.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def build_state(seed: dict[str, Any]) -> State:
    """Validate `seed` and build the simulator state from it."""
    _expect(seed, dict, "the seed")
    unknown = set(seed) - {
        "jira",
        "groups",
        "users",
        "priorities",
        "resolutions",
        "issueTypes",
        "statuses",
        "customFields",
        "workflows",
        "projects",
        "issues",
        "applicationLinks",
        "oauthTokens",
        "webhooks",
    }
    if unknown:
        raise SeedError(f"unknown top-level seed key(s): {', '.join(sorted(unknown))}")
    state = State(
        options=_options(seed.get("jira") or {}),
        users={},
        groups=set(_list(seed, "groups", str)) | {"jira-users", "jira-administrators"},
        statuses={s.id: s for s in BUILTIN_STATUSES},
        priorities={p.id: p for p in DEFAULT_PRIORITIES},
        resolutions={r.id: r for r in DEFAULT_RESOLUTIONS},
        issue_types={t.id: t for t in DEFAULT_ISSUE_TYPES},
        custom_fields={},
        workflows=builtin_workflows(),
        projects={},
    )
    _users(state, _list(seed, "users", dict))
    _catalogues(state, seed)
    _custom_fields(state, _list(seed, "customFields", dict))
    _workflows(state, seed.get("workflows") or {})
    for i, spec in enumerate(_list(seed, "projects", dict)):
        _project(state, spec, f"projects[{i}]")
    for i, spec in enumerate(_list(seed, "issues", dict)):
        _issue(state, spec, f"issues[{i}]")
    _oauth(state, seed)
    for i, spec in enumerate(_list(seed, "webhooks", dict)):
        webhook_from_spec(state, spec, f"webhooks[{i}]", "admin")
    return state


def _expect(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise SeedError(f"{where}: expected {kind.__name__}, got {type(value).__name__}")
    return value


def _list(parent: dict[str, Any], key: str, kind: type) -> list[Any]:
    items = parent.get(key) or []
    _expect(items, list, key)
    for i, item in enumerate(items):
        _expect(item, kind, f"{key}[{i}]")
    return list(items)


def _required(spec: dict[str, Any], key: str, where: str) -> str:
    value = spec.get(key)
    if value is None or value == "":
        raise SeedError(f"{where}: '{key}' is required")
    return str(value)


def _options(spec: dict[str, Any]) -> Options:
    _expect(spec, dict, "jira")
    options = Options()
    version = str(spec.get("version", options.version))
    parts = version.split(".")
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        raise SeedError(f"jira.version: {version!r} is not a version like 9.12.0")
    options.version = version if len(parts) == 3 else version + ".0"
    options.search_cap = int(spec.get("searchCap", options.search_cap))
    options.webhook_signatures = bool(
        spec.get("webhookSignatures", options.version_numbers[0] >= 10)
    )
    captcha = spec.get("captchaAfterFailedLogins")
    options.captcha_after = None if captcha is None else int(captcha)
    rate = spec.get("rateLimit")
    if rate is not None:
        _expect(rate, dict, "jira.rateLimit")
        options.rate_limit = {
            "capacity": int(rate.get("capacity", 100)),
            "fill_rate": float(rate.get("fillRate", 10)),
            "interval_s": int(rate.get("intervalSeconds", 1)),
            "exempt": [str(u) for u in rate.get("exempt", [])],
        }
    return options


def _users(state: State, specs: list[dict[str, Any]]) -> None:
    for i, spec in enumerate(specs):
        where = f"users[{i}]"
        name = _required(spec, "name", where)
        if name in state.users:
            raise SeedError(f"{where}: duplicate user name {name!r}")
        groups = set(spec.get("groups") or ["jira-users"])
        missing = groups - state.groups
        if missing:
            raise SeedError(f"{where}: unknown group(s) {', '.join(sorted(missing))}")
        state.users[name] = User(
            name=name,
            key=str(spec.get("key", name)),
            display_name=str(spec.get("displayName", name)),
            email=str(spec.get("email", f"{name}@example.com")),
            password=None if spec.get("password") is None else str(spec["password"]),
            active=bool(spec.get("active", True)),
            time_zone=str(spec.get("timeZone", "UTC")),
            groups=groups,
            tokens=[str(t) for t in spec.get("tokens") or []],
        )


def _catalogues(state: State, seed: dict[str, Any]) -> None:
    if "priorities" in seed:
        state.priorities = {}
        for i, spec in enumerate(_list(seed, "priorities", dict)):
            pid = str(spec.get("id", i + 1))
            state.priorities[pid] = Priority(
                pid,
                _required(spec, "name", f"priorities[{i}]"),
                str(spec.get("color", "#707070")),
                str(spec.get("description", "")),
            )
    for i, spec in enumerate(_list(seed, "resolutions", dict)):
        rid = str(spec.get("id", 20000 + i))
        state.resolutions[rid] = Resolution(
            rid, _required(spec, "name", f"resolutions[{i}]"), str(spec.get("description", ""))
        )
    for i, spec in enumerate(_list(seed, "issueTypes", dict)):
        tid = str(spec.get("id", 20000 + i))
        state.issue_types[tid] = IssueType(
            tid,
            _required(spec, "name", f"issueTypes[{i}]"),
            str(spec.get("description", "")),
            bool(spec.get("subtask", False)),
        )
    for i, spec in enumerate(_list(seed, "statuses", dict)):
        sid = str(spec.get("id", 20000 + i))
        category = str(spec.get("category", "indeterminate"))
        if category not in ("new", "indeterminate", "done"):
            raise SeedError(f"statuses[{i}]: category must be new, indeterminate or done")
        state.statuses[sid] = Status(sid, _required(spec, "name", f"statuses[{i}]"), category)
    names = {p.name for p in state.priorities.values()}
    state.default_priority = _by_name(state.priorities, "Medium" if "Medium" in names else None)


def _by_name(table: dict[str, Any], name: str | None) -> str | None:
    if name is None:
        return None
    for key, item in table.items():
        if item.name.lower() == str(name).lower() or key == str(name):
            return key
    return None


def _custom_fields(state: State, specs: list[dict[str, Any]]) -> None:
    numbers = itertools.count(10100)
    for i, spec in enumerate(specs):
        where = f"customFields[{i}]"
        kind = str(spec.get("type", "text"))
        if kind not in CUSTOM_TYPES:
            raise SeedError(f"{where}: type must be one of {', '.join(CUSTOM_TYPES)}")
        field_id = str(spec.get("id") or f"customfield_{next(numbers)}")
        if not field_id.startswith("customfield_") or not field_id[12:].isdigit():
            raise SeedError(f"{where}: id must look like customfield_10100")
        if field_id in state.custom_fields:
            raise SeedError(f"{where}: duplicate id {field_id}")
        options = [str(o) for o in spec.get("options") or []]
        if kind in ("select", "multiselect") and not options:
            raise SeedError(f"{where}: a {kind} field needs options")
        state.custom_fields[field_id] = CustomField(
            field_id,
            _required(spec, "name", where),
            cast(CustomFieldType, kind),
            options,
        )


def _workflows(state: State, specs: dict[str, Any]) -> None:
    _expect(specs, dict, "workflows")
    for name, spec in specs.items():
        where = f"workflows.{name}"
        _expect(spec, dict, where)
        initial = _status_ref(state, _required(spec, "initial", where), where)
        transitions = []
        for j, t in enumerate(spec.get("transitions") or []):
            tw = f"{where}.transitions[{j}]"
            _expect(t, dict, tw)
            sources = t.get("from")
            transitions.append(
                Transition(
                    id=int(t.get("id", 11 + 10 * j)),
                    name=_required(t, "name", tw),
                    to=_status_ref(state, _required(t, "to", tw), tw),
                    sources=None
                    if sources is None
                    else [_status_ref(state, str(s), tw) for s in sources],
                    screen=[str(f) for f in t.get("screen") or []],
                    required=[str(f) for f in t.get("required") or []],
                    only_assignee=bool(t.get("onlyAssignee", False)),
                    resolution=t.get("resolution", "keep"),
                    event=str(t.get("event", "issue_generic")),
                )
            )
        not_editable = {_status_ref(state, str(s), where) for s in spec.get("notEditable") or []}
        state.workflows[name] = Workflow(name, initial, transitions, not_editable)


def _status_ref(state: State, ref: str, where: str) -> str:
    found = _by_name(state.statuses, ref)
    if found is None:
        raise SeedError(f"{where}: unknown status {ref!r}")
    return found


def _principals(state: State, specs: list[Any], where: str) -> set[str]:
    result = set()
    for spec in specs:
        text = str(spec)
        kind, _, name = text.partition(":")
        if (kind == "group" and name in state.groups) or (kind == "user" and name in state.users):
            result.add(text)
        elif text != "anyone":
            raise SeedError(f"{where}: {text!r} is not group:<known group> or user:<known user>")
        else:
            result.add(text)
    return result


def _project(state: State, spec: dict[str, Any], where: str) -> None:
    key = _required(spec, "key", where).upper()
    if key in state.projects:
        raise SeedError(f"{where}: duplicate project key {key}")
    lead = str(spec.get("lead", "admin"))
    if lead not in state.users:
        raise SeedError(f"{where}: lead {lead!r} is not a user")
    type_names = spec.get("issueTypes") or ["Bug", "Task"]
    type_ids = []
    for name in type_names:
        tid = _by_name(state.issue_types, str(name))
        if tid is None:
            raise SeedError(f"{where}: unknown issue type {name!r}")
        type_ids.append(tid)
    workflow_spec = spec.get("workflow", "classic")
    workflows = {}
    for tid in type_ids:
        name = str(
            workflow_spec.get(state.issue_types[tid].name, "classic")
            if isinstance(workflow_spec, dict)
            else workflow_spec
        )
        if name not in state.workflows:
            raise SeedError(f"{where}: unknown workflow {name!r}")
        workflows[tid] = name
    permissions = {p: {"group:jira-users"} for p in PERMISSIONS}
    permissions["admin"] = {"group:jira-administrators"}
    permissions["assignable"] = {"group:jira-users"}
    overrides = spec.get("permissions") or {}
    _expect(overrides, dict, f"{where}.permissions")
    for perm, principals in overrides.items():
        if perm not in permissions:
            raise SeedError(f"{where}.permissions: unknown permission {perm!r}")
        permissions[perm] = _principals(state, list(principals), f"{where}.permissions.{perm}")
    customs = list(state.custom_fields)
    create_screen = [str(f) for f in spec.get("createScreen") or [*SYSTEM_SCREEN, *customs]]
    edit_screen = [str(f) for f in spec.get("editScreen") or [*SYSTEM_SCREEN, *customs]]
    required = [_field_ref(state, str(f), where) for f in spec.get("requiredOnCreate") or []]
    state.projects[key] = Project(
        id=str(spec.get("id", 10000 + len(state.projects))),
        key=key,
        name=str(spec.get("name", key)),
        lead=lead,
        issue_types=type_ids,
        workflows=workflows,
        permissions=permissions,
        create_screen=[_field_ref(state, f, where) for f in create_screen],
        edit_screen=[_field_ref(state, f, where) for f in edit_screen],
        required_on_create=required,
        description=str(spec.get("description", "")),
    )


def _field_ref(state: State, ref: str, where: str) -> str:
    if ref in state.custom_fields or ref in SYSTEM_SCREEN or ref == "comment":
        return ref
    custom = state.field_by_name(ref)
    if custom is None:
        raise SeedError(f"{where}: unknown field {ref!r}")
    return custom.id


def _issue(state: State, spec: dict[str, Any], where: str) -> None:
    project = state.projects.get(_required(spec, "project", where).upper())
    if project is None:
        raise SeedError(f"{where}: unknown project {spec['project']!r}")
    type_id = _by_name(state.issue_types, str(spec.get("type", "")))
    if type_id not in project.issue_types:
        raise SeedError(f"{where}: issue type {spec.get('type')!r} is not in {project.key}")
    workflow = state.workflows[project.workflows[type_id]]
    status = workflow.initial
    if spec.get("status"):
        status = _status_ref(state, str(spec["status"]), where)
    now = datetime.now(UTC)
    users = {f: spec.get(f) for f in ("reporter", "assignee")}
    for role, name in users.items():
        if name is not None and name not in state.users:
            raise SeedError(f"{where}: {role} {name!r} is not a user")
    issue_id = state.next_id()
    key = f"{project.key}-{project.next_number}"
    project.next_number += 1
    resolution = _by_name(state.resolutions, spec.get("resolution"))
    if spec.get("resolution") and resolution is None:
        raise SeedError(f"{where}: unknown resolution {spec['resolution']!r}")
    if resolution is None and status == "10001":
        resolution = "10000"
    priority = _by_name(state.priorities, spec.get("priority")) or state.default_priority
    issue = Issue(
        id=issue_id,
        key=key,
        project=project.key,
        issue_type=type_id,
        status=status,
        summary=_required(spec, "summary", where),
        reporter=users["reporter"] or "admin",
        creator=users["reporter"] or "admin",
        created=now,
        updated=now,
        description=spec.get("description"),
        priority=priority,
        resolution=resolution,
        resolution_date=now if resolution else None,
        assignee=users["assignee"],
        labels=[str(label) for label in spec.get("labels") or []],
    )
    for name, value in (spec.get("custom") or {}).items():
        custom = state.custom_fields.get(name) or state.field_by_name(name)
        if custom is None:
            raise SeedError(f"{where}: unknown custom field {name!r}")
        issue.custom[custom.id] = value
    for j, comment in enumerate(spec.get("comments") or []):
        author = str(comment.get("author", "admin"))
        if author not in state.users:
            raise SeedError(f"{where}.comments[{j}]: author {author!r} is not a user")
        body = _required(comment, "body", f"{where}.comments[{j}]")
        issue.comments.append(Comment(state.next_id(), author, body, now, now, author))
    state.issues[issue_id] = issue
    state.keys[key] = issue_id


def _oauth(state: State, seed: dict[str, Any]) -> None:
    for i, spec in enumerate(_list(seed, "applicationLinks", dict)):
        key = _required(spec, "consumerKey", f"applicationLinks[{i}]")
        state.consumers[key] = OAuthConsumer(
            key, str(spec.get("name", key)), str(spec.get("publicKey", ""))
        )
    for i, spec in enumerate(_list(seed, "oauthTokens", dict)):
        where = f"oauthTokens[{i}]"
        consumer = _required(spec, "consumerKey", where)
        if consumer not in state.consumers:
            raise SeedError(f"{where}: unknown consumer {consumer!r}")
        user = _required(spec, "user", where)
        if user not in state.users:
            raise SeedError(f"{where}: unknown user {user!r}")
        token = _required(spec, "token", where)
        state.oauth_tokens[token] = OAuthToken(
            token, str(spec.get("secret", "")), consumer, user, "access"
        )


def webhook_from_spec(state: State, spec: dict[str, Any], where: str, user: str) -> Webhook:
    """Register a webhook from the REST body / seed spec (same keys)."""
    name = spec.get("name")
    url = spec.get("url")
    if not isinstance(name, str) or not name:
        raise SeedError(f"{where}: 'name' is required")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise SeedError(f"{where}: 'url' must be an http(s) URL")
    events = spec.get("events") or []
    if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
        raise SeedError(f"{where}: 'events' must be a list of event names")
    filters = spec.get("filters") or {}
    jql = spec.get("jql", filters.get("issue-related-events-section", "") if filters else "")
    webhook = Webhook(
        id=max(state.webhooks, default=0) + 1,
        name=name,
        url=url,
        events=list(events),
        jql=str(jql or ""),
        exclude_body=bool(spec.get("excludeBody", False)),
        enabled=bool(spec.get("enabled", True)),
        secret=spec.get("secret") or None,
        last_updated_user=user,
        last_updated=int(datetime.now(UTC).timestamp() * 1000),
    )
    state.webhooks[webhook.id] = webhook
    return webhook
