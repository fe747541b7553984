"""A thin async client for the PagerDuty REST API v2: only the calls the sync makes, wrapped
entities in and out, classic offset pagination, `From` on the writes PagerDuty attributes to a
user, errors carrying PagerDuty's own message and code.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx

from jirasync.connectors.http import ApiClient, RetryOptions, retry_after_seconds
from jirasync.core.errors import RemoteError

JSON = dict[str, Any]
Timestamp = datetime | str
TokenKind = Literal["account", "user"]
# Lists are async generators so a caller that stops early can close them (aclosing).
Items = AsyncGenerator[JSON, None]

BASE_URL = "https://api.pagerduty.com"
ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE_SIZE = 100  # the most PagerDuty returns per page
OFFSET_CAP = 10_000  # offset + limit beyond this is answered with 400
# Only account tokens get this 400 from GET /users/me: they act for nobody in particular.
ACCOUNT_LEVEL_HINT = "account-level"


class PagingCapReached(RemoteError):
    """A classic list went past PagerDuty's 10,000 offset limit. Asking again fails the same
    way, so the caller must narrow the query (since/until, filters) instead of retrying."""

    @property
    def transient(self) -> bool:
        return False

    def __str__(self) -> str:
        return f"{self.system} {self.method} {self.path} → stopped: {self.message}"


@dataclass(frozen=True)
class NewIncident:
    """POST /incidents. `incident_key` is the idempotency marker looked up before a retry."""

    service_id: str
    title: str
    incident_key: str | None = None
    details: str | None = None
    priority_id: str | None = None
    urgency: Literal["high", "low"] | None = None
    assignee_ids: Sequence[str] = ()
    escalation_policy_id: str | None = None

    def body(self) -> JSON:
        if self.assignee_ids and self.escalation_policy_id:
            # PagerDuty refuses both; failing here names the rule that asked for it.
            raise ValueError("an incident takes assignees or an escalation policy, not both")
        incident: JSON = {
            "type": "incident",
            "title": self.title,
            "service": _ref(self.service_id, "service_reference"),
        }
        if self.incident_key is not None:
            incident["incident_key"] = self.incident_key
        if self.details is not None:
            incident["body"] = {"type": "incident_body", "details": self.details}
        if self.priority_id is not None:
            incident["priority"] = _ref(self.priority_id, "priority_reference")
        if self.urgency is not None:
            incident["urgency"] = self.urgency
        if self.assignee_ids:
            incident["assignments"] = _assignments(self.assignee_ids)
        if self.escalation_policy_id is not None:
            ref = _ref(self.escalation_policy_id, "escalation_policy_reference")
            incident["escalation_policy"] = ref
        return {"incident": incident}


@dataclass(frozen=True)
class IncidentUpdate:
    """PUT /incidents/{id}: only the fields that are set are sent."""

    status: Literal["triggered", "acknowledged", "resolved"] | None = None
    priority_id: str | None = None
    title: str | None = None
    resolution: str | None = None
    urgency: Literal["high", "low"] | None = None
    assignee_ids: Sequence[str] = field(default=())
    escalation_policy_id: str | None = None
    escalation_level: int | None = None

    def body(self) -> JSON:
        if self.assignee_ids and self.escalation_policy_id:
            raise ValueError("an incident takes assignees or an escalation policy, not both")
        incident: JSON = {"type": "incident_reference"}
        for name in ("status", "title", "resolution", "urgency", "escalation_level"):
            value = getattr(self, name)
            if value is not None:
                incident[name] = value
        if self.priority_id is not None:
            incident["priority"] = _ref(self.priority_id, "priority_reference")
        if self.assignee_ids:
            incident["assignments"] = _assignments(self.assignee_ids)
        if self.escalation_policy_id is not None:
            ref = _ref(self.escalation_policy_id, "escalation_policy_reference")
            incident["escalation_policy"] = ref
        return {"incident": incident}


class PagerDutyClient(ApiClient):
    system = "pagerduty"

    def __init__(
        self,
        base_url: str = BASE_URL,
        *,
        auth: httpx.Auth | None,
        from_email: str | None = None,
        timeout_s: float = 15.0,
        retry: RetryOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            auth=auth,
            headers={"Accept": ACCEPT, "Content-Type": "application/json"},
            timeout_s=timeout_s,
            retry=retry,
            transport=transport,
        )
        # The user PagerDuty records as having acted; required with account tokens.
        self.from_email = from_email

    def error_from(self, method: str, path: str, response: httpx.Response) -> RemoteError:
        error = super().error_from(method, path, response)
        try:
            body = response.json()
        except ValueError:
            return error
        if isinstance(body, dict):
            _read_error_body(error, body.get("error", body))
        return error

    def retry_after(self, response: httpx.Response) -> float | None:
        """Retry-After, else `ratelimit-reset` (seconds until the rate window reopens)."""
        wait = retry_after_seconds(response)
        if wait is None and response.status_code == 429:
            try:
                wait = max(0.0, float(response.headers.get("ratelimit-reset", "")))
            except ValueError:
                return None
        return wait

    # -- incidents -----------------------------------------------------------------------------
    def incidents(
        self,
        *,
        incident_key: str | None = None,
        statuses: Sequence[str] = (),
        service_ids: Sequence[str] = (),
        team_ids: Sequence[str] = (),
        user_ids: Sequence[str] = (),
        urgencies: Sequence[str] = (),
        since: Timestamp | None = None,
        until: Timestamp | None = None,
        date_range: Literal["all"] | None = None,
        sort_by: Sequence[str] = (),
        include: Sequence[str] = (),
    ) -> Items:
        """Incidents matching the filters (PagerDuty's default window is the last month)."""
        params = _query(
            incident_key=incident_key,
            since=since,
            until=until,
            date_range=date_range,
            sort_by=",".join(sort_by) or None,
            arrays={
                "statuses": statuses,
                "service_ids": service_ids,
                "team_ids": team_ids,
                "user_ids": user_ids,
                "urgencies": urgencies,
                "include": include,
            },
        )
        return self._pages("/incidents", "incidents", params=params)

    async def incident(self, incident_id: str, include: Sequence[str] = ()) -> JSON:
        params = _query(arrays={"include": include})
        route = "/incidents/{id}"
        body = await self._json("GET", route, {"id": incident_id}, params=params)
        return self._unwrap(body, "incident", "GET", route)

    async def create_incident(self, new: NewIncident, acting_as: str | None = None) -> JSON:
        body = await self._json(
            "POST", "/incidents", json=new.body(), headers=self._from(acting_as)
        )
        return self._unwrap(body, "incident", "POST", "/incidents")

    async def update_incident(
        self, incident_id: str, update: IncidentUpdate, acting_as: str | None = None
    ) -> JSON:
        route = "/incidents/{id}"
        body = await self._json(
            "PUT", route, {"id": incident_id}, json=update.body(), headers=self._from(acting_as)
        )
        return self._unwrap(body, "incident", "PUT", route)

    async def find_incident_by_key(self, service_id: str, incident_key: str) -> JSON | None:
        """The incident a crashed or timed-out create may already have made, if any."""
        found = self.incidents(
            incident_key=incident_key, service_ids=[service_id], date_range="all"
        )
        async with aclosing(found) as incidents:
            async for incident in incidents:
                if _same_key(incident, incident_key) and _on_service(incident, service_id):
                    return incident
        return None

    # -- notes ---------------------------------------------------------------------------------
    async def notes(self, incident_id: str) -> list[JSON]:
        """All notes of an incident (this list is not paginated)."""
        route = "/incidents/{id}/notes"
        body = await self._json("GET", route, {"id": incident_id})
        return self._unwrap_list(body, "notes", "GET", route)

    async def add_note(self, incident_id: str, content: str, acting_as: str | None = None) -> JSON:
        route = "/incidents/{id}/notes"
        body = await self._json(
            "POST",
            route,
            {"id": incident_id},
            json={"note": {"content": content}},
            headers=self._from(acting_as),
        )
        return self._unwrap(body, "note", "POST", route)

    async def edit_note(
        self, incident_id: str, note_id: str, content: str, acting_as: str | None = None
    ) -> JSON:
        route = "/incidents/{id}/notes/{note_id}"
        body = await self._json(
            "PUT",
            route,
            {"id": incident_id, "note_id": note_id},
            json={"note": {"content": content}},
            headers=self._from(acting_as),
        )
        return self._unwrap(body, "note", "PUT", route)

    async def delete_note(self, incident_id: str, note_id: str) -> None:
        route = "/incidents/{id}/notes/{note_id}"
        await self.request("DELETE", route, {"id": incident_id, "note_id": note_id})

    async def add_responders(
        self,
        incident_id: str,
        requester_id: str,
        user_ids: Sequence[str],
        message: str,
        acting_as: str | None = None,
    ) -> JSON:
        """Request these users as responders (the rule action `pd_add_responders`)."""
        route = "/incidents/{id}/responder_requests"
        targets = [
            {"responder_request_target": _ref(user_id, "user_reference")} for user_id in user_ids
        ]
        body = {
            "requester_id": requester_id,
            "message": message,
            "responder_request_targets": targets,
        }
        answer = await self._json(
            "POST", route, {"id": incident_id}, json=body, headers=self._from(acting_as)
        )
        return self._unwrap(answer, "responder_request", "POST", route)

    # -- log entries ---------------------------------------------------------------------------
    def incident_log_entries(
        self,
        incident_id: str,
        *,
        since: Timestamp | None = None,
        until: Timestamp | None = None,
        include: Sequence[str] = (),
        is_overview: bool | None = None,
    ) -> Items:
        params = _query(
            since=since, until=until, is_overview=is_overview, arrays={"include": include}
        )
        route = "/incidents/{id}/log_entries"
        return self._pages(route, "log_entries", {"id": incident_id}, params)

    def log_entries(
        self,
        *,
        since: Timestamp | None = None,
        until: Timestamp | None = None,
        include: Sequence[str] = (),
        is_overview: bool | None = None,
    ) -> Items:
        """Every log entry of the account in a window: how the reconciler finds missed events."""
        params = _query(
            since=since, until=until, is_overview=is_overview, arrays={"include": include}
        )
        return self._pages("/log_entries", "log_entries", params=params)

    # -- services, priorities, escalation policies ---------------------------------------------
    def services(self, query: str | None = None, include: Sequence[str] = ()) -> Items:
        params = _query(query=query, arrays={"include": include})
        return self._pages("/services", "services", params=params)

    async def service(self, service_id: str, include: Sequence[str] = ()) -> JSON:
        route = "/services/{id}"
        params = _query(arrays={"include": include})
        body = await self._json("GET", route, {"id": service_id}, params=params)
        return self._unwrap(body, "service", "GET", route)

    async def priorities(self) -> list[JSON]:
        """The account's priorities, most severe first (PagerDuty's own order)."""
        return [p async for p in self._pages("/priorities", "priorities")]

    def escalation_policies(self, query: str | None = None) -> Items:
        params = _query(query=query)
        return self._pages("/escalation_policies", "escalation_policies", params=params)

    # -- users ---------------------------------------------------------------------------------
    def users(self, query: str | None = None, include: Sequence[str] = ()) -> Items:
        params = _query(query=query, arrays={"include": include})
        return self._pages("/users", "users", params=params)

    async def user(self, user_id: str) -> JSON:
        body = await self._json("GET", "/users/{id}", {"id": user_id})
        return self._unwrap(body, "user", "GET", "/users/{id}")

    async def find_user_by_email(self, email: str) -> JSON | None:
        """`query` also matches names and parts of addresses; only an exact email counts."""
        wanted = email.casefold()
        async with aclosing(self.users(query=email)) as users:
            async for user in users:
                if str(user.get("email", "")).casefold() == wanted:
                    return user
        return None

    async def me(self) -> JSON:
        body = await self._json("GET", "/users/me")
        return self._unwrap(body, "user", "GET", "/users/me")

    async def token_kind(self) -> TokenKind:
        """ "account" for an account API key (acts for nobody: `From` is needed), else "user"."""
        try:
            await self.me()
        except RemoteError as error:
            if error.status == 400 and ACCOUNT_LEVEL_HINT in error.message:
                return "account"
            raise
        return "user"

    # -- webhook subscriptions -----------------------------------------------------------------
    def webhook_subscriptions(
        self, filter_type: str | None = None, filter_id: str | None = None
    ) -> Items:
        params = _query(filter_type=filter_type, filter_id=filter_id)
        return self._pages("/webhook_subscriptions", "webhook_subscriptions", params=params)

    async def create_webhook_subscription(
        self,
        url: str,
        events: Sequence[str],
        *,
        filter_type: str = "account_reference",
        filter_id: str | None = None,
        description: str = "jirasync",
        custom_headers: Mapping[str, str] | None = None,
    ) -> JSON:
        """Create a v3 subscription. The answer holds the signing secret, shown only this once."""
        delivery: JSON = {"type": "http_delivery_method", "url": url}
        if custom_headers:
            delivery["custom_headers"] = [
                {"name": k, "value": v} for k, v in custom_headers.items()
            ]
        subscription: JSON = {
            "type": "webhook_subscription",
            "delivery_method": delivery,
            "description": description,
            "events": list(events),
            "filter": _filter(filter_type, filter_id),
            "active": True,
        }
        route = "/webhook_subscriptions"
        body = await self._json("POST", route, json={"webhook_subscription": subscription})
        return self._unwrap(body, "webhook_subscription", "POST", route)

    async def webhook_subscription(self, subscription_id: str) -> JSON:
        route = "/webhook_subscriptions/{id}"
        body = await self._json("GET", route, {"id": subscription_id})
        return self._unwrap(body, "webhook_subscription", "GET", route)

    async def update_webhook_subscription(
        self,
        subscription_id: str,
        *,
        events: Sequence[str] | None = None,
        description: str | None = None,
        filter_type: str | None = None,
        filter_id: str | None = None,
        active: bool | None = None,
    ) -> JSON:
        """Change what a subscription sends; its delivery method cannot change."""
        changes: JSON = {}
        if events is not None:
            changes["events"] = list(events)
        if description is not None:
            changes["description"] = description
        if filter_type is not None:
            changes["filter"] = _filter(filter_type, filter_id)
        if active is not None:
            changes["active"] = active
        route = "/webhook_subscriptions/{id}"
        body = await self._json(
            "PUT", route, {"id": subscription_id}, json={"webhook_subscription": changes}
        )
        return self._unwrap(body, "webhook_subscription", "PUT", route)

    async def delete_webhook_subscription(self, subscription_id: str) -> None:
        await self.request("DELETE", "/webhook_subscriptions/{id}", {"id": subscription_id})

    async def enable_webhook_subscription(self, subscription_id: str) -> JSON:
        """Re-enable a subscription PagerDuty disabled after repeated delivery failures."""
        route = "/webhook_subscriptions/{id}/enable"
        body = await self._json("POST", route, {"id": subscription_id})
        return self._unwrap(body, "webhook_subscription", "POST", route)

    async def ping_webhook_subscription(self, subscription_id: str) -> None:
        """Ask PagerDuty to send a `pagey.ping` event to the subscription (202, no body)."""
        await self.request("POST", "/webhook_subscriptions/{id}/ping", {"id": subscription_id})

    # -- custom fields and abilities -------------------------------------------------------------
    async def custom_field_values(self, incident_id: str) -> list[JSON]:
        route = "/incidents/{id}/custom_fields/values"
        body = await self._json("GET", route, {"id": incident_id})
        return self._unwrap_list(body, "custom_fields", "GET", route)

    async def set_custom_field_values(
        self, incident_id: str, values: Mapping[str, Any]
    ) -> list[JSON]:
        """Set incident custom fields by name (e.g. the linked Jira issue key)."""
        route = "/incidents/{id}/custom_fields/values"
        fields = [{"name": name, "value": value} for name, value in values.items()]
        body = await self._json("PUT", route, {"id": incident_id}, json={"custom_fields": fields})
        return self._unwrap_list(body, "custom_fields", "PUT", route)

    async def has_ability(self, ability: str) -> bool:
        """Whether the account's plan includes `ability` (204 yes, 402 no)."""
        try:
            await self.request("GET", "/abilities/{id}", {"id": ability})
        except RemoteError as error:
            if error.status == 402:
                return False
            raise
        return True

    # -- plumbing ------------------------------------------------------------------------------
    def _from(self, acting_as: str | None) -> dict[str, str]:
        email = acting_as or self.from_email
        return {"From": email} if email else {}

    async def _pages(
        self,
        route: str,
        wrapper: str,
        path_params: Mapping[str, object] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Items:
        """Every item of a classic (limit/offset/more) list, page by page."""
        offset = 0
        while True:
            limit = min(PAGE_SIZE, OFFSET_CAP - offset)
            if limit <= 0:
                raise self._cap_error(route)
            query = {**(params or {}), "limit": limit, "offset": offset}
            page = await self._json("GET", route, path_params, params=query)
            items = self._unwrap_list(page, wrapper, "GET", route)
            for item in items:
                yield item
            offset += len(items)
            if not items or not page.get("more"):
                return

    def _cap_error(self, route: str) -> PagingCapReached:
        message = (
            f"PagerDuty lists stop at offset {OFFSET_CAP}; narrow the query "
            "(since/until or filters) to see the rest"
        )
        return PagingCapReached(self.system, "GET", route, None, message)

    async def _json(
        self, method: str, route: str, path_params: Mapping[str, object] | None = None, **kw: Any
    ) -> JSON:
        response = await self.request(method, route, path_params, **kw)
        if not response.content:
            return {}
        body = response.json()
        if not isinstance(body, dict):
            raise self._shape_error(method, route, response.status_code, "an object")
        return body

    def _unwrap(self, body: JSON, wrapper: str, method: str, route: str) -> JSON:
        value = body.get(wrapper)
        if not isinstance(value, dict):
            raise self._shape_error(method, route, 200, f'an object under "{wrapper}"')
        return value

    def _unwrap_list(self, body: JSON, wrapper: str, method: str, route: str) -> list[JSON]:
        value = body.get(wrapper)
        if not isinstance(value, list):
            raise self._shape_error(method, route, 200, f'a list under "{wrapper}"')
        return value

    def _shape_error(self, method: str, route: str, status: int, expected: str) -> RemoteError:
        message = f"expected {expected} in the response body"
        return RemoteError(self.system, method, route, status, message)


def _read_error_body(error: RemoteError, raw: object) -> None:
    """Fill `error` from `{"message","code","errors"}` (or the bare string of /users/me)."""
    if isinstance(raw, str) and raw:
        error.message = raw
        return
    if not isinstance(raw, dict) or "message" not in raw:
        return
    reasons = raw.get("errors") or []
    if isinstance(reasons, dict):  # the newer shape: {"field.path": ["why", ...]}
        error.details.update({str(k): _joined(v) for k, v in reasons.items()})
        reasons = []
    texts = [str(r) for r in reasons] if isinstance(reasons, list) else [str(reasons)]
    message = str(raw["message"])
    error.message = f"{message}: {'; '.join(texts)}" if texts else message
    if raw.get("code") is not None:
        error.details["code"] = str(raw["code"])


def _joined(value: object) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def _query(*, arrays: Mapping[str, Sequence[str]] | None = None, **scalars: object) -> JSON:
    """Query params without the unset ones; arrays go out as repeated `name[]=v`."""
    params: JSON = {name: _text(v) for name, v in scalars.items() if v is not None}
    params.update({f"{name}[]": list(v) for name, v in (arrays or {}).items() if v})
    return params


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.isoformat()
    return str(value)


def _ref(object_id: str, kind: str) -> JSON:
    return {"id": object_id, "type": kind}


def _assignments(user_ids: Sequence[str]) -> list[JSON]:
    return [{"assignee": _ref(user_id, "user_reference")} for user_id in user_ids]


def _filter(filter_type: str, filter_id: str | None) -> JSON:
    scope: JSON = {"type": filter_type}
    if filter_id is not None:
        scope["id"] = filter_id
    return scope


def _same_key(incident: JSON, key: str) -> bool:
    # Incidents made from alerts have no key of their own; PagerDuty matched their alert_key.
    return incident.get("incident_key") in (key, None)


def _on_service(incident: JSON, service_id: str) -> bool:
    service = incident.get("service")
    return isinstance(service, dict) and service.get("id") == service_id
