"""resurface worker: run the background jobs (photo analyses, comparisons)."""

from __future__ import annotations

import logging
import signal
from typing import Annotated

import typer

from resurface import bootstrap
from resurface.cli.context import CliContext
from resurface.services import jobs


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1,
            max=16,
            help="jobs run at once (PostgreSQL); each photo job takes up to about 1.5 GB",
        ),
    ] = 1,
    once: Annotated[
        bool, typer.Option("--once", help="run the jobs that wait now, then stop")
    ] = False,
) -> None:
    """Run background jobs until stopped (Ctrl-C or SIGTERM; a job under way finishes first).

    On PostgreSQL the jobs go through procrastinate: run as many workers as you like, on any
    machines that reach the database. On SQLite the web app runs them itself; this command is
    for a server without the web app, or for catching up (--once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    context: CliContext = ctx.obj
    runtime = context.runtime
    if once:
        jobs.catch_up(runtime.context)
        ran = jobs.run_pending_jobs(runtime.context)
        typer.echo(f"jobs run: {ran}")
        return
    # A stop asked for while the worker is still starting (before the job loop takes SIGTERM
    # over) is a clean stop too, not a kill: even one that comes while the line below is still
    # being written, which is why that line is inside the ``try``.
    signal.signal(signal.SIGTERM, _stop_while_starting)
    try:
        typer.echo("worker started: waiting for jobs (Ctrl-C stops)", err=True)
        bootstrap.run_worker(runtime, concurrency=concurrency)
    except KeyboardInterrupt:
        typer.echo("worker stopped", err=True)


def _stop_while_starting(*_: object) -> None:
    raise KeyboardInterrupt
