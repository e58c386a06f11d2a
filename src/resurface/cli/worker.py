"""resurface worker: run the background jobs (photo analyses, comparisons)."""

from __future__ import annotations

import ctypes
import logging
import signal
import threading
import time
from collections.abc import Callable, Mapping
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
#: After a job, if no other job starts within this many seconds, the kept memory is given back.
IDLE_SECONDS = 5.0

Run = Callable[[str, Mapping[str, int | str]], None]


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
        give_back = GiveBackWhenIdle()
        give_back.start()
        bootstrap.run_worker(runtime, concurrency=concurrency, around=give_back.around)
    except KeyboardInterrupt:
        typer.echo("worker stopped", err=True)


def keep_photo_memory(limit: int = PHOTO_HEAP_BYTES) -> bool:
    """Keep freed photo-sized memory in this process for the next analysis (glibc only).

    By default glibc gives every block over a few MB its own mapping and returns it to the
    system when it is freed, so each of the dozens of image-sized temporaries of an analysis
    costs fresh pages that the kernel must zero: 0.1-0.5 s of system time for a 12 MP photo,
    more under memory pressure (``make bench``). With blocks up to ``limit`` taken from the
    heap and the heap not trimmed below it, the pages are reused. The price: between jobs the
    worker keeps its largest analysis's memory until it has been idle for ``IDLE_SECONDS``
    (``GiveBackWhenIdle``; about 600 MB resident after 12 MP photos instead of 340 MB; the
    peak is unchanged). Returns False where this is not glibc."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        mmap_set = libc.mallopt(_M_MMAP_THRESHOLD, limit)
        trim_set = libc.mallopt(_M_TRIM_THRESHOLD, limit)
    except (OSError, AttributeError):
        return False
    return bool(mmap_set and trim_set)


def give_back_memory() -> bool:
    """Return the heap's free memory to the system (glibc's ``malloc_trim(0)``, which also
    releases free pages inside the heap). False where this is not glibc."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return False
    trim(0)
    return True


class GiveBackWhenIdle:
    """Give the memory that ``keep_photo_memory`` keeps back when the worker is idle: once the
    last job under way has ended and no job has started for ``after`` seconds, ``trim`` runs
    (once per idle spell), on a thread of its own."""

    def __init__(
        self, after: float = IDLE_SECONDS, trim: Callable[[], object] = give_back_memory
    ) -> None:
        self.after = after
        self.trim = trim
        self.trims = 0
        self._changed = threading.Condition()
        self._busy = 0
        self._ended: float | None = None  # when the last job ended, until trimmed

    def start(self) -> None:
        threading.Thread(target=self._watch, name="resurface-give-back", daemon=True).start()

    def around(self, run: Run) -> Run:
        def watched(name: str, args: Mapping[str, int | str]) -> None:
            with self._changed:
                self._busy += 1
                self._ended = None
            try:
                run(name, args)
            finally:
                with self._changed:
                    self._busy -= 1
                    if self._busy == 0:
                        self._ended = time.monotonic()
                    self._changed.notify_all()

        return watched

    def _watch(self) -> None:
        with self._changed:
            while True:
                if self._busy or self._ended is None:
                    self._changed.wait()
                    continue
                left = self._ended + self.after - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                self._ended = None
                self.trim()
                self.trims += 1


def _stop_while_starting(*_: object) -> None:
    raise KeyboardInterrupt
