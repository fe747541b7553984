from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr

from jirasync.config import DEFAULT_DATABASE_URL, load_settings
from jirasync.crypto import SecretBox, load_or_create_key


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("JIRASYNC_"):
            monkeypatch.delenv(name)


def test_defaults() -> None:
    settings = load_settings()
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.log_format == "auto"
    assert settings.worker.concurrency == 8


def test_environment_overrides_the_yaml_file(tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "jirasync.yaml"
    config.write_text(
        "database_url: postgresql+asyncpg://db/jirasync\n"
        "port: 9000\n"
        "worker:\n  concurrency: 4\n  lease_seconds: 10\n"
        "retry:\n  max_attempts: 2\n"
    )
    monkeypatch.setenv("JIRASYNC_PORT", "9100")
    monkeypatch.setenv("JIRASYNC_WORKER__CONCURRENCY", "16")
    settings = load_settings(config)
    assert settings.database_url == "postgresql+asyncpg://db/jirasync"
    assert settings.port == 9100
    assert settings.worker.concurrency == 16
    assert settings.worker.lease_seconds == 10
    assert settings.retry.max_attempts == 2
    monkeypatch.setenv("JIRASYNC_CONFIG", str(config))
    assert load_settings().retry.max_attempts == 2


def test_unknown_keys_and_missing_files_are_errors(tmp_path: Path) -> None:
    config = tmp_path / "bad.yaml"
    config.write_text("databse_url: sqlite://\n")
    with pytest.raises(ValueError, match="databse_url"):
        load_settings(config)
    with pytest.raises(FileNotFoundError):
        load_settings(tmp_path / "missing.yaml")


def test_the_secret_key_never_shows_in_reprs(monkeypatch) -> None:
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("JIRASYNC_SECRET_KEY", key)
    settings = load_settings()
    assert key not in repr(settings)
    assert key not in str(settings.model_dump())
    assert key not in repr(SecretBox(settings.secret_key))


def test_a_key_is_generated_once_and_reused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    key = load_or_create_key(None, data)
    assert load_or_create_key(None, data).get_secret_value() == key.get_secret_value()
    assert (data / "secret.key").stat().st_mode & 0o777 == 0o600
    box = SecretBox(key)
    token = box.encrypt("pat-123")
    assert "pat-123" not in token
    assert box.decrypt(token).get_secret_value() == "pat-123"
    other = SecretBox(SecretStr(Fernet.generate_key().decode()))
    with pytest.raises(ValueError, match="cannot be decrypted"):
        other.decrypt(token)


def test_a_configured_key_must_be_valid(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        load_or_create_key(SecretStr("not-a-key"), tmp_path)
    assert not (tmp_path / "secret.key").exists()
