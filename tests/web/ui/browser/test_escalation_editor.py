"""The HackerOne escalation editor in Chromium, against the simulators: the issue types of the
project chosen are loaded from Jira at once (no save), the preview shows the issue a real
report would become, and the saved escalation is what the form said."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.web.ui.browser.conftest import beside, shot, sign_in

from jirasync.devstack import Stack


def _connect(stack: Stack) -> None:
    setup = {
        "connections": [
            {
                "name": "jira",
                "kind": "jira",
                "base_url": stack.jira_url,
                "credentials": {"auth": "basic", "username": "admin", "password": "admin"},
            },
            {
                "name": "hackerone",
                "kind": "hackerone",
                "base_url": stack.hackerone_url,
                "credentials": {
                    "identifier": "jirasync-sim",
                    "token": "h1-sim-token-0123456789abcdef",
                    "webhook_secret": "h1-sim-webhook-secret",
                },
                "options": {"program": "acme"},
            },
        ]
    }
    beside(lambda: stack.apply(setup))


def test_an_escalation_is_made_and_previewed_on_a_real_report(page: Page, stack: Stack) -> None:
    _connect(stack)
    sign_in(page, stack, "ada")
    page.goto(f"{stack.jirasync_url}/escalations/new")
    issue_type = page.get_by_label("Issue type")
    expect(issue_type.locator("option", has_text="Task")).to_have_count(0)

    page.get_by_label("Program handle").fill("acme")
    page.get_by_label("Jira project").select_option("SUP")
    # The project's issue types arrive from Jira without saving the form.
    expect(issue_type.locator("option", has_text="Task")).to_have_count(1)
    issue_type.select_option(label="Task")
    expect(page.get_by_label("Jira field 1")).to_have_value("summary")
    page.get_by_label("Template 1").fill("H1 #{{report_id}}: {{title}}")

    page.get_by_label("Report id").fill("100001")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview-result")
    expect(preview).to_contain_text("CreateIssue: SUP")
    expect(preview).to_contain_text("H1 #100001: Stored XSS in profile bio")
    shot(page, "escalation-editor-preview")

    page.get_by_role("button", name="Save escalation").click()
    expect(page.get_by_role("status").first).to_contain_text("saved")
    expect(page.get_by_label("Issue type")).to_have_value(issue_type.input_value())
    expect(page.get_by_label("Jira project")).to_have_value("SUP")
