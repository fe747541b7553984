"""Webhook registrations jirasync needs, and what is wrong with the ones that exist.

Pure: given the desired registration and what the remote lists, return findings, each with the
fix that repairs it. `jirasync check` and the UI's "Check webhooks" show them and apply fixes
on request. A registration is ours when its URL starts with this connection's callback prefix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

FindingKind = Literal[
    "missing", "disabled", "misdirected", "outdated", "duplicate", "useless", "broken"
]
FixKind = Literal["create", "update", "enable", "delete", "recreate"]

JIRA_ISSUE_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
JIRA_COMMENT_EVENTS = ("comment_created", "comment_updated", "comment_deleted")
PAGERDUTY_EVENTS = (
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.resolved",
    "incident.reopened",
    "incident.reassigned",
    "incident.escalated",
    "incident.delegated",
    "incident.priority_updated",
    "incident.annotated",
)


@dataclass(frozen=True)
class Finding:
    kind: FindingKind
    detail: str
    fix: FixKind
    remote_id: str | None = None
    body: Mapping[str, Any] = field(default_factory=dict)


# -- Jira ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class JiraWebhookSpec:
    name: str
    url: str
    project_keys: tuple[str, ...]
    comments: bool
    secret: str | None = None

    @property
    def events(self) -> tuple[str, ...]:
        return JIRA_ISSUE_EVENTS + (JIRA_COMMENT_EVENTS if self.comments else ())

    @property
    def jql(self) -> str:
        return f"project in ({', '.join(sorted(set(self.project_keys)))})"

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "url": self.url,
            "events": list(self.events),
            "filters": {"issue-related-events-section": self.jql},
            "excludeBody": False,
            "enabled": True,
        }
        if self.secret:
            body["secret"] = self.secret
        return body


def check_jira_webhooks(
    existing: Sequence[Mapping[str, Any]], desired: JiraWebhookSpec | None, prefix: str
) -> list[Finding]:
    ours = [w for w in existing if str(w.get("url", "")).startswith(prefix)]
    if desired is None or not desired.project_keys:
        return [
            Finding(
                "useless", f"{w.get('name')!r}: no rule needs Jira events", "delete", _jira_id(w)
            )
            for w in ours
        ]
    if not ours:
        return [
            Finding(
                "missing",
                f"no webhook sends {desired.jql} to jirasync",
                "create",
                body=desired.body(),
            )
        ]
    keep, *extra = sorted(ours, key=lambda w: (w.get("url") != desired.url, _jira_id(w) or ""))
    findings = [
        Finding(
            "duplicate", f"{w.get('name')!r} duplicates {keep.get('name')!r}", "delete", _jira_id(w)
        )
        for w in extra
    ]
    findings.extend(_jira_drift(keep, desired))
    return findings


def _jira_drift(webhook: Mapping[str, Any], desired: JiraWebhookSpec) -> list[Finding]:
    webhook_id = _jira_id(webhook)
    problems: list[tuple[FindingKind, str]] = []
    if webhook.get("url") != desired.url:
        problems.append(("misdirected", f"sends to {webhook.get('url')}, not {desired.url}"))
    missing = set(desired.events) - set(webhook.get("events") or [])
    if missing:
        problems.append(("outdated", f"misses events {', '.join(sorted(missing))}"))
    jql = (webhook.get("filters") or {}).get("issue-related-events-section", "")
    if jql != desired.jql:
        problems.append(("outdated", f"filter is {jql!r}, rules need {desired.jql!r}"))
    findings = [
        Finding(kind, detail, "update", webhook_id, desired.body()) for kind, detail in problems
    ]
    if webhook.get("enabled") is False:
        findings.append(
            Finding("disabled", "the webhook is disabled", "enable", webhook_id, desired.body())
        )
    return findings


def _jira_id(webhook: Mapping[str, Any]) -> str | None:
    self_url = str(webhook.get("self") or "")
    return self_url.rstrip("/").rsplit("/", 1)[-1] or None


# -- PagerDuty -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class PagerDutySubscriptionSpec:
    service_id: str
    url: str
    description: str = "jirasync: PagerDuty ⇄ Jira sync"

    def body(self) -> dict[str, Any]:
        return {
            "webhook_subscription": {
                "type": "webhook_subscription",
                "delivery_method": {"type": "http_delivery_method", "url": self.url},
                "description": self.description,
                "events": list(PAGERDUTY_EVENTS),
                "filter": {"type": "service_reference", "id": self.service_id},
                "active": True,
            }
        }


def check_pagerduty_subscriptions(
    existing: Sequence[Mapping[str, Any]],
    desired: Sequence[PagerDutySubscriptionSpec],
    prefix: str,
    known_secret_ids: frozenset[str],
) -> list[Finding]:
    """`known_secret_ids`: subscriptions whose signing secret jirasync holds (PagerDuty shows a
    secret only once, in the create response; without it deliveries cannot be verified)."""
    ours = [s for s in existing if _delivery_url(s).startswith(prefix)]
    wanted = {spec.service_id: spec for spec in desired}
    findings: list[Finding] = []
    by_service: dict[str, list[Mapping[str, Any]]] = {}
    for sub in ours:
        by_service.setdefault(str((sub.get("filter") or {}).get("id")), []).append(sub)
    for service_id, subs in by_service.items():
        spec = wanted.get(service_id)
        if spec is None:
            findings += [
                Finding("useless", f"no rule uses service {service_id}", "delete", s.get("id"))
                for s in subs
            ]
            continue
        keep, *extra = subs
        findings += [
            Finding("duplicate", f"second subscription for {service_id}", "delete", s.get("id"))
            for s in extra
        ]
        findings += _pagerduty_drift(keep, spec, known_secret_ids)
    for service_id, spec in wanted.items():
        if service_id not in by_service:
            findings.append(
                Finding(
                    "missing",
                    f"no subscription for service {service_id}",
                    "create",
                    body=spec.body(),
                )
            )
    return findings


def _pagerduty_drift(
    sub: Mapping[str, Any], spec: PagerDutySubscriptionSpec, known_secret_ids: frozenset[str]
) -> list[Finding]:
    sub_id = sub.get("id")
    # The delivery URL cannot be changed by PUT, and a lost secret cannot be read back.
    if _delivery_url(sub) != spec.url:
        return [
            Finding(
                "misdirected", f"sends to {_delivery_url(sub)}", "recreate", sub_id, spec.body()
            )
        ]
    if sub_id not in known_secret_ids:
        return [
            Finding(
                "broken",
                "jirasync does not hold its signing secret",
                "recreate",
                sub_id,
                spec.body(),
            )
        ]
    findings: list[Finding] = []
    missing = set(PAGERDUTY_EVENTS) - set(sub.get("events") or [])
    if missing:
        detail = f"misses events {', '.join(sorted(missing))}"
        findings.append(Finding("outdated", detail, "update", sub_id, spec.body()))
    if sub.get("active") is False or (sub.get("delivery_method") or {}).get("temporarily_disabled"):
        findings.append(
            Finding("disabled", "PagerDuty disabled it (3 failed deliveries?)", "enable", sub_id)
        )
    return findings


def _delivery_url(sub: Mapping[str, Any]) -> str:
    return str((sub.get("delivery_method") or {}).get("url") or "")
