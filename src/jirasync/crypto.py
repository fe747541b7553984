"""Secrets at rest: connection credentials are Fernet-encrypted with the service's key.

The key comes from the settings (`JIRASYNC_SECRET_KEY`) or from `<data_dir>/secret.key`, which
is generated on first start. Losing that file makes stored credentials unreadable.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

from jirasync.log import get_logger

KEY_FILE_NAME = "secret.key"

log = get_logger(__name__)


class SecretBox:
    """Encrypts and decrypts short secrets (tokens, passwords, private keys)."""

    def __init__(self, key: SecretStr) -> None:
        self._fernet = Fernet(key.get_secret_value().encode())
        self._key = key.get_secret_value().encode()

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def derive_key(self, purpose: str) -> SecretStr:
        """A key for another use (signing session cookies), so one secret serves them all;
        knowing a derived key reveals neither the service's key nor another derived key."""
        return SecretStr(hmac.new(self._key, purpose.encode(), hashlib.sha256).hexdigest())

    def decrypt(self, ciphertext: str) -> SecretStr:
        try:
            return SecretStr(self._fernet.decrypt(ciphertext.encode()).decode())
        except InvalidToken as exc:
            raise ValueError("secret cannot be decrypted with this service's key") from exc


def load_or_create_key(configured: SecretStr | None, data_dir: Path) -> SecretStr:
    """The configured key, else the key file in data_dir, else a new key written there."""
    if configured is not None:
        Fernet(configured.get_secret_value().encode())  # fail fast on a malformed key
        return configured
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return SecretStr(path.read_text().strip())
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    # Create with owner-only permissions from the start, never readable by others.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    log.warning(
        "secret_key.generated",
        path=str(path),
        hint="back this file up: stored credentials cannot be decrypted without it",
    )
    return SecretStr(key)
