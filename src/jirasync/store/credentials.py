"""Connection credentials at rest: a JSON object of secrets, sealed with the service's key.

Only these two functions touch `Connection.credentials_encrypted`; the values come back as
`SecretStr` so they do not leak into logs or reprs on their way to an HTTP client.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from pydantic import SecretStr

from jirasync.crypto import SecretBox
from jirasync.store.models import Connection


def seal_credentials(
    connection: Connection, box: SecretBox, credentials: Mapping[str, str | SecretStr]
) -> None:
    plain = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in credentials.items()
    }
    connection.credentials_encrypted = box.encrypt(json.dumps(plain))


def open_credentials(connection: Connection, box: SecretBox) -> dict[str, SecretStr]:
    if not connection.credentials_encrypted:
        return {}
    plain = json.loads(box.decrypt(connection.credentials_encrypted).get_secret_value())
    return {name: SecretStr(value) for name, value in plain.items()}
