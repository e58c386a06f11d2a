"""Audit events are chained when their unit of work commits: a request that has recorded a read
and is still working holds no lock, so another request's events commit meanwhile, and the
chain stays whole, in commit order."""

from __future__ import annotations

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.access import Actor
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
