"""Connections: the list, a set-up wizard per kind (the steps of the PagerDuty and HackerOne
guides: where, credentials, test, webhooks), a connection's page (change, delete), "Test
connection" and "Check webhooks" with a "Fix" button per finding."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from starlette.datastructures import FormData

from jirasync.admin import connections as admin
from jirasync.admin.connections import ConnectionFields, finding_key
from jirasync.admin.errors import Refusal
from jirasync.core.errors import RemoteError
from jirasync.store.models import Connection
from jirasync.sync.connections import UnusableConnection
from jirasync.sync.runtime import SyncRuntime
from jirasync.web.ui.access import Admin, Refused, Viewer, service_of
from jirasync.web.ui.render import back, is_htmx, page

router = APIRouter()

ConnectionId = Annotated[int, Path(ge=0, le=2**31 - 1)]
_URL = re.compile(r"^https?://\S+$")


@dataclass(frozen=True)
class Kind:
    """What the wizard asks for one kind of connection, in the guides' words."""

    kind: str
    title: str
    default_url: str
    where: str  # step 1: where the remote is
    credentials: str  # step 2: what to create there and paste here


WIZARDS = {
    "jira": Kind(
        "jira",
        "Jira Server / Data Center",
        "",
        "The Jira base URL, as your users open it.",
        "An account with read/write access to the projects to sync: a personal access token "
        "(Jira 8.14+) or a username and password.",
    ),
    "pagerduty": Kind(
        "pagerduty",
        "PagerDuty account",
        "https://api.pagerduty.com",
        "PagerDuty's REST API (api.eu.pagerduty.com for EU accounts).",
        "A full-access REST API key (an Admin or the Account Owner creates it under "
        "Integrations › API Access Keys) and the email of the PagerDuty user jirasync acts as.",
    ),
    "hackerone": Kind(
        "hackerone",
        "HackerOne program",
        "https://api.hackerone.com",
        "HackerOne's API and the program's handle.",
        "An API identifier and token (Organization settings › API tokens) with access to the "
        "program, and the webhook secret you will set in the program's webhook settings.",
    ),
}
STEPS = ("Where", "Credentials", "Test connection", "Webhooks")


def public_url(request: Request) -> str:
    return service_of(request).settings.callback_url


async def all_connections(request: Request) -> list[Connection]:
    async with service_of(request).db.sessions() as session:
        return list((await session.scalars(select(Connection).order_by(Connection.id))).all())


@router.get("/connections")
async def connections_page(request: Request, who: Viewer) -> Response:
    rows = await all_connections(request)
    public = public_url(request)
    hooks = {r.id: admin.webhook_url(r, public) for r in rows}
    return page(request, "connections.html", connections=rows, hooks=hooks, wizards=WIZARDS)


@router.get("/connections/new")
async def wizard(
    request: Request, who: Admin, kind: Annotated[str | None, Query(max_length=20)] = None
) -> Response:
    if kind not in WIZARDS:
        return page(request, "connection_kind.html", wizards=WIZARDS, steps=STEPS)
    return _form(request, WIZARDS[kind], {"base_url": WIZARDS[kind].default_url}, {})


def _form(
    request: Request, kind: Kind, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    return page(
        request,
        "connection_new.html",
        status,
        wizard=kind,
        steps=STEPS,
        step=1,
        values=values,
        errors=errors,
    )


@router.post("/connections/new")
async def create(request: Request, who: Admin) -> Response:
    form = await request.form()
    kind = WIZARDS.get(str(form.get("kind", "")))
    if kind is None:
        raise Refused(400, "kind: choose jira, pagerduty or hackerone")
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in _SECRET_FIELDS}
    errors = _where_problems(form)
    fields = _fields(kind.kind, form) if not errors else None
    if fields is not None:
        try:
            row = await admin.create_connection(
                service_of(request).db, service_of(request).secrets, fields
            )
        except Refusal as exc:
            errors = _field_errors(exc)
        else:
            return back(request, f"/connections/{row.id}/setup", f"Connection {row.name!r} saved.")
    return _form(request, kind, values, errors, 400)


# Form fields that hold secrets: never sent back to the browser, not even after an error.
_SECRET_FIELDS = frozenset({"password", "token", "api_key", "webhook_secret", "csrf_token"})


def _where_problems(form: FormData) -> dict[str, str]:
    errors = {}
    name = str(form.get("name", "")).strip()
    if not name or len(name) > 200:
        errors["name"] = "Give the connection a name (1 to 200 characters)."
    if not _URL.match(str(form.get("base_url", "")).strip()):
        errors["base_url"] = "Enter a URL starting with http:// or https://."
    return errors


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value.strip() if isinstance(value, str) else ""


