"""Today's lists read on SQLite and PostgreSQL: the first of each list, read on its own index,
is what the whole list would have shown first, and the totals count the whole list."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.bootstrap import Runtime
from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.codes import AlertCode, Urgency
from resurface.services.recovery.alerts import by_urgency
from resurface.storage.unit_of_work import SqlUnitOfWork
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.population import grow

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
CHECKIN, SESSION = AppointmentKind.CHECKIN, AppointmentKind.SESSION


def _patients(runtime: Runtime, seeded: SeededClinic, count: int) -> list[int]:
    """``count`` patients with nothing booked (consultation only)."""
    grown = grow(runtime.engine, seeded.clinic.id, seeded.patient.id, count, TODAY,
                 stages=[0], whole_charts=False)  # fmt: skip
    return list(range(grown.first_id, grown.first_id + count))


def _book(
    uow: SqlUnitOfWork,
    clinic_id: int,
    patient_id: int,
    kind: AppointmentKind,
    days: int,
    status: AppointmentStatus = AppointmentStatus.BOOKED,
) -> Appointment:
    added = uow.appointments.add(
        Appointment(0, clinic_id, patient_id, kind, TODAY + dt.timedelta(days=days))
    )
    if status is not AppointmentStatus.BOOKED:
        uow.appointments.set_status(clinic_id, added.id, status)
    return added


def test_checkins_and_sessions_due_are_the_first_of_the_whole_lists(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    ids = _patients(runtime, north, 6)
    other = _patients(runtime, south, 1)[0]
    cid = north.clinic.id
    with runtime.context.uow() as uow:
        # several check-ins due per patient (the same day too), done ones, future ones
        for n, pid in enumerate(ids):
            for days in (-9 + n, -9 + n, -2 * n, 1):
                _book(uow, cid, pid, CHECKIN, days)
            _book(uow, cid, pid, CHECKIN, -20, AppointmentStatus.DONE)
            _book(uow, cid, pid, SESSION, (-3, 0, 2, 5, 7, 8)[n])
        _book(uow, cid, ids[0], SESSION, 0, AppointmentStatus.CANCELLED)
        _book(uow, south.clinic.id, other, CHECKIN, -30)
        _book(uow, south.clinic.id, other, SESSION, 0)
        uow.commit()
    with runtime.context.uow() as uow:
        whole = uow.appointments.due(cid, TODAY + dt.timedelta(days=7))
        oldest: dict[int, Appointment] = {}
        for a in whole:
            if a.kind is CHECKIN and a.due_on <= TODAY:
                oldest.setdefault(a.patient_id, a)
        coming = [a.id for a in whole if a.kind is SESSION and a.due_on != TODAY]
        for most, skip in ((1, 0), (4, 0), (50, 0), (2, 1), (4, 3), (3, 5)):
            checkins, patients = uow.appointments.checkins_due(cid, TODAY, most, skip=skip)
            assert [a.id for a in checkins] == [a.id for a in oldest.values()][skip:][:most]
            assert patients == len(oldest) == 6
            sessions, total = uow.appointments.sessions_due(
                cid, TODAY + dt.timedelta(days=7), most, besides=TODAY, skip=skip
            )
            assert [a.id for a in sessions] == coming[skip:][:most]
            assert total == len(coming) if sessions else total == 0
        # a page past the end: none shown, none counted
        assert uow.appointments.checkins_due(cid, TODAY, 5, skip=6) == ([], 0)
        booked_today = uow.appointments.sessions_booked_on(cid, TODAY)
        # nothing due: none shown, none counted (the count rides on the rows shown)
        assert uow.appointments.checkins_due(cid, TODAY - dt.timedelta(days=60), 5) == ([], 0)
        assert uow.appointments.sessions_due(
            cid, TODAY - dt.timedelta(days=60), 5, besides=TODAY
        ) == ([], 0)
    # overdue and this week's sessions; not today's, not the one on day 8
    assert {ids[0], ids[2], ids[3], ids[4]} <= {a.patient_id for a in whole if a.id in coming}
    assert not {ids[1], ids[5]} & {a.patient_id for a in whole if a.id in coming}
    assert [a.patient_id for a in booked_today] == [ids[1]]


def _alert(seeded: SeededClinic, urgency: Urgency, minutes: int) -> ClinicAlert:
    return ClinicAlert(
        0, seeded.clinic.id, seeded.patient.id, seeded.record_ids["session"],
        AlertCode.POSSIBLE_INFECTION, urgency, 3, "staff text", "patient text",
        NOW + dt.timedelta(minutes=minutes), checkin_id=seeded.record_ids["checkin"],
    )  # fmt: skip


def test_the_most_pressing_alerts_are_the_first_of_all_open_ones(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    statuses = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, AlertStatus.CLOSED)
    with runtime.context.uow() as uow:
        for n in range(18):
            urgency = (Urgency.ROUTINE, Urgency.URGENT, Urgency.SOON)[n % 3]
            added = uow.alerts.add(_alert(north, urgency, (n * 7) % 11))
            status = statuses[(n // 3) % 3]
            if status is not AlertStatus.OPEN:
                uow.alerts.update(replace(added, status=status))
        uow.alerts.add(_alert(south, Urgency.URGENT, 30))
        uow.commit()
    with runtime.context.uow() as uow:
        expected = [a.id for a in by_urgency(uow.alerts.open_in_clinic(north.clinic.id))]
        assert len(expected) == 12
        for most in (1, 2, 5, 12, 50):
            found, total = uow.alerts.most_pressing(north.clinic.id, most)
            assert [a.id for a in found] == expected[:most]
            assert total == 12
        # a page further on, and the list of one status, in the same order
        for status in (None, AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED):
            of = [a.id for a in by_urgency(uow.alerts.open_in_clinic(north.clinic.id))
                  if status is None or a.status is status]  # fmt: skip
            assert len(of) == (12 if status is None else 6)
            for most, skip in ((2, 1), (4, 4), (5, 10), (3, 2)):
                found, total = uow.alerts.most_pressing(
                    north.clinic.id, most, skip=skip, status=status
                )
                assert [a.id for a in found] == of[skip:][:most]
                assert total == (len(of) if found else 0)
        assert uow.alerts.most_pressing(-1, 5) == ([], 0)  # no clinic: nothing, and 0
