"""A thin async client for the HackerOne customer API v1: only the calls the sync makes,
JSON:API documents in and out, `links.next` paging, back-off on 429 (HackerOne sends no
Retry-After), errors carrying HackerOne's own `errors` entries.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from jirasync.connectors.http import ApiClient, RetryOptions
from jirasync.core.errors import RemoteError

JSON = dict[str, Any]
Timestamp = datetime | str
Amount = int | float | Decimal
Items = AsyncGenerator[JSON, None]

BASE_URL = "https://api.hackerone.com"
API = "/v1"
PAGE_SIZE = 100  # the most HackerOne returns per page
# Writes are limited to 25 per 20 s and a 429 carries no hint of when to come back: wait
# 2 s, 4 s, 8 s (with jitter), then hand the call back to the engine as transient.
DEFAULT_RETRY = RetryOptions(max_attempts=4, max_wait_s=30.0, base_backoff_s=2.0)
# Multipart field of POST /reports/attachments. Not confirmed by a recording; the HackerOne
# simulator must accept the same name.
ATTACHMENT_FIELD = "files[]"

# What a bare `{"errors": [{"status": N}]}` means, in words the activity log can show.
BARE_STATUS_MESSAGES = {
    401: "HackerOne did not accept the API identifier and token",
    403: "HackerOne refused: the API token's groups lack this permission, the report is not "
    "visible to it (an unknown report also answers 403), or the IP is not allowed",
    404: "HackerOne found nothing here, or the token lacks the permission HackerOne reports "
    "as 404 (bounties, swag, weakness, attachments)",
    429: "HackerOne rate limit reached (600 reads per minute, 25 writes per 20 seconds)",
    500: "HackerOne internal error",
}


class ApiTokenAuth(httpx.BasicAuth):
    """HTTP Basic with the API token identifier as user name and the token as password."""

    def __init__(self, identifier: str, token: str) -> None:
        super().__init__(identifier, token)
        self.identifier = identifier

    def __repr__(self) -> str:
        return f"ApiTokenAuth({self.identifier!r}, <redacted>)"


@dataclass(frozen=True)
class ActivityPage:
    """One page of /incremental/activities and the cursor to ask from next time."""

    activities: list[JSON]
    max_updated_at: str | None  # None on an empty page: keep the cursor you had


class HackerOneClient(ApiClient):
    system = "hackerone"

    def __init__(
        self,
        base_url: str = BASE_URL,
        *,
        auth: httpx.Auth | None,
        timeout_s: float = 15.0,
        retry: RetryOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout_s=timeout_s,
            retry=retry or DEFAULT_RETRY,
            transport=transport,
        )
        # User names HackerOne shows as the actor of what this token writes (learned from the
        # answers): the token's own activities coming back by webhook are recognised as echo.
        self.acting_users: set[str] = set()

    def error_from(self, method: str, path: str, response: httpx.Response) -> RemoteError:
        error = super().error_from(method, path, response)
        try:
            body = response.json()
        except ValueError:
            body = None  # empty or HTML: the status alone still says something
        message, details = _read_errors(body)
        if message is None:
            message = BARE_STATUS_MESSAGES.get(response.status_code)
        if message is not None:
            error.message = message
        error.details.update(details)
        return error

    # -- reports -------------------------------------------------------------------------------
    async def report(self, report_id: str) -> JSON:
        """A report with its relationships embedded (reporter, assignee, severity, activities…)."""
        return await self._data("GET", f"{API}/reports/{{id}}", {"id": report_id})

    def reports(
        self,
        programs: Sequence[str] = (),
        *,
        inbox_ids: Sequence[str] = (),
        states: Sequence[str] = (),
        filters: Mapping[str, Timestamp | int | bool] | None = None,
        sort: str | None = None,
    ) -> Items:
        """Reports of programs (handles) or inboxes; `filters` take HackerOne's names without
        `filter[...]`, e.g. `{"last_activity_at__gt": since, "issue_tracker_reference_id__null":
        True}`; `sort` e.g. "-reports.last_activity_at"."""
        if not programs and not inbox_ids:
            raise ValueError("HackerOne lists reports of programs or inboxes: name at least one")
        params: list[tuple[str, str]] = [("filter[program][]", p) for p in programs]
        params += [("filter[inbox_ids][]", i) for i in inbox_ids]
        params += [("filter[state][]", s) for s in states]
        params += [(f"filter[{k}]", _text(v)) for k, v in (filters or {}).items()]
        if sort:
            params.append(("sort", sort))
        return self._pages(f"{API}/reports", params)

    async def update_title(self, report_id: str, title: str) -> JSON:
        body = {"data": {"type": "report-title", "attributes": {"title": title}}}
        return await self._data("PUT", f"{API}/reports/{{id}}/title", {"id": report_id}, body)

    async def update_weakness(self, report_id: str, weakness_id: int) -> JSON:
        attrs = {"weakness_id": weakness_id}
        body = {"data": {"type": "report-weakness", "attributes": attrs}}
        return await self._data("PUT", f"{API}/reports/{{id}}/weakness", {"id": report_id}, body)

    async def update_severity(
        self,
        report_id: str,
        rating: str | None = None,
        *,
        message: str | None = None,
        metrics: Mapping[str, str] | None = None,
    ) -> JSON:
        """Set the rating (none…critical), or CVSS `metrics` incl. `calculation_method`."""
        attrs: JSON = dict(metrics or {})
        if rating is not None:
            attrs["rating"] = rating
        if message is not None:
            attrs["message"] = message
        body = {"data": {"type": "severity", "attributes": attrs}}
        route = f"{API}/reports/{{id}}/severities"
        return await self._data("POST", route, {"id": report_id}, body)

    # -- activities on a report ----------------------------------------------------------------
    async def add_comment(
        self, report_id: str, message: str, *, internal: bool, attachment_ids: Sequence[str] = ()
    ) -> JSON:
        """Post a comment; `internal` has no default because a public one reaches the hacker."""
        attrs: JSON = {"message": message, "internal": internal}
        if attachment_ids:
            attrs["attachment_ids"] = list(attachment_ids)
        body = {"data": {"type": "activity-comment", "attributes": attrs}}
        route = f"{API}/reports/{{id}}/activities"
        activity = await self._data("POST", route, {"id": report_id}, body)
        actor = _dig(activity, "relationships", "actor", "data", "attributes", "username")
        if isinstance(actor, str) and actor:
            self.acting_users.add(actor)
        return activity

    async def change_state(
        self,
        report_id: str,
        state: str,
        message: str | None = None,
        *,
        original_report_id: str | None = None,
        attachment_ids: Sequence[str] = (),
    ) -> JSON:
        """Move a report to `state`; HackerOne wants a message for needs-more-info,
        informative and duplicate, and `original_report_id` with duplicate."""
        attrs: JSON = {"state": state}
        if message is not None:
            attrs["message"] = message
        if original_report_id is not None:
            attrs["original_report_id"] = original_report_id
        if attachment_ids:
            attrs["attachment_ids"] = list(attachment_ids)
        body = {"data": {"type": "state-change", "attributes": attrs}}
        route = f"{API}/reports/{{id}}/state_changes"
        return await self._data("POST", route, {"id": report_id}, body)

    async def set_issue_tracker_reference(
        self, report_id: str, reference: str, message: str | None = None
    ) -> JSON:
        """Record the Jira issue key on the report; returns the updated report."""
        attrs: JSON = {"reference": reference}
        if message is not None:
            attrs["message"] = message
        body = {"data": {"type": "issue-tracker-reference-id", "attributes": attrs}}
        route = f"{API}/reports/{{id}}/issue_tracker_reference_id"
        answer = await self._json("POST", route, {"id": report_id}, json=body)
        # HackerOne answers `{"relationships": {"report": {"data": report}}}`, no top `data`.
        report = answer.get("data") or _dig(answer, "relationships", "report", "data")
        if not isinstance(report, dict):
            raise self._shape_error("POST", route, 200, "the report")
        return report

    async def assign_to_user(
        self, report_id: str, user_id: str, message: str | None = None
    ) -> JSON:
        return await self._assign(report_id, {"type": "user", "id": user_id}, message)

    async def assign_to_group(
        self, report_id: str, group_id: str, message: str | None = None
    ) -> JSON:
        return await self._assign(report_id, {"type": "group", "id": group_id}, message)

    async def unassign(self, report_id: str, message: str | None = None) -> JSON:
        return await self._assign(report_id, {"type": "nobody"}, message)

    async def close_comments(self, report_id: str) -> JSON:
        """Lock a closed report against further comments."""
        body = {"data": {"type": "activity-comments-closed"}}
        route = f"{API}/reports/{{id}}/close_comments"
        return await self._data("PUT", route, {"id": report_id}, body)

    # -- rewards -------------------------------------------------------------------------------
    async def award_bounty(
        self, report_id: str, message: str, amount: Amount, bonus_amount: Amount | None = None
    ) -> JSON:
        """Award a bounty; `message` is public. Returns the bounty (amounts as strings)."""
        data: JSON = {"message": message, "amount": _number(amount)}
        if bonus_amount is not None:
            data["bonus_amount"] = _number(bonus_amount)
        route = f"{API}/reports/{{id}}/bounties"
        return await self._data("POST", route, {"id": report_id}, {"data": data})

    async def suggest_bounty(
        self,
        report_id: str,
        message: str,
        amount: Amount | None = None,
        bonus_amount: Amount | None = None,
    ) -> JSON:
        """Suggest a bounty (internal); returns the `activity-bounty-suggested`."""
        data: JSON = {"message": message}
        if amount is not None:
            data["amount"] = _number(amount)
        if bonus_amount is not None:
            data["bonus_amount"] = _number(bonus_amount)
        route = f"{API}/reports/{{id}}/bounty_suggestions"
        return await self._data("POST", route, {"id": report_id}, {"data": data})

    async def award_swag(self, report_id: str, message: str) -> JSON:
        route = f"{API}/reports/{{id}}/swags"
        return await self._data("POST", route, {"id": report_id}, {"data": {"message": message}})

    # -- attachments ---------------------------------------------------------------------------
    async def download(self, url: str, max_bytes: int = 50 * 1024 * 1024) -> bytes:
        """An attachment's content from its `expiring_url`.

        Expiring URLs are pre-signed (object storage): fetched without our credentials, which
        must never reach another host.
        """
        absolute = url if "://" in url else f"{self.base_url}/{url.lstrip('/')}"
        async with httpx.AsyncClient(timeout=60.0, follow_redirects=True) as plain:
            response = await plain.get(absolute)
        if not response.is_success:
            raise RemoteError(
                self.system, "GET", "attachment", response.status_code, "download refused"
            )
        if len(response.content) > max_bytes:
            raise RemoteError(
                self.system, "GET", "attachment", 413, f"attachment over {max_bytes} bytes"
            )
        return response.content

    async def upload_attachments(self, files: Sequence[tuple[str, bytes, str]]) -> list[JSON]:
        """Upload (file name, content, content type) files; their ids go in `attachment_ids`."""
        parts = [(ATTACHMENT_FIELD, (name, content, kind)) for name, content, kind in files]
        answer = await self._json("POST", f"{API}/reports/attachments", files=parts)
        data = answer.get("data")
        if isinstance(data, dict):
            return [data]
        if isinstance(data, list):
            return data
        raise self._shape_error("POST", f"{API}/reports/attachments", 200, "attachments")

    # -- activities feed -----------------------------------------------------------------------
    async def activity(self, activity_id: str) -> JSON:
        return await self._data("GET", f"{API}/activities/{{id}}", {"id": activity_id})

    async def activity_pages(
        self,
        handle: str,
        *,
        updated_at_after: Timestamp | None = None,
        report_id: str | None = None,
    ) -> AsyncGenerator[ActivityPage, None]:
        """Activities of a program changed after a moment, page by page with the cursor
        (`meta.max_updated_at`) of each page: what the reconciler replays."""
        params = [("handle", handle)]
        if updated_at_after is not None:
            params.append(("updated_at_after", _text(updated_at_after)))
        if report_id is not None:
            params.append(("report_id", report_id))
        async for page in self._raw_pages(f"{API}/incremental/activities", params):
            meta = page.get("meta")
            cursor = meta.get("max_updated_at") if isinstance(meta, dict) else None
            yield ActivityPage(_data_list(page), cursor)

    async def activities_since(
        self, handle: str, updated_at_after: Timestamp | None = None
    ) -> ActivityPage:
        """All activities after the cursor, and the cursor to keep for next time."""
        found: list[JSON] = []
        cursor = _text(updated_at_after) if updated_at_after is not None else None
        async for page in self.activity_pages(handle, updated_at_after=updated_at_after):
            found.extend(page.activities)
            cursor = page.max_updated_at or cursor
        return ActivityPage(found, cursor)

    # -- programs and users --------------------------------------------------------------------
    async def program(self, program_id: str) -> JSON:
        """A program with its `groups` (name, permissions) and `members` (user)."""
        return await self._data("GET", f"{API}/programs/{{id}}", {"id": program_id})

    def my_programs(self) -> Items:
        """The programs the API token belongs to (id and handle)."""
        return self._pages(f"{API}/me/programs", [])

    async def user(self, username: str) -> JSON:
        return await self._data("GET", f"{API}/users/{{username}}", {"username": username})

    # -- plumbing ------------------------------------------------------------------------------
    async def _assign(self, report_id: str, assignee: JSON, message: str | None) -> JSON:
        data = dict(assignee)
        if message is not None:
            data["attributes"] = {"message": message}
        route = f"{API}/reports/{{id}}/assignee"
        return await self._data("PUT", route, {"id": report_id}, {"data": data})

    async def _pages(self, route: str, params: list[tuple[str, str]]) -> Items:
        async for page in self._raw_pages(route, params):
            for item in _data_list(page):
                yield item

    async def _raw_pages(
        self, route: str, params: list[tuple[str, str]]
    ) -> AsyncGenerator[JSON, None]:
        """Each page of a list, following `links.next` until it is absent."""
        query = [*params, ("page[size]", str(PAGE_SIZE))]
        while True:
            page = await self._json("GET", route, params=query)
            yield page
            following = _next_query(page)
            if not _data_list(page) or following is None or following == query:
                return
            query = following

    async def _data(
        self,
        method: str,
        route: str,
        path_params: Mapping[str, object],
        body: JSON | None = None,
    ) -> JSON:
        answer = await self._json(method, route, path_params, json=body)
        data = answer.get("data")
        if not isinstance(data, dict):
            raise self._shape_error(method, route, 200, 'an object under "data"')
        return data

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

    def _shape_error(self, method: str, route: str, status: int, expected: str) -> RemoteError:
        message = f"expected {expected} in the response body"
        return RemoteError(self.system, method, route, status, message)


def _read_errors(body: object) -> tuple[str | None, dict[str, str]]:
    """HackerOne's message and the parameter at fault from `{"errors": [...]}` (or the odd
    `{"data": {"error": "..."}}` / `{"error": "..."}`); (None, {}) when it says nothing."""
    if not isinstance(body, dict):
        return None, {}
    errors = body.get("errors")
    if isinstance(errors, list):
        return _from_error_list(errors)
    odd = body.get("error") or _dig(body, "data", "error")
    return (str(odd), {}) if odd else (None, {})


def _from_error_list(errors: list[object]) -> tuple[str | None, dict[str, str]]:
    texts: list[str] = []
    details: dict[str, str] = {}
    for entry in errors:
        if isinstance(entry, str):
            texts.append(entry)
            continue
        if not isinstance(entry, dict):
            continue
        said = [str(entry[k]) for k in ("title", "detail") if entry.get(k)]
        if said:
            texts.append(": ".join(said))
        parameter = _dig(entry, "source", "parameter") or _dig(entry, "source", "pointer")
        if parameter:
            details["parameter"] = str(parameter)
    return ("; ".join(texts) or None), details


def _next_query(page: JSON) -> list[tuple[str, str]] | None:
    """The query of `links.next`. Only the query is used, so the credentials never go to
    another host and the call keeps its route name."""
    links = page.get("links")
    link = links.get("next") if isinstance(links, dict) else None
    if not isinstance(link, str) or not link:
        return None
    return parse_qsl(urlsplit(link).query, keep_blank_values=True)


def _data_list(page: JSON) -> list[JSON]:
    data = page.get("data")
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _dig(value: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _text(value: object) -> str:
    """Query values: datetimes as HackerOne writes them (UTC, milliseconds, Z)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(value)


def _number(amount: Amount) -> int | float:
    if isinstance(amount, Decimal):
        return int(amount) if amount == amount.to_integral_value() else float(amount)
    return amount
