"""The web app's background job worker on SQLite: a thread that runs the ``jobs`` table's jobs
(photo analyses, comparisons) while the app is up. On PostgreSQL the jobs go through
procrastinate and ``resurface worker`` processes run them, so nothing starts here."""

from __future__ import annotations

import asyncio

from resurface import bootstrap


class JobWorker:
    def __init__(self, runtime: bootstrap.Runtime) -> None:
        self.runtime = runtime
        self._thread: bootstrap.JobThread | None = None

    def start(self) -> None:
        self._thread = bootstrap.start_job_thread(self.runtime)

    async def stop(self) -> None:
        """Stop taking jobs; a job under way finishes first (or, past the wait, is taken up
        again by the next worker when its lease ends)."""
        if self._thread is not None:
            await asyncio.to_thread(self._thread.stop)
