"""Jira client details that do not need the simulator: error bodies, auth headers, paging."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from oauthlib.oauth1.rfc5849 import signature

from jirasync.connectors.jira import BearerAuth, JiraClient, OAuth1RsaAuth, basic_auth
from jirasync.core.errors import RemoteError


def remote(handler: object) -> httpx.MockTransport:
    return httpx.MockTransport(handler)  # type: ignore[arg-type]


async def test_jira_error_collection_becomes_the_error_message() -> None:
    body = {
        "errorMessages": [],
        "errors": {"summary": "You must specify a summary of the issue."},
    }
    client = JiraClient(
        "http://jira", auth=None, transport=remote(lambda r: httpx.Response(400, json=body))
    )
    with pytest.raises(RemoteError) as caught:
        await client.create_issue({"project": {"key": "OPS"}})
    assert caught.value.details == {"summary": "You must specify a summary of the issue."}
    assert caught.value.message == "Jira refused the field values"
    assert not caught.value.transient

    body = {"errorMessages": ["Issue Does Not Exist"], "errors": {}}
    client = JiraClient(
        "http://jira", auth=None, transport=remote(lambda r: httpx.Response(404, json=body))
    )
    with pytest.raises(RemoteError, match="Issue Does Not Exist"):
        await client.get_issue("OPS-404")


async def test_basic_and_bearer_auth_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"name": "admin"})

    await JiraClient(
        "http://jira", auth=basic_auth("admin", "pw"), transport=remote(handler)
    ).myself()
    await JiraClient("http://jira", auth=BearerAuth("tok"), transport=remote(handler)).myself()
    expected_basic = "Basic " + base64.b64encode(b"admin:pw").decode()
    assert [r.headers["authorization"] for r in seen] == [expected_basic, "Bearer tok"]
    assert all(r.headers["x-atlassian-token"] == "no-check" for r in seen)


class SignedRequest:
    """What oauthlib's verifier reads from a request."""

    def __init__(self, request: httpx.Request) -> None:
        header = {"Authorization": request.headers["authorization"]}
        self.http_method = request.method
        self.uri = str(request.url)
        query = request.url.query.decode()
        self.params = signature.collect_parameters(uri_query=query, headers=header)
        oauth = dict(signature.collect_parameters(headers=header, exclude_oauth_signature=False))
        assert oauth["oauth_consumer_key"] == "jirasync" and oauth["oauth_token"] == "access"
        assert oauth["oauth_signature_method"] == "RSA-SHA1"
        self.signature = oauth["oauth_signature"]


async def test_oauth1_rsa_signature_verifies_with_the_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    verified: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        verified.append(signature.verify_rsa_sha1(SignedRequest(request), public_pem))
        return httpx.Response(200, json={"issues": [], "total": 0})

    auth = OAuth1RsaAuth("jirasync", private_pem, "access", "")
    client = JiraClient("http://jira/ctx", auth=auth, transport=remote(handler))
    assert [i async for i in client.search("project = OPS")] == []
    assert verified == [True]


async def test_search_pages_until_total() -> None:
    issues = [{"key": f"OPS-{n}"} for n in range(1, 251)]
    requests: list[dict[str, object]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        requests.append(body)
        start, size = body["startAt"], body["maxResults"]
        page = issues[start : start + size]
        return httpx.Response(200, json={"startAt": start, "total": len(issues), "issues": page})

    client = JiraClient("http://jira", auth=None, transport=remote(handler))
    keys = [i["key"] async for i in client.search("project = OPS", fields=["status"])]
    assert keys == [i["key"] for i in issues]
    assert [r["startAt"] for r in requests] == [0, 100, 200]
    assert requests[0]["fields"] == ["status"]
