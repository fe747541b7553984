"""OAuth 1.0a (RSA-SHA1) through an application link: the `jira` client with an access token,
and the three-legged dance with the request token approved through `/_sim/`."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jira import JIRA
from requests_oauthlib import OAuth1Session

from jirasync.serving import ServerThread
from jirasync.sim.jira.seed import default_seed


@pytest.fixture(scope="module")
def key_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture
def linked(jira: httpx.Client, key_pair: tuple[str, str]) -> dict[str, Any]:
    seed = default_seed()
    seed["applicationLinks"] = [{"consumerKey": "hackerone", "publicKey": key_pair[1]}]
    seed["oauthTokens"] = [
        {"consumerKey": "hackerone", "user": "alice", "token": "tok-1", "secret": "sec-1"}
    ]
    jira.post("/_sim/seed", content=yaml.safe_dump(seed)).raise_for_status()
    return {"consumer_key": "hackerone", "key_cert": key_pair[0]}


def test_jira_client_with_oauth(linked: dict[str, Any], jira_server: ServerThread) -> None:
    oauth = {**linked, "access_token": "tok-1", "access_token_secret": "sec-1"}
    client = JIRA(jira_server.url, oauth=oauth)  # tries HMAC-SHA1 first: answered 401
    assert client.myself()["name"] == "alice"
    assert client.issue("OPS-1").key == "OPS-1"


def test_bad_signature_and_unknown_consumer_are_401(
    linked: dict[str, Any], jira_server: ServerThread
) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    forged = other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    session = OAuth1Session("hackerone", signature_method="RSA-SHA1", rsa_key=forged,
                            resource_owner_key="tok-1", resource_owner_secret="sec-1")  # fmt: skip
    response = session.get(jira_server.url + "/rest/api/2/myself")
    assert response.status_code == 401
    assert "signature_invalid" in response.headers["WWW-Authenticate"]
    stranger = OAuth1Session("nobody", signature_method="RSA-SHA1", rsa_key=linked["key_cert"],
                             resource_owner_key="tok-1", resource_owner_secret="sec-1")  # fmt: skip
    assert (
        "consumer_key_unknown"
        in stranger.get(jira_server.url + "/rest/api/2/myself").headers["WWW-Authenticate"]
    )


def test_three_legged_dance(
    linked: dict[str, Any], jira: httpx.Client, jira_server: ServerThread
) -> None:
    servlet = jira_server.url + "/plugins/servlet/oauth"
    session = OAuth1Session(
        "hackerone", signature_method="RSA-SHA1", rsa_key=linked["key_cert"], callback_uri="oob"
    )
    request_token = session.fetch_request_token(servlet + "/request-token")
    approved = jira.post(
        "/_sim/jira/oauth/approve", json={"token": request_token["oauth_token"], "user": "bob"}
    ).json()
    session = OAuth1Session(
        "hackerone",
        signature_method="RSA-SHA1",
        rsa_key=linked["key_cert"],
        resource_owner_key=request_token["oauth_token"],
        resource_owner_secret=request_token["oauth_token_secret"],
        verifier=approved["verifier"],
    )
    access = session.fetch_access_token(servlet + "/access-token")
    client = JIRA(
        jira_server.url,
        oauth={**linked, "access_token": access["oauth_token"],
               "access_token_secret": access["oauth_token_secret"], "signature_method": "RSA-SHA1"},
    )  # fmt: skip
    assert client.myself()["name"] == "bob"


def test_browser_authorize_redirects_to_the_callback(
    linked: dict[str, Any], jira_server: ServerThread
) -> None:
    servlet = jira_server.url + "/plugins/servlet/oauth"
    session = OAuth1Session(
        "hackerone",
        signature_method="RSA-SHA1",
        rsa_key=linked["key_cert"],
        callback_uri="https://h1.example/callback",
    )
    token = session.fetch_request_token(servlet + "/request-token")["oauth_token"]
    anonymous = httpx.get(servlet + "/authorize", params={"oauth_token": token})
    assert anonymous.status_code == 401
    approved = httpx.get(
        servlet + "/authorize", params={"oauth_token": token}, auth=("admin", "admin")
    )
    assert approved.status_code == 302
    assert approved.headers["location"].startswith("https://h1.example/callback?oauth_token=")
