"""The set-up wizards of PagerDuty and HackerOne in Chromium, against the simulators: where,
credentials, "Test connection" (live), then the webhooks (PagerDuty's registered by jirasync,
HackerOne's URL to paste, as its guide says)."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from tests.web.ui.browser.conftest import shot, sign_in

from jirasync.devstack import PD_FROM, Stack

PD_API_KEY = "pdsim-account-key-0001"


def _open_wizard(page: Page, stack: Stack, kind: str) -> None:
    sign_in(page, stack, "ada")
    page.get_by_role("link", name="Connections").click()
    page.get_by_role("link", name=kind).click()
    expect(page.get_by_role("listitem").filter(has_text="1. Where")).to_have_attribute(
        "aria-current", "step"
    )


def _test_and_open_webhooks(page: Page) -> None:
    page.get_by_role("button", name="Save and continue to the test").click()
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#test-result")).to_contain_text("Everything works.")


def test_the_wizard_connects_pagerduty_and_checks_it(page: Page, stack: Stack) -> None:
    _open_wizard(page, stack, "PagerDuty account")
    page.get_by_label("Connection name").fill("pagerduty")
    page.get_by_label("Base URL").fill(stack.pagerduty_url)
    page.get_by_label("REST API key (full access)").fill(PD_API_KEY)
    page.get_by_label("From: the email of the user jirasync acts as").fill(PD_FROM)
    page.get_by_label("jirasync's own PagerDuty user ids").fill("PBOT001")
    _test_and_open_webhooks(page)
    expect(page.locator("#test-result")).to_contain_text(f"{PD_FROM} is a PagerDuty user")
    shot(page, "wizard-pagerduty-test")
    page.get_by_role("link", name="Check webhooks").click()
    expect(page.get_by_text("All webhooks in place.")).to_be_visible()
    # The key is stored, never shown again.
    assert PD_API_KEY not in page.content()


def test_the_wizard_connects_hackerone_and_says_which_url_to_paste(
    page: Page, stack: Stack
) -> None:
    _open_wizard(page, stack, "HackerOne program")
    page.get_by_label("Connection name").fill("hackerone")
    page.get_by_label("Base URL").fill(stack.hackerone_url)
    page.get_by_label("Program handle").fill("acme")
    page.get_by_label("API identifier").fill("jirasync-sim")
    page.get_by_label("API token").fill("h1-sim-token-0123456789abcdef")
    page.get_by_label("Webhook secret").fill("h1-sim-webhook-secret")
    _test_and_open_webhooks(page)
    shot(page, "wizard-hackerone-test")
    paste = page.locator("#hooks-title + p code")
    expect(paste).to_contain_text(f"{stack.jirasync_url}/webhooks/hackerone/")
    for secret in ("h1-sim-token-0123456789abcdef", "h1-sim-webhook-secret"):
        assert secret not in page.content()


def test_a_wrong_key_is_reported_with_pagerdutys_own_words(page: Page, stack: Stack) -> None:
    _open_wizard(page, stack, "PagerDuty account")
    page.get_by_label("Connection name").fill("pagerduty-bad")
    page.get_by_label("Base URL").fill(stack.pagerduty_url)
    page.get_by_label("REST API key (full access)").fill("not-a-key")
    page.get_by_label("From: the email of the user jirasync acts as").fill(PD_FROM)
    page.get_by_role("button", name="Save and continue to the test").click()
    page.get_by_role("button", name="Test connection").click()
    result = page.locator("#test-result")
    expect(result).not_to_contain_text("Everything works.")
    expect(result).to_contain_text("HTTP 401: Authentication failed")
    shot(page, "wizard-pagerduty-wrong-key")
