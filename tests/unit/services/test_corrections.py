"""Correcting the chart on the fakes: what entered in error leaves out, what follows from it, and
how an amendment keeps the earlier version."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.corrections import CorrectionKind, RecordKind
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.people import Role
from resurface.services import corrections, patients, results, sessions
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import Conflict, NotFound, PermissionDenied
from tests.support.clinic import SeededClinic, seed_clinic

REASON = "recorded for the wrong patient"


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def _actor(ctx: Context, seeded: SeededClinic, role: Role) -> Actor:
    with ctx.uow() as uow:
        user = uow.users.by_username(seeded.usernames[role])
        assert user is not None
    return Actor(user.id, user.clinic_id, user.role, user.display_name, "test")


def _alert(ctx: Context, seeded: SeededClinic, checkin_id: int | None) -> ClinicAlert:
    with ctx.uow() as uow:
        alert = uow.alerts.add(
            ClinicAlert(
                0,
                seeded.clinic.id,
                seeded.patient.id,
                seeded.record_ids["session"],
                AlertCode.POSSIBLE_INFECTION,
                Urgency.URGENT,
                day=3,
                message="Possible infection",
                patient_message="Please call the clinic now",
                raised_at=ctx.clock.now(),
                checkin_id=checkin_id,
            )
        )
        uow.commit()
    return alert


def _booked(ctx: Context, seeded: SeededClinic) -> Appointment:
    with ctx.uow() as uow:
        booked = uow.appointments.add(
            Appointment(
                0,
                seeded.clinic.id,
                seeded.patient.id,
                AppointmentKind.CHECKIN,
                ctx.clock.today() + dt.timedelta(days=2),
                seeded.record_ids["session"],
                seeded.record_ids["plan"],
            )
        )
        uow.commit()
    return booked


def test_a_session_entered_in_error_counts_for_nothing_and_ends_its_recovery(
    ctx: Context, north: SeededClinic
) -> None:
    clinician = _actor(ctx, north, Role.CLINICIAN)
    alert = _alert(ctx, north, checkin_id=None)
    booked = _booked(ctx, north)
    before = results.read_results(ctx, clinician, north.patient.id)
    assert [r.sessions_done for r in before.responses] == [1]

    kept = corrections.enter_in_error(
        ctx, clinician, RecordKind.SESSION, north.record_ids["session"], 1, REASON
    )

    assert kept.kind is CorrectionKind.ENTERED_IN_ERROR and kept.reason == REASON
    after = results.read_results(ctx, clinician, north.patient.id)
    assert [r.sessions_done for r in after.responses] == [0]  # the re-estimate counts it no more
    with ctx.uow() as uow:
        chart = uow.charts.chart(north.clinic.id, north.patient.id)
        assert chart.sessions == ()
        assert [r.id for r in chart.entered_in_error] == [north.record_ids["session"]]
        assert uow.alerts.get(north.clinic.id, alert.id).status is AlertStatus.CLOSED  # type: ignore[union-attr]
        [appointment] = uow.appointments.for_patient(north.clinic.id, north.patient.id)
        assert appointment.id == booked.id and appointment.status is AppointmentStatus.CANCELLED
        facts = uow.patients.series(north.clinic.id, north.patient.id)
        assert facts.sessions_done == 0


def test_a_checkin_entered_in_error_closes_only_the_alerts_it_raised(
    ctx: Context, north: SeededClinic
) -> None:
    clinician = _actor(ctx, north, Role.CLINICIAN)
    raised = _alert(ctx, north, checkin_id=north.record_ids["checkin"])
    other = _alert(ctx, north, checkin_id=None)
    corrections.enter_in_error(
        ctx, clinician, RecordKind.CHECKIN, north.record_ids["checkin"], 1, REASON
    )
    with ctx.uow() as uow:
        assert uow.alerts.get(north.clinic.id, raised.id).status is AlertStatus.CLOSED  # type: ignore[union-attr]
        assert uow.alerts.get(north.clinic.id, other.id).status is AlertStatus.OPEN  # type: ignore[union-attr]
        assert uow.charts.chart(north.clinic.id, north.patient.id).checkins == ()


def test_a_plan_entered_in_error_is_no_longer_treated_from(
    ctx: Context, north: SeededClinic
) -> None:
    clinician = _actor(ctx, north, Role.CLINICIAN)
    corrections.enter_in_error(ctx, clinician, RecordKind.PLAN, north.record_ids["plan"], 1, REASON)
    with pytest.raises(InvalidInput) as refused:
        sessions.session_draft(ctx, clinician, north.patient.id)
    assert refused.value.field == "plan"


def test_a_photo_entered_in_error_leaves_results(ctx: Context, north: SeededClinic) -> None:
    clinician = _actor(ctx, north, Role.CLINICIAN)
    assert results.read_results(ctx, clinician, north.patient.id).regions
    corrections.enter_in_error(
        ctx, clinician, RecordKind.PHOTO, north.record_ids["photo"], 1, REASON
    )
    assert results.read_results(ctx, clinician, north.patient.id).regions == ()


def test_entered_in_error_needs_a_reason_the_current_version_and_is_done_once(
    ctx: Context, north: SeededClinic
) -> None:
    clinician = _actor(ctx, north, Role.CLINICIAN)
    session_id = north.record_ids["session"]
    with pytest.raises(InvalidInput) as no_reason:
        corrections.enter_in_error(ctx, clinician, RecordKind.SESSION, session_id, 1, "  ")
    assert no_reason.value.field == "reason"
    with pytest.raises(VersionConflict):
        corrections.enter_in_error(ctx, clinician, RecordKind.SESSION, session_id, 7, REASON)
    corrections.enter_in_error(ctx, clinician, RecordKind.SESSION, session_id, 1, REASON)
    with pytest.raises(Conflict):
        corrections.enter_in_error(ctx, clinician, RecordKind.SESSION, session_id, 2, REASON)


def test_only_chart_writers_of_the_clinic_mark_records(ctx: Context, north: SeededClinic) -> None:
    south = seed_clinic(ctx.uow, "south")
    front_desk = _actor(ctx, north, Role.STAFF)
    with pytest.raises(PermissionDenied):
        corrections.enter_in_error(
            ctx, front_desk, RecordKind.SESSION, north.record_ids["session"], 1, REASON
        )
    clinician = _actor(ctx, north, Role.CLINICIAN)
    with pytest.raises(NotFound):
        corrections.enter_in_error(
            ctx, clinician, RecordKind.SESSION, south.record_ids["session"], 1, REASON
        )


def test_a_patients_details_are_amended_and_the_earlier_version_kept(
    ctx: Context, north: SeededClinic
) -> None:
    front_desk = _actor(ctx, north, Role.STAFF)
    corrected = replace(north.patient, phone="07700 900123")
    saved = patients.amend_details(ctx, front_desk, north.patient.id, 1, corrected, "new number")
    assert saved.phone == "07700 900123" and saved.version == 2
    [entry] = patients.patient_details(ctx, front_desk, north.patient.id).history
    assert entry.correction.earlier["phone"] == ""
    assert [(c.what, c.after) for c in entry.correction.changes] == [("Phone", "07700 900123")]
    assert entry.corrected_by == front_desk.name
    with pytest.raises(InvalidInput) as unchanged:
        patients.amend_details(ctx, front_desk, north.patient.id, 2, saved, "again")
    assert unchanged.value.message == "nothing was changed"
