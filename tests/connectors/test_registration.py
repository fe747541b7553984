"""Webhook checks find missing, disabled, misdirected, outdated, duplicate and useless ones."""

from __future__ import annotations

from jirasync.connectors.registration import (
    PAGERDUTY_EVENTS,
    JiraWebhookSpec,
    PagerDutySubscriptionSpec,
    check_jira_webhooks,
    check_pagerduty_subscriptions,
)

PREFIX = "http://jirasync.test/webhooks/jira/main/"
SPEC = JiraWebhookSpec("jirasync", PREFIX + "tok", ("SUP", "OPS"), comments=True)


def jira_webhook(n: int, **over: object) -> dict:
    hook = {
        "name": f"hook {n}",
        "self": f"http://jira.test/rest/webhooks/1.0/webhook/{n}",
        "url": SPEC.url,
        "events": list(SPEC.events),
        "filters": {"issue-related-events-section": "project in (OPS, SUP)"},
        "enabled": True,
    }
    hook.update(over)
    return hook


def kinds(findings: list) -> list[tuple[str, str, str | None]]:
    return [(f.kind, f.fix, f.remote_id) for f in findings]


def test_spec_body_is_what_jira_expects() -> None:
    body = SPEC.body()
    assert body["filters"] == {"issue-related-events-section": "project in (OPS, SUP)"}
    assert body["events"][:3] == ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]
    assert "secret" not in body
    assert JiraWebhookSpec("x", "u", ("A",), comments=False, secret="s").body()["secret"] == "s"


def test_healthy_webhook_has_no_findings_and_foreign_ones_are_ignored() -> None:
    foreign = jira_webhook(9, url="http://other.test/hook", enabled=False)
    assert check_jira_webhooks([jira_webhook(1), foreign], SPEC, PREFIX) == []


def test_missing_webhook_is_created() -> None:
    [finding] = check_jira_webhooks([], SPEC, PREFIX)
    assert (finding.kind, finding.fix) == ("missing", "create") and finding.body == SPEC.body()


def test_drift_is_updated_and_disabled_is_enabled() -> None:
    stale = jira_webhook(
        3,
        url=PREFIX + "old-token",
        events=["jira:issue_created"],
        enabled=False,
        filters={"issue-related-events-section": "project = OPS"},
    )
    assert kinds(check_jira_webhooks([stale], SPEC, PREFIX)) == [
        ("misdirected", "update", "3"),
        ("outdated", "update", "3"),
        ("outdated", "update", "3"),
        ("disabled", "enable", "3"),
    ]


def test_duplicates_are_deleted_keeping_the_right_one() -> None:
    findings = check_jira_webhooks(
        [jira_webhook(1, url=PREFIX + "old"), jira_webhook(2)], SPEC, PREFIX
    )
    assert ("duplicate", "delete", "1") in kinds(findings)
    assert all(f.remote_id != "2" or f.kind != "duplicate" for f in findings)


def test_without_rules_our_webhooks_are_useless() -> None:
    assert kinds(check_jira_webhooks([jira_webhook(1)], None, PREFIX)) == [
        ("useless", "delete", "1")
    ]


PD_PREFIX = "http://jirasync.test/webhooks/pagerduty/pd1"


def subscription(sub_id: str, service: str, **over: object) -> dict:
    sub = {
        "id": sub_id,
        "delivery_method": {
            "type": "http_delivery_method",
            "url": PD_PREFIX,
            "temporarily_disabled": False,
        },
        "events": list(PAGERDUTY_EVENTS),
        "filter": {"type": "service_reference", "id": service},
        "active": True,
    }
    sub.update(over)
    return sub


def test_pagerduty_subscriptions_per_service() -> None:
    specs = [
        PagerDutySubscriptionSpec("PS1", PD_PREFIX),
        PagerDutySubscriptionSpec("PS2", PD_PREFIX),
    ]
    existing = [
        subscription("W1", "PS1"),
        subscription("W2", "PS1"),
        subscription("W3", "PS9"),
        subscription("W4", "PX", delivery_method={"url": "http://elsewhere"}),
    ]
    findings = check_pagerduty_subscriptions(existing, specs, PD_PREFIX, frozenset({"W1"}))
    assert kinds(findings) == [
        ("duplicate", "delete", "W2"),
        ("useless", "delete", "W3"),
        ("missing", "create", None),
    ]
    assert findings[-1].body["webhook_subscription"]["filter"] == {
        "type": "service_reference",
        "id": "PS2",
    }


def test_pagerduty_lost_secret_disabled_and_outdated() -> None:
    spec = [PagerDutySubscriptionSpec("PS1", PD_PREFIX)]
    lost = check_pagerduty_subscriptions([subscription("W1", "PS1")], spec, PD_PREFIX, frozenset())
    assert kinds(lost) == [("broken", "recreate", "W1")]
    sub = subscription("W1", "PS1", events=["incident.triggered"], active=False)
    assert kinds(check_pagerduty_subscriptions([sub], spec, PD_PREFIX, frozenset({"W1"}))) == [
        ("outdated", "update", "W1"),
        ("disabled", "enable", "W1"),
    ]
