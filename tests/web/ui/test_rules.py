"""The PagerDuty rules editor over HTTP: entries added and removed as typed (nothing saved), a
rule with two entries in every section saved and re-read unchanged, what the form does not
show kept, problems shown by their entry, the evaluation order changed from the list, and the
preview of the rule as typed on a simulator's incident and issue."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from tests.web.ui.conftest import csrf_of

from jirasync.access.accounts import create_account
from jirasync.admin.rules import create_pagerduty_rule
from jirasync.core.rules.pagerduty import Rule
from jirasync.devstack import PD_FROM, Stack, running_stack
from jirasync.store.db import Database
from jirasync.store.models import AccountRole
from jirasync.store.models import Rule as RuleRow

Fields = list[tuple[str, str]]


class _FormFields(HTMLParser):
    """What a browser would send for the rule form (buttons aside)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: Fields = []
        self._in_form = False
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._in_form = a.get("id") == "rule-form"
        if not self._in_form or (not a.get("name") and tag != "option"):
            return
        if tag == "input" and a.get("type") == "checkbox":
            if "checked" in a:
                self.fields.append((a["name"], a.get("value") or "on"))
        elif tag == "input":
            self.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._options = a["name"], []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        if tag == "select" and self._select is not None:
            chosen = [v for v, on in self._options if on] or [v for v, _ in self._options[:1]]
            self.fields += [(self._select, v) for v in chosen]
            self._select = None


def form_fields(html: str) -> Fields:
    parser = _FormFields()
    parser.feed(html)
    return parser.fields


def replaced(fields: Fields, **values: str) -> Fields:
    return [(k, values.get(k.replace("-", "_"), v)) for k, v in fields]


def value(fields: Fields, name: str) -> str:
    return next(v for k, v in fields if k == name)


SCOPE = [("name", "two of each"), ("enabled", "on"), ("services", "PSVC001")]
SCOPE += [("projects", "OPS"), ("projects", "SUP"), ("issue_types", "3"), ("sync_comments", "on")]
SERVICE = {"id": "PSVC001", "type": "service_reference"}
SECTION_KEYS = (
    "autocreate_issues_config",
    "autocreate_incidents_config",
    "react_on_incident_event_config",
    "react_on_issue_status_change_config",
)


def two_of_each() -> Fields:
    fields = [*SCOPE, ("sync_priority", "on")]
    for section in ("s1", "s2", "s3", "s4"):
        fields += [(f"{section}_on", "on"), (f"{section}-count", "2")]
    for i, (event, project) in enumerate((("incident.trigger", "OPS"), ("incident.escalate", ""))):
        fields += [(f"s1-{i}-events", event), (f"s1-{i}-urgency", "high")]
        fields += [(f"s1-{i}-project", project), (f"s1-{i}-describe", "incident.title")]
        fields += [(f"s1-{i}-labels", f"pd, entry{i}"), (f"s1-{i}-priority", "High")]
        fields += [(f"s2-{i}-jql", f"priority = P{i}"), (f"s2-{i}-on_create", "on")]
        fields += [(f"s2-{i}-pd_priority", f"PPRIO{i}")]
        fields += [(f"s3-{i}-events", event), (f"s3-{i}-status", str(3 + i))]
        fields += [(f"s3-{i}-assignee", "on")]
        fields += [(f"s4-{i}-statuses", str(5 + i)), (f"s4-{i}-resolve", "on")]
        fields += [(f"s4-{i}-responders", f"PUSER{i}")]
    fields += [("cf-count", "1"), ("cf-0-field", "customfield_7"), ("cf-0-value", '{"value": "x"}')]
    return fields


@dataclass
class Editor:
    """An admin's session on a real stack (simulators and jirasync on 127.0.0.1)."""

    stack: Stack
    client: httpx.Client
    token: str

    def get(self, path: str) -> str:
        answer = self.client.get(path)
        assert answer.status_code == 200, answer.text[-500:]
        return answer.text

    def post(self, path: str, fields: Fields) -> httpx.Response:
        body = urlencode([*fields, ("csrf_token", self.token)])
        return self.client.post(path, content=body, headers=_FORM)

    def rules(self, prefix: str) -> list[RuleRow]:
        async def rows(db: Database, _: object) -> list[RuleRow]:
            async with db.sessions() as session:
                query = select(RuleRow).order_by(RuleRow.position, RuleRow.id)
                return [
                    r for r in (await session.scalars(query)).all() if r.name.startswith(prefix)
                ]

        found: list[RuleRow] = self.stack.on_store(rows)
        return found


