"""Service configuration: `JIRASYNC_*` environment variables over an optional YAML file.

Precedence, highest first: explicit arguments, environment (`JIRASYNC_WORKER__CONCURRENCY=16`
for nested values), the YAML file (`--config` or `JIRASYNC_CONFIG`), then the defaults below.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/jirasync.db"


class RetrySettings(BaseModel):
    """How transient failures are retried before an event is dead-lettered."""

    max_attempts: int = Field(default=8, ge=1)
    backoff_base_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=900.0, gt=0)
    # A remote's Retry-After is honoured up to this bound, so a bogus header cannot park an
    # event for days.
    retry_after_max_seconds: float = Field(default=3600.0, gt=0)


class WorkerSettings(BaseModel):
    """The queue consumer inside `serve` and `worker`."""

    concurrency: int = Field(default=8, ge=1)
    lease_seconds: float = Field(default=60.0, gt=0)
    poll_interval_seconds: float = Field(default=0.5, gt=0)
    shutdown_grace_seconds: float = Field(default=10.0, ge=0)
    handler_modules: list[str] = Field(
        default_factory=list,
        description="Extra `module:function` hooks that register handlers (tests, plug-ins).",
    )


class ReconcilerSettings(BaseModel):
    """The periodic catch-up that recovers changes whose webhook never arrived."""

    enabled: bool = True
    interval_seconds: float = Field(default=60.0, gt=0)
    # Polled windows start this much before the last change seen: remote clocks and
    # minute-rounded stamps must not let a change slip between two passes.
    overlap_seconds: float = Field(default=120.0, ge=0)


class MonitoringSettings(BaseModel):
    """What readiness checks beyond the database and the worker loop, and where a lone worker
    serves its metrics."""

    # Readiness turns false when an event that could run has waited longer than this (the
    # workers are stuck or overwhelmed). None: queue lag is reported, never judged.
    queue_lag_max_seconds: float | None = Field(default=300.0, gt=0)
    # `jirasync worker` has no web server; it serves /metrics on this port when set.
    worker_metrics_port: int | None = Field(default=None, ge=0, le=65535)


# A list an environment variable gives as `a,b` (or as JSON); YAML gives real lists.
Names = Annotated[list[str], NoDecode]


class OidcSettings(BaseModel):
    """Single sign-on for the UI with an OpenID Connect provider (Okta, Entra ID, Keycloak,
    Google...), beside the local accounts. Off unless `enabled`."""

    enabled: bool = False
    issuer: str | None = Field(
        default=None, description="Discovery is read from ISSUER/.well-known/openid-configuration."
    )
    client_id: str | None = None
    client_secret: SecretStr | None = None
    scopes: Names = Field(default_factory=lambda: ["openid", "email", "profile"])
    groups_claim: str = "groups"
    admin_groups: Names = Field(default_factory=list)
    viewer_groups: Names = Field(default_factory=list)
    # The first of these claims the id_token carries names the local account.
    username_claims: Names = Field(default_factory=lambda: ["preferred_username", "email"])
    display_name: str = Field(default="single sign-on", min_length=1, max_length=60)

    @field_validator("scopes", "admin_groups", "viewer_groups", "username_claims", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            if value.lstrip().startswith("["):
                return json.loads(value)
            return [name.strip() for name in value.split(",") if name.strip()]
        return value

    @model_validator(mode="after")
    def _complete_when_enabled(self) -> OidcSettings:
        if not self.enabled:
            return self
        missing = [
            f"JIRASYNC_OIDC__{name.upper()}"
            for name in ("issuer", "client_id", "client_secret")
            if not getattr(self, name)
        ]
        if not (self.admin_groups or self.viewer_groups):
            missing.append("JIRASYNC_OIDC__ADMIN_GROUPS or JIRASYNC_OIDC__VIEWER_GROUPS")
        if missing:
            raise ValueError(f"OIDC sign-on is enabled but incomplete: set {', '.join(missing)}")
        if "openid" not in self.scopes:
            raise ValueError("JIRASYNC_OIDC__SCOPES must include 'openid'")
        if not self.username_claims:
            raise ValueError("JIRASYNC_OIDC__USERNAME_CLAIMS must name at least one claim")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="JIRASYNC_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    # A secret: PostgreSQL URLs may carry a password.
    database_url: SecretStr = SecretStr(DEFAULT_DATABASE_URL)
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    secret_key: SecretStr | None = Field(
        default=None,
        description="Fernet key for credentials at rest; generated into data_dir if absent.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["auto", "json", "pretty"] = "auto"
    public_url: str | None = Field(
        default=None,
        description="URL at which Jira, PagerDuty and HackerOne reach this service "
        "(webhook callbacks); default http://HOST:PORT.",
    )
    migrate_on_start: bool = True
    run_worker: bool = True
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    retry: RetrySettings = Field(default_factory=RetrySettings)
    reconciler: ReconcilerSettings = Field(default_factory=ReconcilerSettings)
    monitoring: MonitoringSettings = Field(default_factory=MonitoringSettings)
    oidc: OidcSettings = Field(default_factory=OidcSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, YamlConfigSettingsSource(settings_cls))

    @property
    def database(self) -> str:
        return self.database_url.get_secret_value()

    @property
    def callback_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Settings from the environment and the YAML file (argument, else `JIRASYNC_CONFIG`)."""
    path = config_file or _env_config_file()
    if path is None:
        return Settings(**overrides)  # type: ignore[arg-type]
    if not path.is_file():
        raise FileNotFoundError(f"configuration file not found: {path}")
    with_file = type(
        "Settings",
        (Settings,),
        {"model_config": SettingsConfigDict(**{**Settings.model_config, "yaml_file": path})},
    )
    return with_file(**overrides)  # type: ignore[no-any-return]


def _env_config_file() -> Path | None:
    value = os.environ.get("JIRASYNC_CONFIG")
    return Path(value) if value else None
