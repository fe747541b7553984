"""Webhook subscriptions at work: which subscriptions a change goes to, the v3 (and legacy v2)
payloads and headers, and the delivery rules of reference §3.4 — retries come from the shared
deliverer; here: ordering key per subscription + incident, and "3 consecutive drops disable
the subscription and drop what is queued for it".
"""

from __future__ import annotations

import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from jirasync.sim.common import Delivery
from jirasync.sim.pagerduty.changes import Change
from jirasync.sim.pagerduty.legacy_v2 import V2_EVENT_NAMES, v2_message
from jirasync.sim.pagerduty.model import WebhookSubscription
from jirasync.sim.pagerduty.serialize import ts
from jirasync.sim.pagerduty.signing import signature_header

if TYPE_CHECKING:
    from jirasync.sim.pagerduty.simulator import PagerDutySimulator

DISABLE_AFTER_DROPS = 3
DISABLED_FOR = timedelta(hours=24)
SUBSCRIPTION_HEADER = "X-Webhook-Subscription"


def event_id() -> str:
    """A 26-character upper-case id, like the ULIDs in real v3 payloads."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    millis = int(time.time() * 1000)
    head = "".join(alphabet[(millis >> (5 * i)) & 31] for i in reversed(range(10)))
    return head + "".join(secrets.choice(alphabet) for _ in range(16))


def occurred(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 1000:03d}Z"


class WebhookDispatcher:
    def __init__(self, sim: PagerDutySimulator) -> None:
        self.sim = sim
        # deliveries submitted for the current state; a reset or new seed starts afresh so a
        # retry still running from before cannot count drops against a new subscription
        self._current: set[int] = set()

    def forget_deliveries(self) -> None:
        """Called when the state is replaced: drop what waits, ignore what is in flight."""
        self.sim.webhooks.drop_pending(lambda d: d.state == "pending")
        self._current.clear()

    # -- which subscriptions ------------------------------------------------------------------
    def matching(self, change: Change) -> list[WebhookSubscription]:
        service = self.sim.state.services[change.service_id]
        found = []
        for sub in self.sim.state.subscriptions.values():
            if not sub.active or sub.temporarily_disabled:
                continue
            if change.event_type not in sub.events:
                continue
            if sub.filter_type == "service_reference" and sub.filter_id != service.id:
                continue
            if sub.filter_type == "team_reference" and sub.filter_id not in service.team_ids:
                continue
            found.append(sub)
        return found

    def on_change(self, change: Change) -> None:
        for sub in self.matching(change):
            if sub.version == "v2":
                self._send_v2(sub, change)
            else:
                self._send_v3(sub, change)

    # -- payloads -----------------------------------------------------------------------------
    def _send_v3(self, sub: WebhookSubscription, change: Change) -> None:
        event = {
            "id": event_id(),
            "event_type": change.event_type,
            "resource_type": "incident",
            "occurred_at": occurred(change.occurred_at),
            "agent": self._agent(change),
            "client": None,
            "data": change.data,
        }
        self._submit(sub, change.event_type, {"event": event}, f"{sub.id}:{change.incident_id}")

    def _agent(self, change: Change) -> dict[str, Any] | None:
        agent = self.sim.ser.actor_ref(change.agent)
        if agent is not None and change.agent is not None and change.agent.kind == "integration":
            # v3 payloads name Events API integrations this way (reference §10)
            agent["type"] = "inbound_integration_reference"
        return agent

    def _send_v2(self, sub: WebhookSubscription, change: Change) -> None:
        name = V2_EVENT_NAMES.get(change.event_type)
        if name is None:
            return  # no v2 counterpart (priority_updated, reopened, …): nothing is sent
        message = v2_message(self.sim.ser, sub, change, name, ts(change.occurred_at) or "")
        self._submit(sub, name, {"messages": [message]}, f"{sub.id}:{change.incident_id}", "V2.0")

    def ping(self, sub: WebhookSubscription) -> None:
        event = {
            "id": event_id(),
            "event_type": "pagey.ping",
            "resource_type": "pagey",
            "occurred_at": occurred(datetime.now(UTC)),
            "agent": None,
            "client": None,
            "data": {"message": "Hello from your friend Pagey!", "type": "ping"},
        }
        self._submit(sub, "pagey.ping", {"event": event}, f"{sub.id}:ping")

    def _submit(
        self,
        sub: WebhookSubscription,
        name: str,
        payload: dict[str, Any],
        key: str,
        version: str = "V3.0",
    ) -> Delivery:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        webhook_id = str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": f"PagerDuty-Webhook/{version}",
            "X-Webhook-Id": webhook_id,
            SUBSCRIPTION_HEADER: sub.id,
            "X-PagerDuty-Signature": signature_header(sub.secrets, body),
        }
        for header in sub.custom_headers:
            headers[header["name"]] = header["value"]
        delivery = self.sim.webhooks.submit(sub.url, name, body, headers, key, webhook_id)
        self._current.add(delivery.seq)
        if delivery.state == "dropped":  # a drop fault reported before its seq was recorded
            self.on_result(delivery)
        return delivery

    # -- delivery results ---------------------------------------------------------------------
    def on_result(self, delivery: Delivery) -> None:
        if delivery.seq not in self._current:
            return
        self._current.discard(delivery.seq)
        sub = self.sim.state.subscriptions.get(delivery.headers.get(SUBSCRIPTION_HEADER, ""))
        if sub is None:
            return
        if delivery.state == "delivered":
            sub.consecutive_drops = 0
            return
        sub.consecutive_drops += 1
        if sub.consecutive_drops >= DISABLE_AFTER_DROPS and not sub.temporarily_disabled:
            sub.temporarily_disabled = True
            sub.disabled_at = self.sim.state.clock()
            self.sim.webhooks.drop_pending(
                # only what still waits: the delivery being reported keeps its own state
                lambda d: d.state == "pending" and d.headers.get(SUBSCRIPTION_HEADER) == sub.id
            )

    def enable(self, sub: WebhookSubscription) -> None:
        sub.temporarily_disabled = False
        sub.consecutive_drops = 0
        sub.disabled_at = None

    def reenable_due(self) -> int:
        """Subscriptions disabled 24 h ago come back (checked when the clock is advanced)."""
        now = self.sim.state.clock()
        due = [
            s
            for s in self.sim.state.subscriptions.values()
            if s.temporarily_disabled and s.disabled_at and now - s.disabled_at >= DISABLED_FOR
        ]
        for sub in due:
            self.enable(sub)
        return len(due)