_FORM = {"content-type": "application/x-www-form-urlencoded"}
PASSWORD = "ada-password-1"


@pytest.fixture(scope="module")
def editor(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Editor]:
    with running_stack(tmp_path_factory.mktemp("stack")) as stack:
        stack.apply(
            {
                "connections": [
                    {
                        "name": "jira",
                        "kind": "jira",
                        "base_url": stack.jira_url,
                        "credentials": {"auth": "basic", "username": "admin", "password": "admin"},
                    },
                    {
                        "name": "pagerduty",
                        "kind": "pagerduty",
                        "base_url": stack.pagerduty_url,
                        "credentials": {"api_key": "pdsim-account-key-0001"},
                        "options": {"from_email": PD_FROM},
                    },
                ]
            }
        )
        for name, role in (("ada", AccountRole.ADMIN), ("vic", AccountRole.VIEWER)):
            stack.on_store(
                lambda db, _, name=name, role=role: create_account(
                    db, name, SecretStr(PASSWORD), role
                )
            )
        with signed_in(stack, "ada") as client:
            yield Editor(stack, client, csrf_of(client.get("/").text))


@contextmanager
def signed_in(stack: Stack, username: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.jirasync_url, timeout=30) as client:
        login = csrf_of(client.get("/login").text)
        signed = {"username": username, "password": PASSWORD, "csrf_token": login}
        assert client.post("/login", data=signed).status_code == 303
        yield client


def test_entries_are_added_and_removed_as_typed_and_nothing_is_saved(editor: Editor) -> None:
    fields = replaced(form_fields(editor.get("/rules/new")), name="typed")
    fields = [*fields, ("s1-0-labels", "first")]
    added = editor.post("/rules/new", [*fields, ("add", "s1")])
    assert added.status_code == 200
    fields = form_fields(added.text)
    assert (value(fields, "name"), value(fields, "s1-count")) == ("typed", "2")
    assert value(fields, "s1-0-labels") == "first"
    fields = [(k, "second" if k == "s1-1-labels" else v) for k, v in fields]
    removed = editor.post("/rules/new", [*fields, ("remove", "s1-0")])
    fields = form_fields(removed.text)
    assert (value(fields, "s1-count"), value(fields, "s1-0-labels")) == ("1", "second")
    with_row = editor.post("/rules/new", [*fields, ("add", "cf")])
    assert value(form_fields(with_row.text), "cf-count") == "1"
    assert editor.rules("typed") == []


def test_two_entries_of_every_section_are_saved_and_read_back_unchanged(editor: Editor) -> None:
    saved = editor.post("/rules/new", two_of_each())
    assert saved.status_code == 303, saved.text[-2000:]
    (row,) = editor.rules("two of each")
    config = row.definition["config"]
    for key in SECTION_KEYS:
        assert len(config[key]) == 2, key
    assert config["autocreate_issues_config"][1]["actions_params"]["jira_field_set_labels"] == [
        {"key": "pd", "icon": "text"},
        {"key": "entry1", "icon": "text"},
    ]
    assert config["jirasync"]["create_fields"] == {"customfield_7": {"value": "x"}}
    again = editor.post(f"/rules/{row.id}", form_fields(editor.get(f"/rules/{row.id}")))
    assert again.status_code == 303
    (reread,) = editor.rules("two of each")
    assert reread.definition == row.definition


def test_what_the_form_does_not_show_survives_removing_an_entry_before_it(editor: Editor) -> None:
    def entry(n: int) -> dict[str, Any]:
        return {
            "condition": {
                "pd_events": ["incident.trigger"],
                "pd_priorities": [],
                "pd_urgency": None,
            },
            "x_note": f"kept {n}",
            "actions": [{"key": "jira_field_set_labels", "label": "Labels", "icon": "tag"}],
            "actions_params": {"jira_field_set_labels": [{"key": f"l{n}", "icon": "text"}]},
        }

    rule = Rule.model_validate(
        {
            "name": "extras",
            "config": {
                "services": [{"id": "PSVC001"}],
                "projects": [{"key": "OPS"}],
                "issue_types": [{"id": "3"}],
                "autocreate_issues_config": [entry(0), entry(1)],
                "x_top": {"kept": True},
            },
        }
    )
    row: RuleRow = editor.stack.on_store(lambda db, _: create_pagerduty_rule(db, rule, None, None))
    fields = form_fields(editor.get(f"/rules/{row.id}"))
    removed = editor.post(f"/rules/{row.id}", [*fields, ("remove", "s1-0")])
    assert editor.post(f"/rules/{row.id}", form_fields(removed.text)).status_code == 303
    (stored,) = editor.rules("extras")
    assert stored.definition["config"]["x_top"] == {"kept": True}
    assert stored.definition["config"]["autocreate_issues_config"] == [entry(1)]


