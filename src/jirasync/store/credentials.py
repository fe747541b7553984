"""Connection credentials at rest: a JSON object of secrets, sealed with the service's key.

Only these functions touch `Connection.credentials_encrypted`. Credentials go in and come out
as pydantic models whose secret fields are `SecretStr`, so they do not leak into logs or reprs
on their way to an HTTP client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, SecretStr

from jirasync.crypto import SecretBox
from jirasync.store.models import Connection

M = TypeVar("M", bound=BaseModel)


def seal_credentials(
    connection: Connection, box: SecretBox, credentials: BaseModel | Mapping[str, Any]
) -> None:
    plain = (
        credentials.model_dump(exclude_none=True)
        if isinstance(credentials, BaseModel)
        else credentials
    )
    connection.credentials_encrypted = box.encrypt(json.dumps(_reveal(plain)))


def open_credentials(connection: Connection, box: SecretBox, model: type[M]) -> M:
    """The credentials as `model`; raises pydantic's ValidationError when they do not fit."""
    plain = (
        json.loads(box.decrypt(connection.credentials_encrypted).get_secret_value())
        if connection.credentials_encrypted
        else {}
    )
    return model.model_validate(plain)


def _reveal(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Mapping):
        return {str(k): _reveal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_reveal(v) for v in value]
    return value


def reseal_credentials(connection: Connection, old: SecretBox, new: SecretBox) -> None:
    """Seal the stored credentials under `new` (key rotation); ValueError if `old` cannot open
    them."""
    if connection.credentials_encrypted:
        plain = old.decrypt(connection.credentials_encrypted)
        connection.credentials_encrypted = new.encrypt(plain.get_secret_value())
