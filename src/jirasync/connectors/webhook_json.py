"""A webhook body as JSON: whatever the bytes, a JSON value or MalformedEvent saying why not.

`json.loads` alone also raises ValueError for integers over Python's 4,300-digit limit,
RecursionError for deep nesting, and lets lone UTF-16 surrogates (`"\\ud800"`) through as text
that the database and httpx cannot encode later.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jirasync.core.events import MalformedEvent

_SURROGATE = re.compile("[\ud800-\udfff]")
# In a UTF-8 body a surrogate can only come from a `\\uD800`-`\\uDFFF` escape or from its three
# bytes (json.loads decodes with "surrogatepass"). Bodies without either, nearly all, skip the
# walk over every string of the parsed value.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def load_json(raw: bytes) -> Any:
    try:
        value = json.loads(raw)
    except UnicodeDecodeError as exc:
        raise MalformedEvent(f"body is not JSON: {exc}") from exc
    except ValueError as exc:  # JSONDecodeError, and integers over the digit limit
        raise MalformedEvent(f"body is not JSON: {exc}") from exc
    except RecursionError:
        raise MalformedEvent("body is not JSON we read: nested too deeply") from None
    if _may_hold_surrogate(raw) and _holds_surrogate(value):
        raise MalformedEvent("body is not JSON we read: a string holds a lone UTF-16 surrogate")
    return value


def _may_hold_surrogate(raw: bytes) -> bool:
    if not isinstance(raw, bytes | bytearray) or json.detect_encoding(raw) != "utf-8":
        return True
    # Plain substring tests first: far faster than a regex scan of the whole body.
    if b"\xed" in raw:
        return True
    return b"\\u" in raw and _SURROGATE_ESCAPE.search(raw) is not None


def _holds_surrogate(value: Any) -> bool:
    # A loop, not recursion: the body may be nested almost as deep as json.loads allows.
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
