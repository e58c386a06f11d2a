"""resurface worker: run the background jobs (photo analyses, comparisons)."""

from __future__ import annotations

import ctypes
import logging
import signal
from typing import Annotated

import typer

from resurface import bootstrap
from resurface.cli.context import CliContext
from resurface.services import jobs

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers
_M_MMAP_THRESHOLD = -3
#: Memory blocks up to this size come from the heap, and free memory at its top up to this size
#: stays there: an analysis's image-sized temporaries (12-36 MB each for a 12 MP photo) reuse the
#: pages of the previous ones instead of being mapped afresh and zeroed by the kernel each time.
PHOTO_HEAP_BYTES = 1 << 30


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
    keep_photo_memory()
    context: CliContext = ctx.obj
    # A connection for each job at once, beside the background loops' (storage.database).
    context.settings = context.settings.model_copy(update={"web_threads": concurrency})
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


def keep_photo_memory(limit: int = PHOTO_HEAP_BYTES) -> bool:
    """Keep freed photo-sized memory in this process for the next analysis (glibc only).

    By default glibc gives every block over a few MB its own mapping and returns it to the
    system when it is freed, so each of the dozens of image-sized temporaries of an analysis
    costs fresh pages that the kernel must zero: 0.1-0.5 s of system time for a 12 MP photo,
    more under memory pressure (``make bench``). With blocks up to ``limit`` taken from the
    heap and the heap not trimmed below it, the pages are reused. The price: between jobs the
    worker keeps its largest analysis's memory (about 600 MB resident after 12 MP photos
    instead of 340 MB; the peak is unchanged). Returns False where this is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mmap_set = libc.mallopt(_M_MMAP_THRESHOLD, limit)
        trim_set = libc.mallopt(_M_TRIM_THRESHOLD, limit)
    except (OSError, AttributeError):
        return False
    return bool(mmap_set and trim_set)


def _stop_while_starting(*_: object) -> None:
    raise KeyboardInterrupt
