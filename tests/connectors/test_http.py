"""The shared client base: retries of refused calls, Retry-After, errors, call reports."""

from __future__ import annotations

import json

import httpx
import pytest

from jirasync.connectors.http import (
    ApiClient,
    RemoteCall,
    RetryOptions,
    listening,
    retry_after_seconds,
)
from jirasync.core.errors import RemoteError

FAST = RetryOptions(max_attempts=3, max_wait_s=1.0, base_backoff_s=0.001)


def scripted(
    *answers: httpx.Response | Exception,
) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A remote that gives these answers in order (then repeats the last)."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


async def test_429_with_retry_after_is_retried_then_succeeds() -> None:
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "0"}), httpx.Response(200, json={"ok": 1})
    )
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    response = await client.request("GET", "/things/{id}", {"id": "a b"})
    assert response.json() == {"ok": 1}
    assert [r.url.raw_path for r in seen] == [b"/things/a%20b", b"/things/a%20b"]
    assert client.calls == {"GET /things/{id}": 2}


async def test_retry_after_beyond_the_wait_limit_goes_back_to_the_engine() -> None:
    transport, seen = scripted(
        httpx.Response(429, headers={"Retry-After": "120"}, text="slow down")
    )
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    with pytest.raises(RemoteError) as caught:
        await client.request("POST", "/things")
    assert len(seen) == 1
    assert caught.value.transient and caught.value.retry_after == 120
    assert caught.value.status == 429 and "slow down" in caught.value.message


async def test_400_is_permanent_and_not_retried() -> None:
    transport, seen = scripted(httpx.Response(400, text="bad field"))
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    with pytest.raises(RemoteError) as caught:
        await client.request("PUT", "/things/1")
    assert len(seen) == 1 and not caught.value.transient


async def test_500_is_transient_but_not_repeated_by_the_client() -> None:
    transport, seen = scripted(httpx.Response(500))
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    with pytest.raises(RemoteError) as caught:
        await client.request("GET", "/things/1")
    assert len(seen) == 1 and caught.value.transient


async def test_timeout_repeats_get_but_never_post() -> None:
    timeout = httpx.ReadTimeout("read timed out")
    transport, seen = scripted(timeout, httpx.Response(200, json={}))
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    assert (await client.request("GET", "/x")).status_code == 200
    assert len(seen) == 2

    transport, seen = scripted(timeout, httpx.Response(201, json={}))
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    with pytest.raises(RemoteError) as caught:
        await client.request("POST", "/x")
    assert len(seen) == 1
    assert caught.value.status is None and caught.value.transient
    assert "ReadTimeout" in caught.value.message


async def test_every_call_is_reported_to_the_listener_of_its_context() -> None:
    transport, _ = scripted(httpx.Response(503), httpx.Response(204))
    client = ApiClient("http://remote", transport=transport, retry=FAST)
    heard: list[RemoteCall] = []
    with listening(heard.append):
        await client.request("DELETE", "/things/{id}", {"id": 7})
    await client.request("DELETE", "/things/{id}", {"id": 8})  # nobody listening
    assert [(c.method, c.route, c.path, c.status) for c in heard] == [
        ("DELETE", "/things/{id}", "/things/7", 503),
        ("DELETE", "/things/{id}", "/things/7", 204),
    ]
    assert all(c.duration_ms >= 0 for c in heard)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"})) == 7
    past = httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    assert retry_after_seconds(past) == 0
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Response(429)) is None


def test_remote_error_text_names_system_route_status_and_message() -> None:
    error = RemoteError("jira", "POST", "/rest/api/2/issue", 400, "bad", {"summary": "required"})
    assert str(error) == "jira POST /rest/api/2/issue → HTTP 400: bad (summary: required)"
    assert json.dumps(error.details) == '{"summary": "required"}'
