"""A lease in the database: at most one process holds a named lease until it expires.

Several web processes (``resurface serve --workers N``, servers on several machines) share one
database; the deployment's background work (the outbox, the audit checkpoints, the tidy) must
run in only one of them. Each process tries to take the ``background`` lease every few seconds.
Taking it is one conditional ``UPDATE`` (the row is ours already, or it has expired), so two
processes can never both succeed: PostgreSQL re-checks the condition on the row after a
concurrent update commits, SQLite writes one transaction at a time. The row is created by the
first process that finds none (an ``INSERT`` whose primary key refuses a second).

A holder that dies simply stops renewing: another process takes the lease once it has expired.
A holder that stops cleanly releases it, so the next process takes over at its next try.
Expiry is judged by each process's own clock, so the machines' clocks must agree to well within
the lease's length (NTP does; the default lease is 30 seconds).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import socket
import time

from sqlalchemy import Engine, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from resurface.storage.tables import leases

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def holder_name() -> str:
    """This process, as the lease table shows it: host, process id and a random tail (a pid
    can be reused after a restart)."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


class Lease:
    """One named lease, tried for by one process."""

    def __init__(self, engine: Engine, name: str, holder: str, length: dt.timedelta) -> None:
        self.engine = engine
        self.name = name
        self.holder = holder
        self.length = length

    def take(self, now: dt.datetime) -> bool:
        """Take or renew the lease until ``now + length``; False when another holder has it."""
        renewed = (
            update(leases)
            .where(leases.c.name == self.name)
            .where(or_(leases.c.holder == self.holder, leases.c.expires_at <= now))
            .values(holder=self.holder, expires_at=now + self.length)
        )
        with self.engine.begin() as connection:
            if connection.execute(renewed).rowcount == 1:
                return True
            exists = connection.execute(
                select(leases.c.name).where(leases.c.name == self.name)
            ).first()
        if exists is not None:
            return False
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    insert(leases).values(
                        name=self.name, holder=self.holder, expires_at=now + self.length
                    )
                )
        except IntegrityError:  # another process created it first: it holds it
            return False
        return True

    def release(self) -> None:
        """Give the lease up now (if held), so another process need not wait for it to expire."""
        with self.engine.begin() as connection:
            connection.execute(
                update(leases)
                .where(leases.c.name == self.name, leases.c.holder == self.holder)
                .values(expires_at=EPOCH)
            )

    def holder_now(self, now: dt.datetime) -> str | None:
        """Who holds the lease at ``now`` (None: nobody, or it has expired)."""
        held = self.held(now)
        return held[0] if held is not None else None

    def held(self, now: dt.datetime) -> tuple[str, dt.datetime] | None:
        """The holder and until when, if the lease is held at ``now``."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(leases.c.holder, leases.c.expires_at).where(leases.c.name == self.name)
            ).first()
        if row is None or row.expires_at <= now:
            return None
        return str(row.holder), row.expires_at

    def renewed_by_its_holder(self, poll: float = 1.0) -> bool:
        """Whether a process is alive holding the lease: True once its holder renews it, False
        when nobody holds it or it runs out unrenewed (its holder died). Waits at most until
        the lease's current expiry."""
        first = self.held(_now())
        while first is not None:
            time.sleep(poll)
            now = _now()
            current = self.held(now)
            if current is None:
                return False
            if current != first:
                return True
        return False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
