"""The app with its REST API on a fresh SQLite database, an admin and a viewer account, and an
API token of each role. Seeding goes through the same functions the CLI uses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from jirasync.access.accounts import create_token, hash_password
from jirasync.config import Settings
from jirasync.engine.service import Service
from jirasync.store.models import Account, AccountRole
from jirasync.web.app import create_app

ADMIN_PASSWORD = "admin-password-1"
VIEWER_PASSWORD = "viewer-password-1"
# Hashed once: argon2 is slow on purpose, and every test starts with both accounts.
_HASHES = {
    "admin": hash_password(SecretStr(ADMIN_PASSWORD)),
    "viewer": hash_password(SecretStr(VIEWER_PASSWORD)),
}


@dataclass
class Api:
    client: TestClient
    service: Service
    admin_token: str
    viewer_token: str

    def as_admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def as_viewer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.viewer_token}"}

    def run(self, coroutine: object) -> object:
        """Run a coroutine on the app's event loop (the store's connections live there)."""
        return self.client.portal.call(lambda: coroutine)  # type: ignore[union-attr,arg-type,return-value]


def settings(tmp_path: Path) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}",
        data_dir=tmp_path / "data",
        public_url="http://jirasync.test",
        log_level="warning",
    )


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    service = Service(settings(tmp_path))
    app = create_app(service, run_worker=False)
    with TestClient(app, base_url="http://jirasync.test") as client:

        async def seed() -> tuple[str, str]:
            db = service.db
            async with db.sessions() as session, session.begin():
                for name, hashed in _HASHES.items():
                    session.add(Account(username=name, password_hash=hashed, role=name))
            admin = await create_token(db, "admin token", AccountRole.ADMIN)
            viewer = await create_token(db, "viewer token", AccountRole.VIEWER)
            return admin.token.get_secret_value(), viewer.token.get_secret_value()

        assert client.portal is not None
        admin_token, viewer_token = client.portal.call(seed)
        yield Api(client, service, admin_token, viewer_token)


def login(client: TestClient, username: str, password: str) -> str:
    """Sign in with the session cookie; returns the CSRF token."""
    answer = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    return token
