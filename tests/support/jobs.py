"""Waiting for the background jobs in tests: the real app leaves photo analyses and comparisons
to a worker (a thread of the web app on SQLite); a test that reads their results runs the jobs
that wait and waits for those a worker thread has under way."""

from __future__ import annotations

import time

from resurface.bootstrap import Runtime
from resurface.services import jobs
from resurface.storage.job_table import TableJobQueue

TIMEOUT_SECONDS = 300.0


def settle(runtime: Runtime, timeout: float = TIMEOUT_SECONDS) -> None:
    """Run every waiting job here and wait until none is waiting or under way anywhere."""
    deadline = time.monotonic() + timeout
    while True:
        jobs.run_pending_jobs(runtime.context)
        queue = runtime.jobs
        if not isinstance(queue, TableJobQueue):
            return  # procrastinate: run_pending ran every job to the end
        counts = queue.counts()
        if not counts.get("todo") and not counts.get("doing"):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"background jobs did not finish: {counts}")
        time.sleep(0.05)
