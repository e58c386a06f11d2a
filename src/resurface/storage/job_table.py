"""The job queue in the database's ``jobs`` table: what runs the background jobs on SQLite, in a
worker thread of the web app and in ``resurface worker``.

Why our own table and not a library: procrastinate, which runs the jobs on PostgreSQL, needs
PostgreSQL (LISTEN/NOTIFY, its stored functions); the queues for SQLite on PyPI need a broker
(Redis) or pickle jobs into their own file. A clinic on SQLite is one machine, so a table in the
same database, claimed with one atomic UPDATE, is all it needs.

* A job is claimed for a lease (``locked_until``): a worker that dies holding it loses it when
  the lease ends, and another worker claims it again.
* A failed job waits ``backoff`` × 2^(attempts-1) and is tried again, up to ``max_attempts``;
  then it stays ``failed`` with its last error.
* The same job with the same arguments is queued once while it waits (a partial unique index on
  ``queueing_key``); the jobs themselves are idempotent, so a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from resurface.storage.tables import jobs

log = logging.getLogger("resurface.jobs")

Run = Callable[[str, Mapping[str, int | str]], None]

TODO, DOING, SUCCEEDED, FAILED = "todo", "doing", "succeeded", "failed"
DEFAULT_LEASE = dt.timedelta(minutes=10)
"""Longer than any job takes (a 24 MP comparison takes well under a minute)."""
DEFAULT_BACKOFF = dt.timedelta(seconds=15)
DEFAULT_MAX_ATTEMPTS = 5
KEEP_FINISHED = dt.timedelta(days=7)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    name: str
    args: dict[str, int | str]
    attempts: int


def queueing_key(job: str, args: Mapping[str, int | str]) -> str:
    return f"{job}:{json.dumps(dict(args), sort_keys=True, separators=(',', ':'))}"[:200]


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class TableJobQueue:
    """``ports.JobQueue`` over the ``jobs`` table."""

    def __init__(
        self,
        engine: Engine,
        *,
        lease: dt.timedelta = DEFAULT_LEASE,
        backoff: dt.timedelta = DEFAULT_BACKOFF,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        self.engine = engine
        self.lease = lease
        self.backoff = backoff
        self.max_attempts = max_attempts
        self.clock = clock
        self.wake = threading.Event()
        """Set when a job is deferred, so an idle worker of this process starts at once."""

    # --- ports.JobQueue -----------------------------------------------------------------------

    def defer(self, job: str, **args: int | str) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "name": job, "args": args, "queueing_key": queueing_key(job, args), "status": TODO,
            "attempts": 0, "run_after": now, "created_at": now,
        }  # fmt: skip
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        statement = dialect.insert(jobs).values(**values).on_conflict_do_nothing()
        with self.engine.begin() as connection:
            connection.execute(statement)
        self.wake.set()

    def run_pending(self, run: Run) -> int:
        name, ran = worker_name(), 0
        while (job := self.claim(name)) is not None:
            self.run_one(job, name, run)
            ran += 1
        return ran

    # --- the worker's side --------------------------------------------------------------------

    def claim(self, worker: str) -> ClaimedJob | None:
        """Take the next due job (or one whose lease ran out) for ``worker``, or None."""
        now = self.clock()
        due = or_(
            and_(jobs.c.status == TODO, jobs.c.run_after <= now),
            and_(jobs.c.status == DOING, jobs.c.locked_until < now),
        )
        candidate = select(jobs.c.id).where(due).order_by(jobs.c.run_after, jobs.c.id).limit(1)
        if self.engine.dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        # ``due`` again on the row itself: of two workers that chose the same row, the second
        # finds it no longer due (PostgreSQL re-checks it after the first commits).
        statement = (
            update(jobs)
            .where(jobs.c.id == candidate.scalar_subquery(), due)
            .values(
                status=DOING,
                locked_by=worker,
                locked_until=now + self.lease,
                attempts=jobs.c.attempts + 1,
            )
            .returning(jobs.c.id, jobs.c.name, jobs.c.args, jobs.c.attempts)
        )
        with self.engine.begin() as connection:
            row = connection.execute(statement).first()
        if row is None:
            return None
        return ClaimedJob(row.id, row.name, dict(row.args), row.attempts)

    def run_one(self, job: ClaimedJob, worker: str, run: Run) -> bool:
        """Run a claimed job and record how it went; True when it succeeded."""
        try:
            run(job.name, job.args)
        except Exception as error:  # any failure of a job is recorded and retried
            log.exception("job %s %s failed (attempt %d)", job.name, job.args, job.attempts)
            self._failed(job, worker, f"{type(error).__name__}: {error}")
            return False
        self._finish(job, worker, SUCCEEDED, values={"finished_at": self.clock()})
        return True

    def _failed(self, job: ClaimedJob, worker: str, error: str) -> None:
        if job.attempts >= self.max_attempts:
            self._finish(job, worker, FAILED, values={"finished_at": self.clock(),
                                                      "last_error": error[:2000]})  # fmt: skip
            return
        wait = self.backoff * (2 ** (job.attempts - 1))
        values = {"run_after": self.clock() + wait, "last_error": error[:2000]}
        self._finish(job, worker, TODO, values=values)

    def _finish(self, job: ClaimedJob, worker: str, status: str, *, values: dict[str, Any]) -> None:
        """Record the outcome, if the job is still this worker's (its lease did not run out
        and pass it to another)."""
        statement = (
            update(jobs)
            .where(jobs.c.id == job.id, jobs.c.locked_by == worker, jobs.c.status == DOING)
            .values(status=status, locked_by=None, locked_until=None, **values)
        )
        with self.engine.begin() as connection:
            connection.execute(statement)

    def counts(self) -> dict[str, int]:
        """How many jobs there are by status (``resurface worker --status``; tests wait on it)."""
        query = select(jobs.c.status, func.count()).group_by(jobs.c.status)
        with self.engine.connect() as connection:
            return {str(status): int(count) for status, count in connection.execute(query)}

    def forget_finished(self, before: dt.datetime) -> int:
        """Remove succeeded jobs finished before ``before``; failed ones are kept to be read."""
        statement = delete(jobs).where(jobs.c.status == SUCCEEDED, jobs.c.finished_at < before)
        with self.engine.begin() as connection:
            return connection.execute(statement).rowcount

    def work(
        self,
        run: Run,
        stop: threading.Event,
        *,
        poll_seconds: float = 2.0,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        """Run jobs until ``stop`` is set: a worker thread's or ``resurface worker``'s loop."""
        name = worker_name()
        log.info("job worker %s started", name)
        while not stop.is_set():
            try:
                job = self.claim(name)
                if job is not None:
                    self.run_one(job, name, run)
                    continue
                if on_idle is not None:
                    on_idle()
            except Exception:  # the database away for a moment: keep the worker alive
                log.exception("job worker %s: round failed", name)
            self.wake.wait(poll_seconds)
            self.wake.clear()
        log.info("job worker %s stopped", name)
