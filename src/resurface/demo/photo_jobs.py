"""The demo's background jobs, run beside the story as a clinic's worker would run them.

The story uploads each photo at its moment; the jobs it defers (a photo's analysis, the urgent
alert's e-mail) are handed, in order, to a worker of the demo's own, which queues each one when
its turn comes and, at each photo's turn, runs the jobs that wait under that photo's clock: the
photo's analysis, then the comparisons it completes, and any job the story deferred since the
photo before it. So no job runs under another photo's clock, and the story never waits for its
photos: nothing it records reads one. The load waits for them once, at its end.

The worker is a process of its own (``in_a_process``: the command's way; measuring never waits
for the story's interpreter lock, so on two cores the photos take one and the story the other),
or a thread (``on_a_thread``: a caller that hands ``load_demo`` a context alone).
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext
from typing import TYPE_CHECKING, Protocol

from resurface.services import jobs
from resurface.services.context import Context

if TYPE_CHECKING:
    from resurface.config import Settings

__all__ = ["PhotoJobs", "in_a_process", "on_a_thread", "story_context"]

Args = Mapping[str, int | str]


class PhotoJobs(Protocol):
    """The demo's worker. Each call returns at once; what it asks is done in the order asked."""

    def defer(self, job: str, args: Args) -> None:
        """Queue the job the story deferred (after the jobs asked before it)."""

    def run_at(self, moment: dt.datetime) -> None:
        """Run every job then waiting, and those they defer, under the clock of ``moment``."""

    def wait(self) -> None:
        """Until everything asked so far is done; raises when something failed."""

    def close(self) -> None:
        """Wait, then stop; a second call does nothing."""


class _HandedOver:
    """``ports.JobQueue`` of the story's context: each job deferred goes to the demo's worker,
    which queues it in the clinic's queue when its turn comes."""

    def __init__(self, worker: PhotoJobs) -> None:
        self._worker = worker

    def defer(self, job: str, **args: int | str) -> None:
        self._worker.defer(job, args)

    def run_pending(self, run: Callable[[str, Args], None]) -> int:
        """The story's jobs are run by the demo's worker: wait until it has run them."""
        self._worker.wait()
        return 0


def story_context(ctx: Context, worker: PhotoJobs) -> Context:
    """``ctx`` whose deferred jobs go to ``worker``."""
    return replace(ctx, jobs=_HandedOver(worker))


def _do(ctx: Context, asked: tuple[str, Args] | dt.datetime) -> None:
    """What the worker was asked: queue a job, or run the jobs waiting at a photo's moment."""
    if isinstance(asked, dt.datetime):
        jobs.run_pending_jobs(ctx.at(asked))  # the demo is loaded measured: on the photo's day
    else:
        name, args = asked
        ctx.jobs.defer(name, **args)


class _OnAThread:
    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="demo-photo-jobs")
        self._asked: list[Future[None]] = []

    def defer(self, job: str, args: Args) -> None:
        self._asked.append(self._worker.submit(_do, self._ctx, (job, dict(args))))

    def run_at(self, moment: dt.datetime) -> None:
        self._asked.append(self._worker.submit(_do, self._ctx, moment))

    def wait(self) -> None:
        asked, self._asked = self._asked, []
        for done in asked:
            done.result()

    def close(self) -> None:
        try:
            self.wait()
        finally:
            self._worker.shutdown(cancel_futures=True)


def on_a_thread(ctx: Context) -> PhotoJobs:
    """The worker on a thread of this process, with ``ctx``'s queue and stores."""
    return _OnAThread(ctx)


class _InAProcess:
    def __init__(self, settings: Settings, *, fork: bool) -> None:
        started: ForkContext | SpawnContext = (
            multiprocessing.get_context("fork") if fork else multiprocessing.get_context("spawn")
        )
        self._pipe, theirs = started.Pipe()
        self._process = started.Process(
            target=_worker, args=(settings, theirs), name="demo-photo-jobs", daemon=True
        )
        self._process.start()
        theirs.close()
        self._waiting = 0
        self._closed = False

    def defer(self, job: str, args: Args) -> None:
        self._ask((job, dict(args)))

    def run_at(self, moment: dt.datetime) -> None:
        self._ask(moment)

    def _ask(self, asked: tuple[str, Args] | dt.datetime) -> None:
        self._pipe.send(asked)
        self._waiting += 1

    def wait(self) -> None:
        while self._waiting:
            try:
                failure = self._pipe.recv()
            except EOFError:
                raise RuntimeError("the demo's job process ended before its jobs") from None
            self._waiting -= 1
            if failure:
                raise RuntimeError(f"a job of the demo failed:\n{failure}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.wait()
            self._pipe.send(None)
            self._process.join()
        finally:
            if self._process.is_alive():  # something failed: what is left is not done
                self._process.terminate()
                self._process.join()
            self._pipe.close()


def in_a_process(settings: Settings) -> PhotoJobs:
    """The worker in a process of its own, with its own runtime built from ``settings``.

    Forked when this process has neither started a thread nor measured a photo (call it before
    the caller's runtime is built): the new process inherits the code already loaded, nothing to
    import again, and no connection. Else started afresh ("spawn", as everywhere fork is
    missing): a fork copies the locks other threads hold, and MediaPipe's graph threads do not
    survive one (a test that had measured photos in its own process hung in the fork)."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    untouched = threading.active_count() == 1 and "mediapipe" not in sys.modules
    return _InAProcess(settings, fork=forkable and untouched)


def _worker(settings: Settings, pipe: Connection) -> None:
    """The worker process: do what comes, answer each with "" or what went wrong."""
    from resurface import bootstrap

    runtime = bootstrap.build(settings)
    try:
        # Its commits, like the story's, are synced to the disk once, at the end (SQLite).
        with runtime.synced_once():
            while (asked := pipe.recv()) is not None:
                try:
                    _do(runtime.context, asked)
                except Exception:  # reported to the story, which stops the load
                    pipe.send(traceback.format_exc())
                else:
                    pipe.send("")
    finally:
        runtime.dispose()
