"""The audit trail table. Events are chained through the single ``audit_head`` row, which every
writer updates first: that takes a write lock on SQLite and a row lock on PostgreSQL, so two
transactions can never chain onto the same previous event.

A unit of work does not take that lock when it records an event: it keeps its events and writes
them all at once just before it commits (:meth:`SqlAuditTrail.flush`), so the lock is held for
four statements, not for the reads of the request; a page read on SQLite stays a read until
then, and nothing waits on a chart being read."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, cast

from sqlalchemy import Connection, bindparam, func, insert, select, update

from resurface.domain.audit import (
    REFUSED_ACTIONS,
    AuditEntry,
    AuditEvent,
    AuditFilter,
    ChainKey,
    StoredLink,
    chain,
)
from resurface.storage.repositories._base import Repository
from resurface.storage.tables import audit_events, audit_head

_HEAD = 1
_BATCH = 1000
_STREAM = 10_000
assert tuple(c.name for c in audit_events.c) == StoredLink._fields, "rows are the chain's links"
_TAKE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == _HEAD)
    .values(seq=audit_head.c.seq + bindparam("count"))
    .returning(audit_head.c.seq, audit_head.c.hash)
)
_INSERT = insert(audit_events)
_MOVE_HEAD = update(audit_head).where(audit_head.c.id == _HEAD).values(hash=bindparam("last_hash"))
"""Every audited read writes with these three: built once."""


def _event(row: Any) -> AuditEvent:
    entry = AuditEntry(
        at=row.at,
        actor=row.actor,
        action=row.action,
        record_type=row.record_type,
        record_id=row.record_id,
        clinic_id=row.clinic_id,
        user_id=row.user_id,
        patient_id=row.patient_id,
        source=row.source,
        detail=row.detail,
    )
    return AuditEvent(row.seq, entry, row.previous_hash, row.hash, row.key_id)


class SqlAuditTrail(Repository):
    def __init__(self, connection: Connection, key: ChainKey | None = None) -> None:
        super().__init__(connection)
        self.key = key
        self.pending: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> None:
        self.pending.append(entry)

    def flush(self) -> None:
        """Chain and write the events recorded since the last flush, in one short section under
        the head row's lock."""
        if self.pending:
            self.write(self.take_pending())

    def take_pending(self) -> list[AuditEntry]:
        """The events recorded since the last flush, handed over to be written elsewhere
        (``storage.audit_group``)."""
        entries, self.pending = self.pending, []
        return entries

    def write(self, entries: list[AuditEntry]) -> None:
        """Chain and write ``entries``: take the head row's lock, read the head, insert every
        event, move the head."""
        if not entries:
            return
        # the update takes the lock and hands back the head it wrote (one round trip, not two)
        head = self.connection.execute(_TAKE_HEAD, {"count": len(entries)}).one()
        previous, events = head.hash, []
        for seq, entry in enumerate(entries, start=head.seq - len(entries) + 1):
            event = chain(seq, entry, previous, self.key)
            events.append(event)
            previous = event.hash
        self.connection.execute(_INSERT, [_values(event) for event in events])
        self.connection.execute(_MOVE_HEAD, {"last_hash": previous})

    def forget(self) -> None:
        """Drop the events not yet written (the unit of work rolled back)."""
        self.pending = []

    def in_order(self) -> Iterator[AuditEvent]:
        return self.since(0)

    def since(self, seq: int) -> Iterator[AuditEvent]:
        self.flush()
        last = seq
        while True:
            query = (
                select(audit_events)
                .where(audit_events.c.seq > last)
                .order_by(audit_events.c.seq)
                .limit(_BATCH)
            )
            rows = self.connection.execute(query).all()
            if not rows:
                return
            for row in rows:
                yield _event(row)
            last = rows[-1].seq

    def stored_since(self, seq: int) -> Iterator[StoredLink]:
        """One statement, streamed ``_STREAM`` rows at a time (a server-side cursor on
        PostgreSQL): the rows themselves are the links, no object is made per event."""
        self.flush()
        query = select(audit_events).where(audit_events.c.seq > seq).order_by(audit_events.c.seq)
        result = self.connection.execute(query, execution_options={"yield_per": _STREAM})
        try:
            yield from cast(Iterator[StoredLink], result)  # rows in StoredLink's column order
        finally:
            result.close()  # a check that stops at a broken link leaves no cursor open

    def at(self, seq: int) -> AuditEvent | None:
        self.flush()
        row = self.connection.execute(select(audit_events).where(audit_events.c.seq == seq)).first()
        return _event(row) if row else None

    def for_patient(self, clinic_id: int, patient_id: int) -> list[AuditEvent]:
        self.flush()
        query = (
            select(audit_events)
            .where(audit_events.c.clinic_id == clinic_id, audit_events.c.patient_id == patient_id)
            .order_by(audit_events.c.seq)
        )
        return [_event(row) for row in self.connection.execute(query)]

    def search(
        self, clinic_id: int, wanted: AuditFilter, offset: int, limit: int
    ) -> tuple[list[AuditEvent], int]:
        self.flush()
        table = audit_events
        conditions = [table.c.clinic_id == clinic_id]
        if wanted.patient_id is not None:
            conditions.append(table.c.patient_id == wanted.patient_id)
        if wanted.user_id is not None:
            conditions.append(table.c.user_id == wanted.user_id)
        if wanted.action:
            conditions.append(table.c.action == wanted.action)
        if wanted.since is not None:
            conditions.append(table.c.at >= _start_of(wanted.since))
        if wanted.until is not None:
            conditions.append(table.c.at < _start_of(wanted.until + dt.timedelta(days=1)))
        if wanted.refused is not None:
            refused = table.c.action.in_(sorted(REFUSED_ACTIONS))
            conditions.append(refused if wanted.refused else ~refused)
        total = self.connection.execute(
            select(func.count()).select_from(table).where(*conditions)
        ).scalar_one()
        query = select(table).where(*conditions).order_by(table.c.seq.desc())
        rows = self.connection.execute(query.offset(offset).limit(limit))
        return [_event(row) for row in rows], int(total)

    def head(self) -> tuple[int, str]:
        self.flush()
        row = self.connection.execute(
            select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == _HEAD)
        ).one()
        return int(row.seq), str(row.hash)


def _values(event: AuditEvent) -> dict[str, Any]:
    entry = event.entry
    return {
        "seq": event.seq,
        "at": entry.at,
        "actor": entry.actor,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "clinic_id": entry.clinic_id,
        "user_id": entry.user_id,
        "patient_id": entry.patient_id,
        "source": entry.source,
        "detail": entry.detail,
        "previous_hash": event.previous_hash,
        "hash": event.hash,
        "key_id": event.key_id,
    }


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
