"""The web UI in a real browser over a real stack, as an admin would use it after `jirasync
admin create`: sign in and out, connect Jira with the wizard, write a rule, watch a sync
arrive live in the activity log, replay a dead event from the queue; and a viewer who can
change nothing. The tests share one stack and run in this order, each building on the last."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import Page, expect
from tests.web.ui.browser.conftest import beside, shot, sign_in

from jirasync.devstack import PD_FROM, Stack, wait_for

PD_API_KEY = "pdsim-account-key-0001"


def _trigger_incident(stack: Stack, title: str) -> str:
    with stack.pagerduty() as pagerduty:
        answer = pagerduty.post(
            "/incidents",
            json={
                "incident": {
                    "type": "incident",
                    "title": title,
                    "service": {"id": "PSVC001", "type": "service_reference"},
                }
            },
        )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["incident"]["id"])


def _events(stack: Stack, **match: Any) -> list[dict[str, Any]]:
    return [e for e in beside(stack.events) if all(e[k] == v for k, v in match.items())]


def test_sign_in_and_out(page: Page, stack: Stack) -> None:
    page.goto(stack.jirasync_url)
    expect(page.get_by_role("heading", name="Sign in to jirasync")).to_be_visible()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    sign_in(page, stack, "ada")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    shot(page, "dashboard")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("Signed out.")
    page.goto(f"{stack.jirasync_url}/queue")
    expect(page).to_have_url(re.compile(r"/login\?next=/queue$"))


def test_the_wizard_connects_jira_and_checks_it(page: Page, stack: Stack) -> None:
    sign_in(page, stack, "ada")
    page.get_by_role("link", name="Connections").click()
    page.get_by_role("link", name="Jira Server / Data Center").click()
    expect(page.get_by_role("listitem").filter(has_text="1. Where")).to_have_attribute(
        "aria-current", "step"
    )
    page.get_by_label("Connection name").fill("jira")
    page.get_by_label("Base URL").fill(stack.jira_url)
    page.get_by_label("Username (basic)").fill("admin")
    page.get_by_label("Password (basic)").fill("admin")
    shot(page, "wizard-jira")
    page.get_by_role("button", name="Save and continue to the test").click()
    expect(page.get_by_role("heading", name="Set up jira")).to_be_visible()
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#test-result")
    expect(result).to_contain_text("Everything works.")
    expect(result).to_contain_text("signed in as admin")
    shot(page, "wizard-test-connection")
    page.get_by_role("link", name="Check webhooks").click()
    expect(page.get_by_text("All webhooks in place.")).to_be_visible()


def test_a_rule_is_made_in_the_editor(page: Page, stack: Stack) -> None:
    setup = {
        "connections": [
            {
                "name": "pagerduty",
                "kind": "pagerduty",
                "base_url": stack.pagerduty_url,
                "credentials": {"api_key": PD_API_KEY},
                "options": {"from_email": PD_FROM, "own_user_ids": ["PBOT001"]},
            }
        ]
    }
    beside(lambda: stack.apply(setup))
    sign_in(page, stack, "ada")
    page.goto(f"{stack.jirasync_url}/rules")
    page.get_by_role("link", name="Create rule").click()
    # Saved without its scope, the rule says what is missing where.
    page.get_by_label("Rule name").fill("Checkout API to SUP")
    page.get_by_role("button", name="Save rule").click()
    expect(page.locator("#e-services")).to_contain_text("at least 1 item")
    expect(page.locator("#e-projects")).to_be_visible()

    page.get_by_label("Enabled").check()
    page.locator("#pick-services").get_by_role("checkbox", name="Checkout API").check()
    page.locator("#pick-projects").get_by_role("checkbox", name=re.compile(r"^SUP")).check()
    # The issue types of the chosen project come from Jira as soon as it is ticked.
    page.locator("#pick-issue_types").get_by_role("checkbox", name="Task").check()
    page.get_by_label("Sync comments and notes both ways").check()
    page.get_by_label("Create issues from incidents").check()
    first = page.locator("#s1-0")
    first.get_by_role("checkbox", name="triggered", exact=True).check()
    first.get_by_role("checkbox", name="title", exact=True).check()
    first.get_by_role("checkbox", name="link", exact=True).check()
    # "Add an entry" shows the form again with one more, keeping what was typed; with htmx the
    # editor is redrawn in place (the page is not loaded again, so this mark stays).
    page.evaluate("window.sameDocument = true")
    page.locator("#s1").get_by_role("button", name="Add an entry").click()
    expect(first.get_by_role("checkbox", name="title", exact=True)).to_be_checked()
    second = page.locator("#s1-1")
    expect(second).to_contain_text("Entry 2")
    second.get_by_role("checkbox", name="triggered", exact=True).check()
    second.get_by_label("Set the labels").fill("escalated, incident.service.summary")
    first.get_by_role("checkbox", name="triggered", exact=True).uncheck()
    first.get_by_role("checkbox", name="escalated", exact=True).check()
    page.get_by_label("Update the issue").check()
    page.locator("#s3").get_by_role("button", name="Add an entry").click()
    page.locator("#s3-0").get_by_role("checkbox", name="acknowledged", exact=True).check()
    page.locator("#s3-0").get_by_label("Move the issue to status").select_option(
        label="In Progress"
    )
    page.get_by_label("Update the incident").check()
    page.locator("#s4").get_by_role("button", name="Add an entry").click()
    page.locator("#s4-0").get_by_label("…or any status of the Done category").check()
    page.locator("#s4-0").get_by_label("Resolve the incident").check()
    page.get_by_role("combobox", name="P1", exact=True).select_option("Highest")

    # The preview plans the rule as typed on a real incident: entry 2 creates the issue.
    incident = _trigger_incident(stack, "Checkout latency")
    page.get_by_label("Incident id").fill(incident)
    page.get_by_role("button", name="Preview").click()
    result = page.locator("#preview-result")
    expect(result).to_contain_text("autocreate_issues_config[1] matched incident.trigger")
    expect(result.get_by_role("heading", name="CreateIssue")).to_be_visible()
    expect(result).to_contain_text("Checkout_API")
    shot(page, "rule-editor-preview")
    assert page.evaluate("window.sameDocument === true")
    page.get_by_label("Incident id").fill("")
    page.get_by_role("button", name="Save rule").click()
    expect(page.get_by_role("status")).to_have_text("Rule 'Checkout API to SUP' saved.")
    expect(page.locator("#s1-1").get_by_label("Set the labels")).to_have_value(
        "escalated, incident.service.summary"
    )
    shot(page, "rule-editor")

    # The rule needs webhooks now: "Check webhooks" finds them missing; "Fix" makes them.
    for connection in ("jira", "pagerduty"):
        page.goto(f"{stack.jirasync_url}/connections")
        page.get_by_role("row", name=re.compile(f"^{connection} ")).get_by_role(
            "link", name="Check webhooks"
        ).click()
        expect(page.locator("tr.finding")).to_have_count(1)
        shot(page, f"check-webhooks-{connection}")
        page.get_by_role("button", name=re.compile(r"^Fix")).first.click()
        expect(page.get_by_role("status")).to_contain_text("Fixed: missing: create")
    assert all(not r.findings for r in beside(lambda: stack.check(fix=False)))


def test_a_sync_shows_up_live_in_the_activity_log(page: Page, stack: Stack) -> None:
    sign_in(page, stack, "ada")
    page.goto(f"{stack.jirasync_url}/activity")
    page.evaluate("window.notReloaded = true")
    page.wait_for_function("document.querySelector('#events').hasAttribute('sse-connect')")
    incident = _trigger_incident(stack, "Disk full on checkout-db")
    row = page.locator("#events tr").filter(has_text="pagerduty:").filter(has_text="done")
    expect(row.first).to_be_visible(timeout=15_000)
    assert page.evaluate("window.notReloaded") is True
    expect(page.locator("#no-events")).to_have_count(0)
    shot(page, "activity-live")
    row.first.get_by_role("link").click()
    expect(page.locator(".actions-log")).to_contain_text("created Jira issue SUP-")
    expect(page.locator("td code", has_text="POST /rest/api/2/issue").first).to_be_visible()
    shot(page, "event-detail")
    assert incident


def test_a_dead_event_is_replayed_from_the_queue(page: Page, stack: Stack) -> None:
    refusal = {
        "method": "POST",
        "path": "/rest/api/2/issue",
        "status": 400,
        "body": {"errorMessages": [], "errors": {"summary": "The summary is too long."}},
        "count": 1,
    }
    assert httpx.post(f"{stack.jira_url}/_sim/faults", json=refusal).status_code == 201
    _trigger_incident(stack, "Payments latency")
    [dead] = wait_for(lambda: _events(stack, status="dead"), what="a dead event")
    sign_in(page, stack, "ada")
    page.goto(f"{stack.jirasync_url}/queue")
    expect(page.locator(f"#queue-event-{dead['id']}")).to_contain_text("summary")
    shot(page, "queue-dead")
    page.get_by_role("button", name=f"Replay event {dead['id']}").click()
    expect(page.get_by_role("status")).to_have_text(f"Event #{dead['id']} is queued again.")
    wait_for(lambda: _events(stack, id=dead["id"], status="done"), what="the replayed event done")
    page.reload()
    expect(page.get_by_role("heading", name="Dead letters (0)")).to_be_visible()
    shot(page, "queue-after-replay")


def test_an_api_token_is_shown_once(page: Page, stack: Stack) -> None:
    sign_in(page, stack, "ada")
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Token name").fill("deploy script")
    page.get_by_label("Role").select_option("admin")
    page.get_by_role("button", name="Create token").click()
    shown = page.get_by_role("status")
    expect(shown).to_contain_text("Copy it now: it is shown this once and never again.")
    token = page.get_by_label("Token (admin)").input_value()
    assert token.startswith("jst_")
    shot(page, "token-created")
    api = httpx.get(
        f"{stack.jirasync_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.json()["name"] == "deploy script"
    page.get_by_role("link", name="API tokens").click()  # the list again: no token there
    assert token not in page.content()
    page.get_by_role("button", name="Revoke deploy script").click()
    expect(page.get_by_role("status")).to_contain_text("revoked: it no longer works")
    assert (
        httpx.get(
            f"{stack.jirasync_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
        ).status_code
        == 401
    )


def test_a_viewer_cannot_change_anything(page: Page, stack: Stack) -> None:
    sign_in(page, stack, "vic")
    for path in (
        "/",
        "/queue",
        "/activity",
        "/links",
        "/connections",
        "/connections/1",
        "/connections/1/webhooks",
        "/rules",
        "/rules/1",
        "/user-mappings",
        "/tokens",
    ):
        page.goto(f"{stack.jirasync_url}{path}")
        expect(page.get_by_role("main")).to_be_visible()
        assert page.locator("main form[method=post]").count() == 0, path
        changes = page.locator("main button:not([disabled]):not(form[method=get] button)")
        assert changes.count() == 0, path
    shot(page, "viewer-rule")
    token = page.locator("header input[name=csrf_token]").get_attribute("value")
    refused = page.request.post(
        f"{stack.jirasync_url}/queue/replay-dead", form={"csrf_token": token or ""}
    )
    assert refused.status == 403
    assert "viewers may look, not change" in refused.text()
