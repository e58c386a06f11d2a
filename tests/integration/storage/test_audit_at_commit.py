"""Audit events are chained when their unit of work commits: a request that has recorded a read
and is still working holds no lock, so another request's events commit meanwhile, and the
chain stays whole, in commit order. Readers committing at once have their events written
together (``storage.audit_group``), each reader's in its order, none lost."""

from __future__ import annotations

import threading

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.access import Actor
from resurface.storage.audit_group import EventsNotWritten
from resurface.storage.repositories.audit import SqlAuditTrail
from tests.support.clinic import seed_clinic


def _actor(clinic_id: int) -> Actor:
    return Actor(1, clinic_id, Role.CLINICIAN, "Dr Test", "127.0.0.1")


def test_a_read_in_progress_does_not_hold_up_another_requests_events(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    actor = _actor(north.clinic.id)
    with runtime.context.uow() as reading:
        audit.record(reading, actor, "chart_read", "patient", north.patient.id)
        reading.charts.chart(north.clinic.id, north.patient.id)  # still working
        with runtime.context.uow() as other:
            if runtime.engine.dialect.name == "postgresql":
                # Waiting for the reader's lock would fail here instead of hanging the test.
                other.patients.connection.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            audit.record(other, actor, "home_read", "clinic", north.clinic.id)
            other.commit()
        reading.charts.chart(north.clinic.id, north.patient.id)
        reading.commit()
    with runtime.context.uow() as uow:
        report = audit.verify_trail(uow, runtime.context.anchor)
        actions = [event.entry.action for event in uow.audit.in_order()]
    assert report.intact
    assert actions[-2:] == ["home_read", "chart_read"]  # in the order they committed


def test_the_events_of_one_unit_of_work_chain_in_the_order_recorded(runtime: Runtime) -> None:
    actor = _actor(1)
    with runtime.context.uow() as uow:
        for n in range(30):
            audit.record(uow, actor, "read", "patient", n)
        uow.commit()
        audit.record(uow, actor, "read", "patient", 30)
        uow.commit()
    with runtime.context.uow() as uow:
        events = list(uow.audit.in_order())
        report = audit.verify_trail(uow, runtime.context.anchor)
    assert [e.entry.record_id for e in events] == [str(n) for n in range(31)]
    assert [e.seq for e in events] == list(range(1, 32))
    assert report.intact and report.events == 31


def test_readers_committing_at_once_each_find_their_events_in_one_whole_chain(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    readers, reads = 8, 10
    start = threading.Barrier(readers)

    def read_charts(reader: int) -> None:
        actor = Actor(reader, north.clinic.id, Role.CLINICIAN, f"reader {reader}", "127.0.0.1")
        start.wait()
        for n in range(reads):
            with runtime.context.uow() as uow:
                uow.charts.chart(north.clinic.id, north.patient.id)
                audit.record(uow, actor, "chart_read", "patient", f"{reader}.{n}.a")
                audit.record(uow, actor, "chart_read", "patient", f"{reader}.{n}.b")
                uow.commit()

    threads = [threading.Thread(target=read_charts, args=(r,)) for r in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with runtime.context.uow() as uow:
        report = audit.verify_trail(uow, runtime.context.anchor)
        read = [e.entry.record_id for e in uow.audit.in_order() if e.entry.action == "chart_read"]
    assert report.intact
    assert sorted(read) == sorted(f"{r}.{n}.{p}" for r in range(readers) for n in range(reads)
                                  for p in "ab")  # fmt: skip
    for reader in range(readers):  # each reader's events in the order it recorded them
        own = [record for record in read if record.startswith(f"{reader}.")]
        assert own == [f"{reader}.{n}.{p}" for n in range(reads) for p in "ab"]


def test_a_read_whose_events_cannot_be_written_fails_and_shows_nothing_unaudited(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    actor = _actor(north.clinic.id)

    def refuse(*_args: object) -> None:
        raise OSError("disk full")

    with runtime.context.uow() as uow:
        before, _ = uow.audit.head()
    with monkeypatch.context() as patched:
        patched.setattr(SqlAuditTrail, "write", refuse)
        with runtime.context.uow() as uow:
            audit.record(uow, actor, "chart_read", "patient", north.patient.id)
            with pytest.raises(EventsNotWritten):
                uow.commit()
    with runtime.context.uow() as uow:
        audit.record(uow, actor, "chart_read", "patient", north.patient.id)
        uow.commit()  # the next read is written as before
        after, _ = uow.audit.head()
        report = audit.verify_trail(uow, runtime.context.anchor)
    assert report.intact and after == before + 1
