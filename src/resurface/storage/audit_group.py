"""Group commit of the audit events of reads: the reads of many requests, one transaction.

A unit of work that changed nothing but recorded events (a chart read, the patient list, Today)
would otherwise commit a write transaction of its own: take the audit head, write one event,
move the head and sync the log to disk (SQLite's ``synchronous=FULL``; PostgreSQL's commit),
while every other reader waits for the head. Here the readers of one process that commit at the
same moment queue their events; the first to arrive writes every event queued so far, in the
order they arrived, in its own transaction, and commits once; the others find theirs written
and go on. No reader goes on before its events are on disk: a reader whose events could not be
written gets the error (its request fails, it shows nothing unaudited).

Units of work that wrote anything else commit their events in their own transaction, as before,
so that a change and its event are kept or lost together.

On SQLite the processes of one machine take turns at writing their batches
(``storage.write_turns``), instead of polling for SQLite's lock.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, event

from resurface.domain.audit import AuditEntry
from resurface.storage.repositories.audit import SqlAuditTrail
from resurface.storage.write_turns import WriteTurns

WROTE = "resurface.wrote"
"""The key, in a pooled connection's ``info``, saying whether the transaction under way sent
anything but a SELECT (set by the engine's cursor event, cleared when a unit of work begins)."""


class EventsNotWritten(Exception):
    """The audit events of this read could not be written (with the reason as its cause)."""


class _Ticket:
    __slots__ = ("entries", "error", "written")

    def __init__(self, entries: list[AuditEntry]) -> None:
        self.entries = entries
        self.written = False
        self.error: BaseException | None = None


class AuditGroupCommit:
    """The queue of one engine's readers' events (one per process: ``bootstrap`` makes it)."""

    def __init__(self, engine: Engine, turns: WriteTurns | None = None) -> None:
        self._writer = threading.Lock()
        """Held by the reader that writes a batch, while it writes and commits."""
        self._turns = turns
        self._queue_lock = threading.Lock()
        self._queue: list[_Ticket] = []
        event.listen(engine, "before_cursor_execute", _note_writes)

    @staticmethod
    def begin(connection: Connection) -> None:
        """A unit of work begins on ``connection``: nothing written yet."""
        connection.info[WROTE] = False

    @staticmethod
    def only_read(connection: Connection) -> bool:
        """Whether the transaction under way on ``connection`` has sent nothing but SELECTs."""
        return connection.info.get(WROTE) is False

    def commit(self, trail: SqlAuditTrail, connection: Connection) -> None:
        """Have ``trail``'s pending events written and committed, with those of the readers
        committing now; returns when they are, raises :class:`EventsNotWritten` if they could
        not be. ``connection``'s transaction (which wrote nothing) is committed either way."""
        ticket = _Ticket(trail.take_pending())
        with self._queue_lock:
            self._queue.append(ticket)
        with self._writer:
            if not ticket.written and ticket.error is None:
                with self._turn():  # the readers who came meanwhile join the batch
                    self._write_queued(trail, connection)
        if ticket.error is not None:
            raise EventsNotWritten("the audit events of this read were not written") from (
                ticket.error
            )
        connection.commit()

    def _turn(self) -> AbstractContextManager[None]:
        return self._turns.turn() if self._turns is not None else nullcontext()

    def _write_queued(self, trail: SqlAuditTrail, connection: Connection) -> None:
        with self._queue_lock:
            batch, self._queue = self._queue, []
        try:
            trail.write([entry for ticket in batch for entry in ticket.entries])
            connection.commit()
        except BaseException as error:
            connection.rollback()
            for ticket in batch:
                ticket.error = error
        else:
            for ticket in batch:
                ticket.written = True


def _note_writes(connection: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if not statement.startswith("SELECT"):  # anything else may write: the careful side
        connection.info[WROTE] = True
