"""`jirasync serve`, `jirasync worker`, `jirasync migrate`: run the service, a queue worker
alone, or the schema migrations."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Annotated

import typer
from prometheus_client import start_http_server
from pydantic import ValidationError

from jirasync.config import Settings, load_settings
from jirasync.engine.service import Service
from jirasync.log import configure_logging, get_logger
from jirasync.serving import bind_socket, serve, socket_url
from jirasync.store.db import Database
from jirasync.store.migrate import current_revision, upgrade

log = get_logger(__name__)

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        exists=True,
        dir_okay=False,
        envvar="JIRASYNC_CONFIG",
        help="YAML configuration file (JIRASYNC_* environment variables override it).",
    ),
]
HandlersOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--handlers", help="Extra `module:function` that registers handlers (repeatable)."
    ),
]


def _settings(config: Path | None, **overrides: object) -> Settings:
    try:
        settings = load_settings(config, **{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        # Where and what only: an error's input may be a secret.
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        typer.echo("jirasync cannot start: " + "; ".join(problems), err=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_level, settings.log_format)
    return settings


def _with_handlers(settings: Settings, handlers: list[str] | None) -> Settings:
    if not handlers:
        return settings
    worker = settings.worker.model_copy(
        update={"handler_modules": [*settings.worker.handler_modules, *handlers]}
    )
    return settings.model_copy(update={"worker": worker})


def serve_command(
    config: ConfigOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [8000].")] = None,
    migrate: Annotated[bool, typer.Option(help="Migrate the database on start.")] = True,
    worker: Annotated[bool, typer.Option(help="Run the queue worker in this process.")] = True,
    handlers: HandlersOpt = None,
) -> None:
    """Run the service: migrate, start the worker loop, serve HTTP."""
    from jirasync.web.app import create_app

    settings = _with_handlers(_settings(config, host=host, port=port), handlers)
    service = Service(settings)
    app = create_app(
        service,
        migrate=migrate and settings.migrate_on_start,
        run_worker=worker and settings.run_worker,
    )
    sock = bind_socket(settings.host, settings.port)
    log.info("serve.listening", url=socket_url(sock), database=repr(service.db))
    # uvicorn shuts down gracefully on SIGINT/SIGTERM, then re-raises the signal to the handler
    # that was installed before it; a no-op there makes a clean stop exit with status 0.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _after_graceful_shutdown)
    serve(app, sock, settings.log_level, own_logging=True)


def _after_graceful_shutdown(signum: int, frame: object) -> None:
    log.info("serve.exit", signal=signal.Signals(signum).name)


def worker_command(
    config: ConfigOpt = None,
    concurrency: Annotated[int | None, typer.Option(help="Events run at once.")] = None,
    migrate: Annotated[bool, typer.Option(help="Migrate the database first.")] = False,
    handlers: HandlersOpt = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(help="Serve Prometheus /metrics on this port (at JIRASYNC_HOST)."),
    ] = None,
) -> None:
    """Run a queue worker without the web server (scale out on PostgreSQL)."""
    settings = _with_handlers(_settings(config), handlers)
    if concurrency is not None:
        worker = settings.worker.model_copy(update={"concurrency": concurrency})
        settings = settings.model_copy(update={"worker": worker})
    port = metrics_port if metrics_port is not None else settings.monitoring.worker_metrics_port
    asyncio.run(_run_worker(Service(settings), migrate=migrate, metrics_port=port))


async def _run_worker(service: Service, *, migrate: bool, metrics_port: int | None) -> None:
    from jirasync.sync.reconciler import reconciling
    from jirasync.sync.runtime import install

    runtime = install(service)
    await service.start(migrate=migrate, run_worker=True)
    assert service.worker is not None
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, service.worker.stop)
    if metrics_port is not None:
        # The worker's own counters (attempts, remote calls); the queue gauges come from the
        # `serve` processes, which read them from the database at scrape time.
        start_http_server(metrics_port, addr=service.settings.host)
        log.info("worker.metrics", url=f"http://{service.settings.host}:{metrics_port}/metrics")
    try:
        async with reconciling(runtime, service.inbox, service.settings.reconciler):
            await service.wait()
    finally:
        await service.stop()
        await runtime.close()


def migrate_command(
    config: ConfigOpt = None,
    revision: Annotated[str, typer.Option(help="Target revision.")] = "head",
) -> None:
    """Bring the database schema up to date."""
    settings = _settings(config)
    asyncio.run(_migrate(settings.database, revision))


async def _migrate(url: str, revision: str) -> None:
    db = Database(url)
    try:
        before = await current_revision(db)
        await upgrade(db, revision)
        log.info("migrate.done", before=before, after=await current_revision(db))
    finally:
        await db.dispose()


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
    app.command("worker")(worker_command)
    app.command("migrate")(migrate_command)
