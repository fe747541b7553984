"""`jirasync demo`: the three simulators and jirasync on 127.0.0.1, seeded and configured, until
Ctrl-C or SIGTERM. `jirasync demo --scenario` plays the scripted story (see
`jirasync.demo.scenario`) on a stack of its own, or on a running demo, and exits with its outcome.
"""

from __future__ import annotations

import signal
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from jirasync.demo import DEFAULT_DATA_DIR, DEFAULT_PORTS
from jirasync.log import configure_logging

# The stack (simulators, web app) is imported when the command runs, not by every `jirasync …`.
if TYPE_CHECKING:
    from jirasync.demo.scenario import Seen, SimUrls, Step
    from jirasync.demo.stack import Demo, DemoOptions
    from jirasync.devstack import Ports

# Soft wrap: URLs and commands stay on one line, so they can be copied (and parsed by tests).
console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

# part of the stack → what it is called and the option that moves it
PARTS = {
    "jirasync": ("jirasync", "--port"),
    "jira": ("the Jira simulator", "--jira-port"),
    "pagerduty": ("the PagerDuty simulator", "--pagerduty-port"),
    "hackerone": ("the HackerOne simulator", "--hackerone-port"),
}


def _port(part: str) -> Any:
    default = DEFAULT_PORTS[part]
    what = PARTS[part][0]
    return typer.Option(
        PARTS[part][1],
        min=0,
        max=65535,
        help=f"Port of {what} (default {default}; with --scenario: any free one); 0: any free.",
    )


def demo_command(
    port: Annotated[int | None, _port("jirasync")] = None,
    jira_port: Annotated[int | None, _port("jira")] = None,
    pagerduty_port: Annotated[int | None, _port("pagerduty")] = None,
    hackerone_port: Annotated[int | None, _port("hackerone")] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            file_okay=False,
            help=f"Folder of the demo's SQLite database (started afresh each run) and secret "
            f"key (default {DEFAULT_DATA_DIR}; with --scenario: a temporary folder).",
        ),
    ] = None,
    scenario: Annotated[
        bool, typer.Option("--scenario", help="Play the scripted story, then exit (0: all seen).")
    ] = False,
    against_running: Annotated[
        bool,
        typer.Option(
            "--against-running",
            help="With --scenario: play it on the demo already running (its simulators' ports).",
        ),
    ] = False,
    step_timeout: Annotated[
        float, typer.Option(min=0.1, help="Seconds each scenario step waits for its effect.")
    ] = 20.0,
    log_level: Annotated[
        Literal["debug", "info", "warning", "error"], typer.Option(help="jirasync's log level.")
    ] = "warning",
) -> None:
    """Run the simulators and jirasync, seeded and configured, until Ctrl-C."""
    from jirasync.demo.scenario import SimUrls
    from jirasync.demo.stack import DemoOptions

    configure_logging(log_level)
    given = {
        "jirasync": port,
        "jira": jira_port,
        "pagerduty": pagerduty_port,
        "hackerone": hackerone_port,
    }
    if against_running and not scenario:
        raise typer.BadParameter("only with --scenario", param_hint="--against-running")
    if against_running:
        ports = _ports(given, DEFAULT_PORTS)
        urls = [f"http://127.0.0.1:{p}" for p in (ports.jira, ports.pagerduty, ports.hackerone)]
        raise typer.Exit(_play(SimUrls(*urls), step_timeout))
    if scenario:
        with tempfile.TemporaryDirectory(prefix="jirasync-demo-") as scratch:
            any_free = dict.fromkeys(DEFAULT_PORTS, 0)
            options = DemoOptions(data_dir or Path(scratch), _ports(given, any_free), log_level)
            raise typer.Exit(_scenario_on_own_stack(options, step_timeout))
    _serve(DemoOptions(data_dir or DEFAULT_DATA_DIR, _ports(given, DEFAULT_PORTS), log_level))


@contextmanager
def _started(options: DemoOptions) -> Iterator[Demo]:
    """The demo stack, or a one-line error (exit 1) naming what is wrong and what to change."""
    from jirasync.demo.stack import DemoError, running_demo
    from jirasync.devstack import PortInUse

    try:
        with running_demo(options) as demo:
            yield demo
    except PortInUse as exc:
        what, flag = PARTS[exc.part]
        err.print(
            f"[red]✗[/red] port {exc.port} is already in use, so {what} cannot listen on it: "
            f"stop what holds it, or choose another port with {flag} PORT (0: any free port)."
        )
        raise typer.Exit(1) from None
    except DemoError as exc:
        err.print(f"[red]✗[/red] {escape(str(exc))}")
        raise typer.Exit(1) from None


def _serve(options: DemoOptions) -> None:
    from jirasync.demo.banner import banner

    with _stop_requested() as stop, _started(options) as demo:
        console.print(banner(demo))
        while not stop.wait(0.5):
            pass
        console.print("Stopping…")
    console.print("Stopped.")


def _scenario_on_own_stack(options: DemoOptions, step_timeout: float) -> int:
    from jirasync.demo.scenario import SimUrls

    with _started(options) as demo:
        stack = demo.stack
        console.print(
            f"Demo stack: jirasync {stack.jirasync_url}, Jira {stack.jira_url}, "
            f"PagerDuty {stack.pagerduty_url}, HackerOne {stack.hackerone_url}"
        )
        urls = SimUrls(stack.jira_url, stack.pagerduty_url, stack.hackerone_url)
        return _play(urls, step_timeout)


def _ports(given: Mapping[str, int | None], defaults: Mapping[str, int]) -> Ports:
    from jirasync.devstack import Ports

    return Ports(**{part: defaults[part] if p is None else p for part, p in given.items()})


@contextmanager
def _stop_requested() -> Iterator[threading.Event]:
    """Set by Ctrl-C or SIGTERM, from before the stack starts (a stop asked for while it starts
    stops it once started), so that the shutdown is always the clean one and exits 0."""
    stop = threading.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = [signal.signal(signum, lambda *_: stop.set()) for signum in signals]
    try:
        yield stop
    finally:
        for signum, handler in zip(signals, previous, strict=True):
            signal.signal(signum, handler)


def _play(urls: SimUrls, timeout: float) -> int:
    """The story with a progress display: 0 if every effect was seen, else 1 (at the first
    that was not, with what was seen instead)."""
    from jirasync.demo.scenario import StepFailed, play, story

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with story(urls) as told, Progress(*columns, console=console, transient=True) as progress:
        steps = told.steps()
        shown = _Shown(progress, len(steps))
        try:
            play(steps, shown, timeout=timeout)
        except StepFailed as exc:
            console.print(f"[red]✗[/red] {escape(exc.step.title)}")
            console.print(f"    expected: {escape(exc.step.expect)}")
            console.print(f"    {escape(exc.seen)}")
            return 1
    console.print(f"[green]All {len(steps)} steps observed.[/green]")
    return 0


class _Shown:
    """The scenario's progress: a spinner on the step under way, a line per step done."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.progress = progress
        self.total = total
        self.task = progress.add_task("", total=total)

    def started(self, step: Step, number: int) -> None:
        description = f"[{number}/{self.total}] {escape(step.title)} → {escape(step.expect)}"
        self.progress.update(self.task, description=description)

    def done(self, step: Step, seen: Seen) -> None:
        what = (seen.what.splitlines() or [""])[0]
        self.progress.console.print(f"[green]✓[/green] {escape(step.title)}")
        self.progress.console.print(f"    {escape(step.expect)}: {escape(what)}")
        self.progress.advance(self.task)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)
