"""`X-PagerDuty-Signature`: `v1=<hex HMAC-SHA256(secret, raw body)>`, one entry per active
secret, comma-separated (reference §3.3)."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, body: bytes) -> str:
    return "v1=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_header(secrets: list[str], body: bytes) -> str:
    return ",".join(signature(s, body) for s in secrets)


def verify(header: str, secret: str, body: bytes) -> bool:
    """True when any `v1=` entry of `header` matches; other versions are ignored."""
    expected = signature(secret, body)
    entries = [e.strip() for e in header.split(",")]
    return any(hmac.compare_digest(e, expected) for e in entries if e.startswith("v1="))
