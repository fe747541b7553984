"""A thin async client for the Jira Server / Data Center REST API v2: only the calls the sync
makes, errors carrying Jira's own messages, every call named by its route template.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import httpx

from jirasync.connectors.http import ApiClient, RetryOptions
from jirasync.core.errors import RemoteError

JSON = dict[str, Any]
API = "/rest/api/2"
WEBHOOKS = "/rest/webhooks/1.0/webhook"
# Jira Server caps search pages at 1000 (jira.search.views.default.max); ask for less.
SEARCH_PAGE = 100


class JiraClient(ApiClient):
    system = "jira"

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None,
        timeout_s: float = 15.0,
        retry: RetryOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            auth=auth,
            # The XSRF check of Jira rejects some writes without this header.
            headers={"Accept": "application/json", "X-Atlassian-Token": "no-check"},
            timeout_s=timeout_s,
            retry=retry,
            transport=transport,
        )

    def error_from(self, method: str, path: str, response: httpx.Response) -> RemoteError:
        error = super().error_from(method, path, response)
        try:
            body = response.json()
        except ValueError:
            return error
        if isinstance(body, dict):
            messages = [str(m) for m in body.get("errorMessages") or []]
            fields = body.get("errors") or {}
            if isinstance(fields, dict):
                error.details = {str(k): str(v) for k, v in fields.items()}
            if messages:
                error.message = "; ".join(messages)
            elif error.details:
                error.message = "Jira refused the field values"
        return error

    # -- server and metadata -------------------------------------------------------------------
    async def server_info(self) -> JSON:
        return await self._json("GET", f"{API}/serverInfo")

    async def myself(self) -> JSON:
        return await self._json("GET", f"{API}/myself")

    async def priorities(self) -> list[JSON]:
        return await self._json_list("GET", f"{API}/priority")

    async def statuses(self) -> list[JSON]:
        return await self._json_list("GET", f"{API}/status")

    async def fields(self) -> list[JSON]:
        return await self._json_list("GET", f"{API}/field")

    async def projects(self) -> list[JSON]:
        """The projects the account can browse."""
        return await self._json_list("GET", f"{API}/project")

    async def project(self, key: str) -> JSON:
        return await self._json("GET", f"{API}/project/{{key}}", {"key": key})

    async def create_issue_types(self, project: str) -> list[JSON]:
        """Issue types that can be created in `project` (the paged createmeta of 8.4+)."""
        route = f"{API}/issue/createmeta/{{project}}/issuetypes"
        return [t async for t in self._paged_values(route, {"project": project})]

    async def create_fields(self, project: str, issue_type_id: str) -> list[JSON]:
        route = f"{API}/issue/createmeta/{{project}}/issuetypes/{{type}}"
        params = {"project": project, "type": issue_type_id}
        return [f async for f in self._paged_values(route, params)]

    async def find_users(self, query: str) -> list[JSON]:
        return await self._json_list("GET", f"{API}/user/search", params={"username": query})

    # -- issues --------------------------------------------------------------------------------
    async def get_issue(
        self, key: str, fields: Sequence[str] | None = None, expand: Sequence[str] = ()
    ) -> JSON:
        params: dict[str, str] = {}
        if fields is not None:
            params["fields"] = ",".join(fields)
        if expand:
            params["expand"] = ",".join(expand)
        return await self._json("GET", f"{API}/issue/{{key}}", {"key": key}, params=params)

    async def create_issue(self, fields: Mapping[str, Any]) -> JSON:
        """Create an issue; Jira answers `{id, key, self}` only."""
        return await self._json("POST", f"{API}/issue", json={"fields": dict(fields)})

    async def edit_issue(
        self,
        key: str,
        fields: Mapping[str, Any] | None = None,
        update: Mapping[str, Any] | None = None,
    ) -> None:
        body: JSON = {}
        if fields:
            body["fields"] = dict(fields)
        if update:
            body["update"] = dict(update)
        await self.request(
            "PUT", f"{API}/issue/{{key}}", {"key": key}, json=body, params={"notifyUsers": "false"}
        )

    async def transitions(self, key: str, with_fields: bool = True) -> list[JSON]:
        params = {"expand": "transitions.fields"} if with_fields else {}
        body = await self._json(
            "GET", f"{API}/issue/{{key}}/transitions", {"key": key}, params=params
        )
        return list(body.get("transitions") or [])

    async def transition(
        self,
        key: str,
        transition_id: str,
        fields: Mapping[str, Any] | None = None,
        update: Mapping[str, Any] | None = None,
    ) -> None:
        body: JSON = {"transition": {"id": transition_id}}
        if fields:
            body["fields"] = dict(fields)
        if update:
            body["update"] = dict(update)
        await self.request("POST", f"{API}/issue/{{key}}/transitions", {"key": key}, json=body)

    async def assign(self, key: str, username: str | None) -> None:
        route = f"{API}/issue/{{key}}/assignee"
        await self.request("PUT", route, {"key": key}, json={"name": username})

    # -- comments ------------------------------------------------------------------------------
    async def add_comment(self, key: str, body: str) -> JSON:
        route = f"{API}/issue/{{key}}/comment"
        return await self._json("POST", route, {"key": key}, json={"body": body})

    async def comments(self, key: str) -> AsyncIterator[JSON]:
        """Every comment of an issue, oldest first (Server pages them by startAt/total)."""
        route = f"{API}/issue/{{key}}/comment"
        start = 0
        while True:
            params = {"startAt": start, "maxResults": 100}
            page = await self._json("GET", route, {"key": key}, params=params)
            values = page.get("comments") or []
            for value in values:
                yield value
            start += len(values)
            if not values or start >= int(page.get("total") or 0):
                return

    async def edit_comment(self, key: str, comment_id: str, body: str) -> JSON:
        route = f"{API}/issue/{{key}}/comment/{{id}}"
        return await self._json("PUT", route, {"key": key, "id": comment_id}, json={"body": body})

    async def delete_comment(self, key: str, comment_id: str) -> None:
        route = f"{API}/issue/{{key}}/comment/{{id}}"
        await self.request("DELETE", route, {"key": key, "id": comment_id})

    # -- remote links and attachments ------------------------------------------------------------
    async def put_remote_link(
        self, key: str, global_id: str, url: str, title: str, summary: str | None = None
    ) -> JSON:
        """Create or update (by globalId) the link from an issue to an incident or report."""
        link: JSON = {"url": url, "title": title}
        if summary:
            link["summary"] = summary
        body = {"globalId": global_id, "object": link}
        return await self._json("POST", f"{API}/issue/{{key}}/remotelink", {"key": key}, json=body)

    async def remote_links(self, key: str) -> list[JSON]:
        return await self._json_list("GET", f"{API}/issue/{{key}}/remotelink", {"key": key})

    async def add_attachment(self, key: str, filename: str, content: bytes) -> list[JSON]:
        route = f"{API}/issue/{{key}}/attachments"
        files = {"file": (filename, content, "application/octet-stream")}
        return await self._json_list("POST", route, {"key": key}, files=files)

    # -- search --------------------------------------------------------------------------------
    async def search(
        self, jql: str, fields: Sequence[str] = ("*navigable",), expand: Sequence[str] = ()
    ) -> AsyncIterator[JSON]:
        """Every issue matching `jql`, page by page."""
        start = 0
        while True:
            body: JSON = {
                "jql": jql,
                "startAt": start,
                "maxResults": SEARCH_PAGE,
                "fields": list(fields),
            }
            if expand:
                body["expand"] = list(expand)
            page = await self._json("POST", f"{API}/search", json=body)
            issues = page.get("issues") or []
            for issue in issues:
                yield issue
            start += len(issues)
            if not issues or start >= int(page.get("total", 0)):
                return

    # -- webhooks ------------------------------------------------------------------------------
    async def webhooks(self) -> list[JSON]:
        return await self._json_list("GET", WEBHOOKS)

    async def create_webhook(self, webhook: Mapping[str, Any]) -> JSON:
        return await self._json("POST", WEBHOOKS, json=dict(webhook))

    async def update_webhook(self, webhook_id: str, webhook: Mapping[str, Any]) -> JSON:
        route = f"{WEBHOOKS}/{{id}}"
        return await self._json("PUT", route, {"id": webhook_id}, json=dict(webhook))

    async def delete_webhook(self, webhook_id: str) -> None:
        await self.request("DELETE", f"{WEBHOOKS}/{{id}}", {"id": webhook_id})

    # -- plumbing ------------------------------------------------------------------------------
    async def _json(
        self, method: str, route: str, path_params: Mapping[str, object] | None = None, **kw: Any
    ) -> JSON:
        response = await self.request(method, route, path_params, **kw)
        if not response.content:
            return {}
        body = response.json()
        if not isinstance(body, dict):
            raise self._shape_error(method, route, response, "an object")
        return body

    async def _json_list(
        self, method: str, route: str, path_params: Mapping[str, object] | None = None, **kw: Any
    ) -> list[JSON]:
        response = await self.request(method, route, path_params, **kw)
        body = response.json()
        if not isinstance(body, list):
            raise self._shape_error(method, route, response, "a list")
        return body

    async def _paged_values(
        self, route: str, path_params: Mapping[str, object]
    ) -> AsyncIterator[JSON]:
        start = 0
        while True:
            page = await self._json(
                "GET", route, path_params, params={"startAt": start, "maxResults": 50}
            )
            values = page.get("values") or []
            for value in values:
                yield value
            start += len(values)
            if not values or page.get("isLast", True):
                return

    def _shape_error(
        self, method: str, route: str, response: httpx.Response, expected: str
    ) -> RemoteError:
        message = f"expected {expected} in the response body"
        return RemoteError(self.system, method, route, response.status_code, message)