def test_a_problem_is_shown_by_its_entry(editor: Editor) -> None:
    fields = [*replaced(SCOPE, name="problem"), ("s1-count", "2"), ("s1-1-project", "NOPE")]
    answer = editor.post("/rules/new", fields)
    assert answer.status_code == 400
    found = re.search(r'id="e-s1-1">([^<]+)<', answer.text)
    assert found and "NOPE is not one of the rule&#39;s projects" in found.group(1)
    assert editor.rules("problem") == []


def test_rules_move_up_and_down_the_evaluation_order(editor: Editor) -> None:
    for name in ("order a", "order b", "order c"):
        assert editor.post("/rules/new", replaced(SCOPE, name=name)).status_code == 303
    a, _, c = (r.id for r in editor.rules("order "))
    assert editor.post(f"/rules/{c}/up", []).status_code == 303
    assert [r.name for r in editor.rules("order ")] == ["order a", "order c", "order b"]
    editor.post(f"/rules/{a}/down", [])
    assert [r.name for r in editor.rules("order ")] == ["order c", "order a", "order b"]
    listed = editor.get("/rules")
    assert listed.index(">order c<") < listed.index(">order a<") < listed.index(">order b<")
    assert editor.post("/rules/99999/up", []).status_code == 404


def test_the_preview_plans_the_rule_as_typed_on_a_simulator_incident_and_issue(
    editor: Editor,
) -> None:
    with editor.stack.pagerduty() as pagerduty:
        incident = {"type": "incident", "title": "Disk full", "service": SERVICE}
        answer = pagerduty.post("/incidents", json={"incident": incident})
        incident_id = str(answer.json()["incident"]["id"])
    with editor.stack.jira() as jira:
        issue = {"project": {"key": "SUP"}, "issuetype": {"id": "3"}, "summary": "Broken"}
        issue_key = str(jira.post("/rest/api/2/issue", json={"fields": issue}).json()["key"])
    fields = replaced(form_fields(editor.get("/rules/new")), name="preview me")
    typed = [
        *[(k, v) for k, v in fields if k not in ("preview_incident", "preview_issue")],
        *[("services", "PSVC001"), ("projects", "SUP"), ("issue_types", "3")],
        *[("s1_on", "on"), ("s1-0-labels", "from-preview")],
        *[("s2_on", "on"), ("s2-count", "1"), ("s2-0-jql", "project = SUP")],
        *[("s2-0-on_create", "on"), ("preview", "1")],
    ]
    on_incident = editor.post("/rules/new", [*typed, ("preview_incident", incident_id)])
    on_issue = editor.post("/rules/new", [*typed, ("preview_issue", issue_key)])
    assert on_incident.status_code == 200, on_incident.text[-2000:]
    result = on_incident.text[on_incident.text.index('id="preview-result"') :]
    assert "<h3>CreateIssue</h3>" in result and "from-preview" in result
    assert "autocreate_issues_config[0] matched incident.trigger" in result
    result = on_issue.text[on_issue.text.index('id="preview-result"') :]
    assert "<h3>CreateIncident</h3>" in result and f"[{issue_key}] Broken" in result
    neither = editor.post("/rules/new", typed)
    assert "Enter either an incident id or an issue key." in neither.text
    unknown = editor.post("/rules/new", [*typed, ("preview_issue", "SUP-99999")])
    assert unknown.status_code == 200
    assert 'class="error"' in unknown.text[unknown.text.index('id="preview-result"') :]
    assert editor.rules("preview me") == []


def test_a_viewer_reads_a_rule_and_its_order_but_changes_nothing(editor: Editor) -> None:
    saved = editor.post("/rules/new", [*replaced(two_of_each(), name="viewed")])
    assert saved.status_code == 303
    (row,) = editor.rules("viewed")
    with signed_in(editor.stack, "vic") as viewer:
        for path in (f"/rules/{row.id}", "/rules"):
            answer = viewer.get(path)
            assert answer.status_code == 200
            forms = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]+)"', answer.text)
            assert forms == ["/logout"], (path, forms)
            assert "Remove this entry" not in answer.text and "Move up" not in answer.text