def _fields(kind: str, form: FormData) -> ConnectionFields:
    options: dict[str, Any] = {}
    if kind == "jira":
        auth = _text(form, "auth") or "basic"
        credentials: dict[str, Any] = {"auth": auth}
        if auth == "pat":
            credentials["token"] = _text(form, "token")
        else:
            credentials |= {
                "username": _text(form, "username"),
                "password": _text(form, "password"),
            }
    elif kind == "pagerduty":
        credentials = {"api_key": _text(form, "api_key")}
        options = {"from_email": _text(form, "from_email")}
        own = [u.strip() for u in _text(form, "own_user_ids").split(",") if u.strip()]
        if own:
            options["own_user_ids"] = own
    else:
        credentials = {
            "identifier": _text(form, "identifier"),
            "token": _text(form, "token"),
            "webhook_secret": _text(form, "webhook_secret"),
        }
        options = {"program": _text(form, "program")}
        if web_base := _text(form, "web_base"):
            options["web_base"] = web_base
    return ConnectionFields(
        name=_text(form, "name"),
        kind=kind,
        base_url=_text(form, "base_url"),
        enabled=True,
        options=options,
        credentials=credentials,
    )


def _field_errors(exc: Refusal) -> dict[str, str]:
    """`credentials.password: required …` → {"password": "required …"}, for the form."""
    found: dict[str, str] = {}
    for problem in exc.errors or [exc.message]:
        place, _, what = problem.partition(": ")
        key = place.rsplit(".", 1)[-1] if what else "form"
        found[key] = what or problem
    return found


@router.get("/connections/{connection_id}/setup")
async def setup(request: Request, who: Admin, connection_id: ConnectionId) -> Response:
    row = await _row(request, connection_id)
    return page(
        request,
        "connection_setup.html",
        connection=row,
        wizard=WIZARDS[row.kind],
        steps=STEPS,
        step=3,
        hook=admin.webhook_url(row, public_url(request)),
    )


@router.get("/connections/{connection_id}")
async def connection_page(request: Request, who: Viewer, connection_id: ConnectionId) -> Response:
    row = await _row(request, connection_id)
    return page(
        request,
        "connection.html",
        connection=row,
        wizard=WIZARDS[row.kind],
        hook=admin.webhook_url(row, public_url(request)),
        errors={},
    )


@router.post("/connections/{connection_id}")
async def change(request: Request, who: Admin, connection_id: ConnectionId) -> Response:
    row = await _row(request, connection_id)
    form = await request.form()
    errors = _where_problems(form)
    if not errors:
        wanted = _fields(row.kind, form)
        # Credentials are replaced only when a new secret is typed in.
        replace = any(_text(form, k) for k in ("password", "token", "api_key", "webhook_secret"))
        wanted.credentials = wanted.credentials if replace else None
        wanted.enabled = form.get("enabled") == "on"
        wanted.options = {**(row.options or {}), **(wanted.options or {})}
        service = service_of(request)
        try:
            await admin.change_connection(service_sync(request), service.secrets, row.id, wanted)
        except Refusal as exc:
            errors = _field_errors(exc)
        else:
            return back(request, f"/connections/{row.id}", "Saved.")
    hook = admin.webhook_url(row, public_url(request))
    return page(
        request,
        "connection.html",
        400,
        connection=row,
        wizard=WIZARDS[row.kind],
        hook=hook,
        errors=errors,
    )


@router.post("/connections/{connection_id}/delete")
async def delete(request: Request, who: Admin, connection_id: ConnectionId) -> Response:
    row = await _row(request, connection_id)
    await admin.delete_connection(service_of(request).db, row.id)
    return back(
        request, "/connections", f"Connection {row.name!r} deleted with its rules and links."
    )


@router.post("/connections/{connection_id}/test")
async def test(request: Request, who: Admin, connection_id: ConnectionId) -> Response:
    row = await _row(request, connection_id)
    service = service_of(request)
    report = await admin.test_connection(
        service_sync(request), service.secrets, row.id, public_url(request)
    )
    template = "_test_result.html" if is_htmx(request) else "connection_test.html"
    return page(request, template, connection=row, report=report)


@router.get("/connections/{connection_id}/webhooks")
async def webhooks(request: Request, who: Viewer, connection_id: ConnectionId) -> Response:
    return await _webhooks_page(request, connection_id, fix=False)


@router.post("/connections/{connection_id}/webhooks/fix")
async def fix(
    request: Request,
    who: Admin,
    connection_id: ConnectionId,
    finding: Annotated[str | None, Form(max_length=64)] = None,
) -> Response:
    return await _webhooks_page(request, connection_id, fix=True, finding=finding or None)


async def _webhooks_page(
    request: Request, connection_id: int, fix: bool, finding: str | None = None
) -> Response:
    row = await _row(request, connection_id)
    service = service_of(request)
    try:
        report = await admin.webhooks(
            service_sync(request), service.secrets, row.id, public_url(request), fix, finding
        )
    except Refusal as exc:
        raise Refused(exc.status, exc.message) from None
    except (RemoteError, UnusableConnection) as exc:
        raise Refused(502, f"{row.name}: {exc}") from None
    keyed = [(finding_key(f), f) for f in report.findings]
    return page(request, "webhooks.html", connection=row, report=report, findings=keyed, fixed=fix)


async def _row(request: Request, connection_id: int) -> Connection:
    try:
        return await admin.connection_row(service_of(request).db, connection_id)
    except Refusal as exc:
        raise Refused(404, f"There is no connection {connection_id}.") from exc


def service_sync(request: Request) -> SyncRuntime:
    """The sync runtime (connection pool, rules) of this process."""
    runtime: SyncRuntime = request.app.state.sync
    return runtime
