"""`jirasync sim jira|pagerduty|hackerone`: run one simulator as a real HTTP server."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Annotated

import typer
import yaml

from jirasync.serving import bind_socket, serve, socket_url
from jirasync.sim import SIMULATORS

app = typer.Typer(
    help="Run a simulator of Jira Server, PagerDuty or HackerOne.", no_args_is_help=True
)

HostOpt = Annotated[str, typer.Option(help="Address to listen on.")]
PortOpt = Annotated[
    int | None, typer.Option(help="Port (default: 8080 Jira, 8081 PagerDuty, 8082 HackerOne).")
]
SeedOpt = Annotated[
    Path | None,
    typer.Option(
        exists=True, dir_okay=False, help="YAML seed file; the built-in default seed without it."
    ),
]
BaseUrlOpt = Annotated[
    str | None, typer.Option(help="Public base URL for self links (default http://HOST:PORT).")
]
RemoteOpt = Annotated[
    bool, typer.Option(help="Let non-loopback clients use the /_sim/ control API.")
]
OptionOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--option",
        "-o",
        help="Simulator option KEY=VALUE (YAML value), e.g. -o version=8.20.1; repeatable.",
    ),
]


def _options(pairs: list[str] | None) -> dict[str, object]:
    options: dict[str, object] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="--option")
        options[key.strip()] = yaml.safe_load(value) if value else ""
    return options


def _run(
    name: str,
    host: str,
    port: int | None,
    seed: Path | None,
    base_url: str | None,
    allow_remote_control: bool,
    options: list[str] | None,
    state_file: Path | None = None,
) -> None:
    from jirasync.sim.common import SeedError, SimConfig, load_seed_file

    try:
        seed_data = load_seed_file(seed) if seed else None
    except SeedError as exc:
        raise typer.BadParameter(str(exc), param_hint="--seed") from exc
    sock = bind_socket(host, SIMULATORS[name] if port is None else port)
    config = SimConfig(
        base_url=base_url or socket_url(sock),
        seed=seed_data,
        state_file=state_file,
        allow_remote_control=allow_remote_control,
        options=_options(options),
    )
    module = importlib.import_module(f"jirasync.sim.{name}")
    try:
        app = module.create_app(config)
    except SeedError as exc:  # valid YAML that does not describe a consistent state
        raise typer.BadParameter(str(exc), param_hint="--seed") from exc
    typer.echo(f"{name} simulator on {config.base_url} (control API: {config.base_url}/_sim/)")
    serve(app, sock)


@app.command()
def jira(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = None,
    seed: SeedOpt = None,
    base_url: BaseUrlOpt = None,
    allow_remote_control: RemoteOpt = False,
    option: OptionOpt = None,
    state_file: Annotated[
        Path | None, typer.Option(help="Keep the state in this file across restarts.")
    ] = None,
) -> None:
    """Jira Server / Data Center (REST API v2, webhooks, workflows)."""
    _run("jira", host, port, seed, base_url, allow_remote_control, option, state_file)


@app.command()
def pagerduty(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = None,
    seed: SeedOpt = None,
    base_url: BaseUrlOpt = None,
    allow_remote_control: RemoteOpt = False,
    option: OptionOpt = None,
) -> None:
    """PagerDuty (REST API v2, Events API v2, webhooks v3)."""
    _run("pagerduty", host, port, seed, base_url, allow_remote_control, option)


@app.command()
def hackerone(
    host: HostOpt = "127.0.0.1",
    port: PortOpt = None,
    seed: SeedOpt = None,
    base_url: BaseUrlOpt = None,
    allow_remote_control: RemoteOpt = False,
    option: OptionOpt = None,
) -> None:
    """HackerOne (customer API v1, signed webhooks)."""
    _run("hackerone", host, port, seed, base_url, allow_remote_control, option)
