"""The job queue on PostgreSQL: procrastinate (its schema applied by migration 0021).

Each of our jobs is a procrastinate task of the same name (``resurface.<job>``), deferred with a
queueing lock (the same job with the same arguments waits once) and a lock (two workers never run
it at once), and retried with exponential backoff. Workers send heartbeats; a periodic task puts
the jobs of a worker whose heartbeat stopped (a crash, a killed machine) back in the queue, and
another defers ``catch_up`` every ten minutes. ``resurface worker`` runs any number of these
workers, on any machines that reach the database.

Deferring uses procrastinate's synchronous connector (the use cases are synchronous); the worker
runs on its asynchronous one and runs our (synchronous) jobs in threads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import procrastinate
from procrastinate import exceptions as procrastinate_errors
from sqlalchemy.engine import make_url

from resurface.storage.job_table import Run, queueing_key

log = logging.getLogger("resurface.jobs")

PREFIX = "resurface."
RETRY = procrastinate.RetryStrategy(max_attempts=5, exponential_wait=4)
"""Waits of 4, 16, 64 and 256 seconds between the five attempts."""
STALLED_AFTER_SECONDS = 60.0
"""A worker without a heartbeat for this long is taken for dead, and its jobs run again."""
CATCH_UP_CRON = "*/10 * * * *"


def conninfo(url: str) -> str:
    """The psycopg connection string of a SQLAlchemy URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


class ProcrastinateJobQueue:
    """``ports.JobQueue`` through procrastinate. ``names`` are the jobs this process may run;
    ``catch_up``, when given, is deferred by the periodic task."""

    def __init__(self, url: str, names: Iterable[str], catch_up: str | None = None) -> None:
        self._conninfo = conninfo(url)
        self._deferrer = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(
                conninfo=self._conninfo, min_size=1, max_size=4
            )
        )
        self._opened = False
        self._names = tuple(names)
        self._catch_up = catch_up
        self._run: Run | None = None
        self.ran = 0

    # --- ports.JobQueue -----------------------------------------------------------------------

    def defer(self, job: str, **args: int | str) -> None:
        if not self._opened:
            self._deferrer.open()
            self._opened = True
        key = queueing_key(job, args)
        task = self._deferrer.configure_task(
            PREFIX + job, queueing_lock=key, lock=key, allow_unknown=True
        )
        with contextlib.suppress(procrastinate_errors.AlreadyEnqueued):  # it waits already
            task.defer(**args)

    def run_pending(self, run: Run) -> int:
        before = self.ran
        asyncio.run(self._work(run, wait=False))
        return self.ran - before

    # --- the worker ---------------------------------------------------------------------------

    def work(self, run: Run, *, concurrency: int = 1) -> None:
        """Run jobs until the process is stopped (SIGINT/SIGTERM end it gracefully)."""
        asyncio.run(self._work(run, wait=True, concurrency=concurrency))

    async def _work(self, run: Run, *, wait: bool, concurrency: int = 1) -> None:
        app = self._worker_app(run, periodic=wait)
        async with app.open_async():
            await _retry_stalled(app)
            await app.run_worker_async(
                wait=wait,
                concurrency=concurrency,
                install_signal_handlers=wait,
                listen_notify=wait,
                delete_jobs="successful",
                stalled_worker_timeout=STALLED_AFTER_SECONDS,
            )

    def _worker_app(self, run: Run, *, periodic: bool = True) -> procrastinate.App:
        """The worker's app: our jobs, and for a long-running worker the periodic tasks (a
        ``run_pending`` runs what waits and nothing else)."""
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=self._conninfo))
        for name in self._names:
            app.task(name=PREFIX + name, retry=RETRY)(self._task(name, run))
        if not periodic:
            return app

        @app.periodic(cron="* * * * *")
        @app.task(name=PREFIX + "retry_stalled", queueing_lock="retry_stalled")
        async def retry_stalled(timestamp: int) -> None:
            await _retry_stalled(app)

        if self._catch_up is not None:
            catch_up = self._catch_up

            @app.periodic(cron=CATCH_UP_CRON)
            @app.task(name=PREFIX + "periodic_catch_up", queueing_lock="periodic_catch_up")
            def periodic_catch_up(timestamp: int) -> None:
                run(catch_up, {})

        return app

    def _task(self, name: str, run: Run) -> Any:
        def job(**args: int | str) -> None:
            run(name, args)
            self.ran += 1

        job.__name__ = name
        return job

    def dispose(self) -> None:
        if self._opened:
            self._deferrer.close()
            self._opened = False


async def _retry_stalled(app: procrastinate.App) -> None:
    """Put back in the queue the jobs of workers whose heartbeat stopped."""
    manager = app.job_manager
    for job in await manager.get_stalled_jobs(seconds_since_heartbeat=STALLED_AFTER_SECONDS):
        log.warning("job %s of a stalled worker is run again", job.id)
        await manager.retry_job(job)


def pending(url: str) -> Mapping[str, int]:
    """How many jobs wait per status (for ``resurface worker --status``)."""
    import psycopg

    with psycopg.connect(conninfo(url)) as connection:
        rows = connection.execute(
            "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY status"
        ).fetchall()
    return {str(status): int(count) for status, count in rows}
