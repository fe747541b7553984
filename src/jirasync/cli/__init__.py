"""The `jirasync` command line: one typer app, sub-commands registered by their owners."""

from __future__ import annotations

import typer

from jirasync.cli import admin, bench, demo, events, hackerone, keys, ops, server, sim, sync

app = typer.Typer(
    name="jirasync",
    help="Two-way sync between Jira Server / Data Center, PagerDuty and HackerOne.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(sim.app, name="sim")
app.add_typer(admin.app, name="admin")
server.register(app)
sync.register(app)
ops.register(app)
hackerone.register(app)
bench.register(app)
keys.register(app)
events.register(app)
demo.register(app)


def main() -> None:
    app()
