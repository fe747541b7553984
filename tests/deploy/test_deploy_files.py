"""The container image, the compose example and the systemd unit, checked without Docker (no
daemon here): their structure, that every JIRASYNC_* they set is a setting jirasync accepts, and
that the image's health check command works against a real jirasync."""

from __future__ import annotations

import configparser
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from jirasync.config import Settings
from jirasync.engine.service import Service
from jirasync.serving import ServerThread
from jirasync.web.app import create_app

ROOT = Path(__file__).parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) pairs, continuation lines joined, comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n\s*", " ", "\n".join(lines))
    return [
        (parts[0].upper(), parts[1] if len(parts) > 1 else "")
        for parts in (line.strip().split(None, 1) for line in joined.splitlines() if line.strip())
    ]


def final_stage() -> list[tuple[str, str]]:
    instructions = dockerfile()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    return instructions[last_from:]


def env_settings(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    """Settings as jirasync would load them from `env` alone; every name must be a setting
    (pydantic-settings ignores unknown ones, so a misspelt name would go unnoticed)."""
    assert [name for name in env if not is_setting(name)] == []
    for name in [n for n in os.environ if n.startswith("JIRASYNC_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def is_setting(name: str) -> bool:
    model: Any = Settings
    for part in name.removeprefix("JIRASYNC_").lower().split("__"):
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return False
        model = field.annotation
    return True


def test_misspelt_settings_are_noticed() -> None:
    assert is_setting("JIRASYNC_MONITORING__WORKER_METRICS_PORT")
    assert not is_setting("JIRASYNC_MONITORING__WORKER_METRIC_PORT")
    assert not is_setting("JIRASYNC_DATABASE")


def test_the_image_is_built_in_stages_and_runs_serve_as_an_unprivileged_user() -> None:
    stages = [args for op, args in dockerfile() if op == "FROM"]
    assert len(stages) >= 2 and " AS build" in stages[0]
    final = dict(final_stage())
    user = final["USER"].split(":")[0]
    assert user.isdigit() and int(user) >= 1000
    assert "/var/lib/jirasync" in final["VOLUME"]
    assert yaml.safe_load(final["ENTRYPOINT"]) == ["jirasync"]
    assert yaml.safe_load(final["CMD"]) == ["serve"]
    # The runtime stage gets the built environment, not the sources or uv.
    copies = [args for op, args in final_stage() if op == "COPY"]
    assert copies == ["--from=build /opt/jirasync /opt/jirasync"]


def test_the_image_settings_are_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    env = dict(re.findall(r"(JIRASYNC_\w+)=(\S+)", dict(final_stage())["ENV"]))
    settings = env_settings(monkeypatch, env)
    assert (settings.host, settings.data_dir) == ("0.0.0.0", Path("/var/lib/jirasync"))
    assert settings.database == "sqlite+aiosqlite:////var/lib/jirasync/jirasync.db"


def health_command() -> list[str]:
    check = dict(final_stage())["HEALTHCHECK"]
    command: list[str] = yaml.safe_load(check.split(" CMD ", 1)[1])
    return [sys.executable if command[0] == "python" else command[0], *command[1:]]


def test_the_health_check_command_passes_on_a_live_jirasync_and_fails_without_one(
    tmp_path: Path,
) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}", data_dir=tmp_path / "d"
    )
    with ServerThread(lambda _: create_app(Service(settings), run_worker=False)) as server:
        port = server.url.rsplit(":", 1)[1]
        alive = subprocess.run(
            health_command(), env={"JIRASYNC_PORT": port}, capture_output=True, timeout=30
        )
    assert alive.returncode == 0, alive.stderr
    gone = subprocess.run(
        health_command(), env={"JIRASYNC_PORT": port}, capture_output=True, timeout=30
    )
    assert gone.returncode != 0


def test_only_what_the_build_needs_is_sent_to_docker() -> None:
    patterns = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert patterns[patterns.index("*") :][:1] == ["*"]
    # hatchling needs the readme named in pyproject.toml.
    assert {"!pyproject.toml", "!uv.lock", "!README.md", "!src/"} <= set(patterns)


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(
        (ROOT / "deploy" / "docker-compose.yml").read_text(encoding="utf-8")
    )
    return document


def interpolate(value: str) -> str:
    """Compose's ${NAME:?message} / ${NAME:-default} with test values."""
    values = {"POSTGRES_PASSWORD": "pw", "JIRASYNC_SECRET_KEY": _KEY}

    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3) or ""
        return values.get(name, default)

    return re.sub(r"\$\{(\w+)(:[?-]([^}]*))?\}", one, value)


_KEY = "S2V5Rm9yVGVzdHNPbmx5S2V5Rm9yVGVzdHNPbmx5MDA="


def test_compose_runs_postgres_and_two_jirasync_processes_on_one_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "jirasync", "worker"}
    assert services["jirasync"]["command"] == ["serve"]
    assert services["worker"]["command"] == ["worker"]
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]
    assert services["jirasync"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    # The worker does not migrate: it waits for `serve`, which does.
    assert services["worker"]["depends_on"]["jirasync"]["condition"] == "service_healthy"

    envs = {
        name: {k: interpolate(str(v)) for k, v in services[name]["environment"].items()}
        for name in ("jirasync", "worker")
    }
    for key in ("JIRASYNC_SECRET_KEY", "JIRASYNC_DATABASE_URL"):
        assert envs["jirasync"][key] == envs["worker"][key]
    for env in envs.values():
        settings = env_settings(monkeypatch, env)
        assert settings.database.startswith("postgresql+asyncpg://jirasync:pw@postgres:5432/")
        assert settings.secret_key is not None
    assert env_settings(monkeypatch, envs["worker"]).monitoring.worker_metrics_port == 9100
    password = services["postgres"]["environment"]["POSTGRES_PASSWORD"]
    assert interpolate(password) == "pw"


def test_the_systemd_unit_serves_with_valid_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(_unit_without_repeats())
    service = unit["Service"]
    assert shlex.split(service["ExecStart"])[1:] == ["serve"]
    assert service["User"] == "jirasync" and service["StateDirectory"] == "jirasync"
    env = dict(line.split("=", 1) for line in service["Environment"].splitlines() if line)
    settings = env_settings(monkeypatch, env)
    assert settings.data_dir == Path("/var/lib/jirasync")


def _unit_without_repeats() -> str:
    """systemd allows a key many times (Environment=); configparser wants it once."""
    text = (ROOT / "deploy" / "jirasync.service").read_text(encoding="utf-8")
    environment = re.findall(r"^Environment=(.*)$", text, flags=re.M)
    text = re.sub(r"^Environment=.*\n", "", text, flags=re.M)
    lines = "\n    ".join(environment)
    return text.replace("[Service]\n", f"[Service]\nEnvironment=\n    {lines}\n", 1)
