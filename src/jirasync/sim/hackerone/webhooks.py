"""Program webhooks: which event an activity fires, the signed delivery, and the hand-off to
the shared deliverer (ordered per report and URL, redelivered with the same `X-H1-Delivery`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from jirasync.sim.common import RetryPolicy, WebhookDeliverer
from jirasync.sim.hackerone.jsonapi import Json

# Activity type → webhook event (HackerOne's events table; activities without an entry, such as
# reference-id-added, severity or title updates and nobody-assigned, send no webhook).
EVENTS: dict[str, str] = {
    "activity-bug-filed": "report_created",
    "activity-comment": "report_comment_created",
    "activity-bug-new": "report_new",
    "activity-bug-triaged": "report_triaged",
    "activity-bug-needs-more-info": "report_needs_more_info",
    "activity-bug-resolved": "report_resolved",
    "activity-bug-duplicate": "report_closed_as_duplicate",
    "activity-bug-informative": "report_closed_as_informative",
    "activity-bug-spam": "report_closed_as_spam",
    "activity-bug-not-applicable": "report_closed_as_not_applicable",
    "activity-bug-reopened": "report_reopened",
    "activity-bug-retesting": "report_retesting",
    "activity-bounty-awarded": "report_bounty_awarded",
    "activity-bounty-suggested": "report_bounty_suggested",
    "activity-swag-awarded": "report_swag_awarded",
    "activity-user-assigned-to-bug": "report_user_assigned",
    "activity-group-assigned-to-bug": "report_group_assigned",
    "activity-comments-closed": "report_comments_closed",
    "activity-agreed-on-going-public": "report_agreed_on_going_public",
    "activity-report-became-public": "report_became_public",
    "activity-manually-disclosed": "report_manually_disclosed",
    "activity-not-eligible-for-bounty": "report_not_eligible_for_bounty",
}

# Every event name HackerOne lists, so a webhook configuration can be validated.
KNOWN_EVENTS: frozenset[str] = frozenset(
    {
        *EVENTS.values(),
        "report_custom_field_value_updated",
        "report_prioritised",
        "report_retest_approved",
        "report_retest_rejected",
        "report_retest_user_completed",
        "report_retest_user_expired",
        "report_retest_user_left",
        "report_undisclosed",
        "program_hacker_joined",
        "program_hacker_left",
    }
)

# At-least-once: any non-2xx answer or connection error is retried with the same delivery id.
# HackerOne does not document its policy; short backoffs keep tests fast.
WEBHOOK_POLICY = RetryPolicy(
    max_attempts=5,
    backoff_s=(0.05, 0.1, 0.2, 0.4),
    timeout_s=5.0,
    retry_on_status=lambda status: not 200 <= status < 300,
)


def signature(secret: str, body: bytes) -> str:
    """`sha256=` + hex HMAC-SHA256 of the raw body keyed with the webhook secret."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def envelope(activity: Json, report: Json) -> bytes:
    return json.dumps({"data": {"activity": activity, "report": report}}).encode("utf-8")


def send(
    deliverer: WebhookDeliverer,
    hooks: list[tuple[str, str]],
    event: str,
    body: bytes,
    report_id: int,
) -> list[str]:
    """Queue one signed delivery per (url, secret); returns the delivery ids."""
    ids = []
    for url, secret in hooks:
        delivery_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "HackerOne-Webhook (jirasync simulator)",
            "X-H1-Event": event,
            "X-H1-Delivery": delivery_id,
            "X-H1-Signature": signature(secret, body),
        }
        deliverer.submit(
            url, event, body, headers, key=f"{url} report:{report_id}", delivery_id=delivery_id
        )
        ids.append(delivery_id)
    return ids
