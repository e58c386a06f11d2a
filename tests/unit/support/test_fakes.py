"""The fakes hold to the ports (mypy checks the assignments below) and answer as the SQL
repositories do in what use cases rely on: rollback unless commit, ids, clinic scoping, version
conflicts, ordering."""

from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import replace
from email.message import EmailMessage

import pytest

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.audit import first_broken_link
from resurface.domain.codes import AlertCode, Modality, Urgency
from resurface.domain.errors import VersionConflict
from resurface.domain.links import RecoveryLink
from resurface.domain.messages import Notification, NotificationKind, NotificationStatus
from resurface.domain.people import Clinic, Patient, Role, Sex
from resurface.services import audit
from resurface.services.auth import actor_of
from resurface.services.errors import PhotoFileMissing
from resurface.services.passwords import verify_password
from resurface.services.ports import (
    Alerts,
    Appointments,
    AuditTrail,
    Charts,
    Clinics,
    Mailer,
    Notifications,
    OutcomeRatings,
    Patients,
    PhotoMeasurements,
    PhotoStore,
    RecoveryLinks,
    SeriesFacts,
    UnitOfWork,
    Users,
    WebSession,
    WebSessions,
)
from tests.support.clinic import patient_with_chart
from tests.support.contexts import (
    NOW,
    PASSWORD,
    add_patient,
    fake_context,
    seed_clinic,
    shipped_rules,
)
from tests.support.fakes import (
    DuplicateKey,
    FakeDatabase,
    FakeMailer,
    FakePhotoStore,
    FakeUnitOfWork,
)

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def test_the_fakes_implement_the_ports() -> None:
    uow: UnitOfWork = FakeUnitOfWork()
    clinics: Clinics = uow.clinics
    users: Users = FakeUnitOfWork().users
    patients: Patients = FakeUnitOfWork().patients
    charts: Charts = FakeUnitOfWork().charts
    trail: AuditTrail = FakeUnitOfWork().audit
    web_sessions: WebSessions = FakeUnitOfWork().web_sessions
    appointments: Appointments = FakeUnitOfWork().appointments
    alerts: Alerts = FakeUnitOfWork().alerts
    links: RecoveryLinks = FakeUnitOfWork().recovery_links
    notifications: Notifications = FakeUnitOfWork().notifications
    outcomes: OutcomeRatings = FakeUnitOfWork().outcomes
    measurements: PhotoMeasurements = FakeUnitOfWork().measurements
    photos: PhotoStore = FakePhotoStore()
    mailer: Mailer = FakeMailer()
    ported = [clinics, users, patients, charts, trail, web_sessions, appointments, alerts]
    assert all(ported) and all([links, notifications, outcomes, measurements, photos, mailer])


def _clinic(slug: str = "harbour") -> Clinic:
    return Clinic(0, f"Clinic {slug}", slug)


def _patient(clinic_id: int, family_name: str, given_name: str = "Robin") -> Patient:
    return Patient(0, clinic_id, given_name, family_name, dt.date(1970, 5, 17), Sex.FEMALE)


# --- the unit of work ----------------------------------------------------------------------


def test_nothing_is_kept_unless_committed() -> None:
    db = FakeDatabase()
    with db.unit_of_work() as uow:
        uow.clinics.add(_clinic())
    with db.unit_of_work() as uow:
        assert uow.clinics.all() == []
        assert uow.committed == 0
    assert db.commits == 0


def test_a_commit_is_seen_by_later_units_of_work_and_counted() -> None:
    db = FakeDatabase()
    with db.unit_of_work() as uow:
        clinic = uow.clinics.add(_clinic())
        uow.commit()
        assert uow.committed == 1
    with db.unit_of_work() as uow:
        assert uow.clinics.get(clinic.id) == clinic
    assert db.commits == 1


def test_changes_after_the_last_commit_are_rolled_back() -> None:
    db = FakeDatabase()
    with db.unit_of_work() as uow:
        kept = uow.clinics.add(_clinic("kept"))
        uow.commit()
        uow.clinics.add(_clinic("lost"))
    with pytest.raises(RuntimeError):
        _add_then_fail(db)
    with db.unit_of_work() as uow:
        assert uow.clinics.all() == [kept]


def _add_then_fail(db: FakeDatabase) -> None:
    with db.unit_of_work() as uow:
        uow.clinics.add(_clinic("also-lost"))
        raise RuntimeError("the use case failed")


def test_rollback_forgets_what_was_done_since_the_last_commit() -> None:
    with FakeUnitOfWork() as uow:
        uow.clinics.add(_clinic())
        uow.rollback()
        assert uow.clinics.all() == []


def test_a_use_case_helper_records_audit_events_in_the_callers_unit_of_work() -> None:
    ctx, db = fake_context()
    clinic = seed_clinic(db)
    with ctx.uow() as uow:
        audit.record(uow, clinic.admin, "patient_read", "patient", 1, patient_id=1)
    with ctx.uow() as uow:
        assert uow.audit.head()[0] == 0
        audit.record(uow, clinic.admin, "patient_read", "patient", 1, patient_id=1)
        audit.record(uow, clinic.admin, "patient_read", "patient", 2, patient_id=2)
        uow.commit()
    with ctx.uow() as uow:
        events = list(uow.audit.in_order())
        assert [e.seq for e in events] == [1, 2]
        assert first_broken_link(events) is None
        assert uow.audit.head() == (2, events[-1].hash)
        assert [e.entry.record_id for e in uow.audit.for_patient(clinic.clinic.id, 2)] == ["2"]
        assert uow.audit.for_patient(clinic.clinic.id + 1, 2) == []


# --- ids, scoping, ordering ----------------------------------------------------------------


def test_records_go_in_with_id_zero_and_come_back_numbered() -> None:
    with FakeUnitOfWork() as uow:
        first = uow.clinics.add(_clinic("one"))
        second = uow.clinics.add(_clinic("two"))
        patient = uow.patients.add(_patient(first.id, "Tester"))
    assert (first.id, second.id, patient.id) == (1, 2, 1)
    assert patient.version == 1


def test_the_database_refuses_what_its_unique_constraints_refuse() -> None:
    with FakeUnitOfWork() as uow:
        uow.clinics.add(_clinic())
        with pytest.raises(DuplicateKey):
            uow.clinics.add(_clinic())


def test_another_clinics_records_read_as_absent() -> None:
    with FakeUnitOfWork() as uow:
        here, there = uow.clinics.add(_clinic("here")), uow.clinics.add(_clinic("there"))
        patient, ids = patient_with_chart(uow, here.id, 1, "here", dt.date(2026, 3, 1))
        assert uow.patients.get(there.id, patient.id) is None
        assert uow.patients.get(here.id, patient.id) == patient
        assert uow.charts.plan(there.id, ids["plan"]) is None
        assert uow.charts.session(there.id, ids["session"]) is None
        assert uow.charts.photo(there.id, ids["photo"]) is None
        assert uow.charts.chart(there.id, patient.id).sessions == ()
        chart = uow.charts.chart(here.id, patient.id)
        assert [p.id for p in chart.plans] == [ids["plan"]]
        assert chart.checkins[0].id == ids["checkin"]


def test_patients_are_listed_by_family_name_then_given_name_and_searched_by_every_word() -> None:
    with FakeUnitOfWork() as uow:
        clinic = uow.clinics.add(_clinic())
        other = uow.clinics.add(_clinic("other"))
        for family, given in [("Young", "Ada"), ("Adams", "Zoe"), ("Adams", "Alan")]:
            uow.patients.add(_patient(clinic.id, family, given))
        uow.patients.add(_patient(other.id, "Adams", "Anne"))
        listed = uow.patients.in_clinic(clinic.id)
        assert [p.full_name for p in listed] == ["Alan Adams", "Zoe Adams", "Ada Young"]
        assert [p.full_name for p in uow.patients.in_clinic(clinic.id, "ADA zo")] == ["Zoe Adams"]


def test_a_patient_saved_from_a_stale_version_is_refused() -> None:
    ctx, db = fake_context()
    patient = seed_clinic(db).patient
    with ctx.uow() as uow:
        saved = uow.patients.update(replace(patient, phone="+44 1"))
        uow.commit()
    assert saved.version == 2
    with ctx.uow() as uow, pytest.raises(VersionConflict):
        uow.patients.update(replace(patient, phone="+44 2"))
    with ctx.uow() as uow:
        assert uow.patients.get(patient.clinic_id, patient.id) == saved


def test_series_facts_count_sessions_of_the_latest_accepted_plan() -> None:
    with FakeUnitOfWork() as uow:
        clinic = uow.clinics.add(_clinic())
        patient, _ = patient_with_chart(uow, clinic.id, 1, "x", dt.date(2026, 3, 1))
        waiting = uow.patients.add(_patient(clinic.id, "Waiting"))
        facts = uow.patients.series(clinic.id, patient.id)
        nothing = SeriesFacts(0, 0, None, None)
        assert uow.patients.series(clinic.id + 1, patient.id) == nothing
        assert uow.patients.series(clinic.id, waiting.id) == nothing
    assert facts == SeriesFacts(2, 1, dt.date(2026, 2, 24), Modality.FRACTIONAL_ABLATIVE_CO2)


def test_a_plan_saved_from_a_stale_version_is_refused() -> None:
    with FakeUnitOfWork() as uow:
        clinic = uow.clinics.add(_clinic())
        _, ids = patient_with_chart(uow, clinic.id, 1, "x", dt.date(2026, 3, 1))
        plan = uow.charts.plan(clinic.id, ids["plan"])
        assert plan is not None
        saved = uow.charts.update_plan(replace(plan, cosigned_by=7))
        assert saved.version == 2
        assert uow.charts.plan(clinic.id, plan.id) == saved
        with pytest.raises(VersionConflict):
            uow.charts.update_plan(plan)


def _alert(clinic_id: int, session_id: int, raised_at: dt.datetime) -> ClinicAlert:
    return ClinicAlert(
        0,
        clinic_id,
        1,
        session_id,
        AlertCode.POSSIBLE_INFECTION,
        Urgency.URGENT,
        3,
        "m",
        "p",
        raised_at,
    )


def test_alerts_newest_first_per_clinic_oldest_first_per_session_and_versioned() -> None:
    with FakeUnitOfWork() as uow:
        old = uow.alerts.add(_alert(1, 5, T0))
        new = uow.alerts.add(_alert(1, 5, T0 + dt.timedelta(hours=1)))
        closed = uow.alerts.add(replace(_alert(1, 6, T0), status=AlertStatus.CLOSED))
        uow.alerts.add(_alert(2, 5, T0))
        assert [a.id for a in uow.alerts.open_in_clinic(1)] == [new.id, old.id]
        assert [a.id for a in uow.alerts.for_patient(1, 1)] == [new.id, closed.id, old.id]
        assert [a.id for a in uow.alerts.for_session(1, 5)] == [old.id, new.id]
        acknowledged = uow.alerts.update(replace(old, status=AlertStatus.ACKNOWLEDGED, note="rang"))
        assert acknowledged.version == 2
        with pytest.raises(VersionConflict):
            uow.alerts.update(replace(old, note="stale"))
        with pytest.raises(VersionConflict):
            uow.alerts.update(replace(acknowledged, clinic_id=2))
        assert uow.alerts.get(2, old.id) is None


def test_appointments_due_by_day_within_the_clinic() -> None:
    day = dt.date(2026, 3, 1)
    with FakeUnitOfWork() as uow:
        later = uow.appointments.add(Appointment(0, 1, 1, AppointmentKind.SESSION, day))
        sooner = uow.appointments.add(
            Appointment(0, 1, 1, AppointmentKind.CHECKIN, day - dt.timedelta(days=1))
        )
        uow.appointments.add(Appointment(0, 2, 1, AppointmentKind.CHECKIN, day))
        assert [a.id for a in uow.appointments.due(1, day)] == [sooner.id, later.id]
        uow.appointments.set_status(2, sooner.id, AppointmentStatus.DONE)
        uow.appointments.set_status(1, later.id, AppointmentStatus.DONE)
        assert [a.id for a in uow.appointments.due(1, day)] == [sooner.id]
        assert [a.id for a in uow.appointments.for_patient(1, 1)] == [sooner.id, later.id]


def test_recovery_links_are_found_by_token_and_revoked_once_within_the_clinic() -> None:
    with FakeUnitOfWork() as uow:
        link = uow.recovery_links.add(
            RecoveryLink(0, 1, 1, 5, "h" * 64, 1, T0, T0 + dt.timedelta(days=42))
        )
        assert uow.recovery_links.by_token_hash("h" * 64) == link
        assert not uow.recovery_links.revoke(2, link.id, T0)
        assert uow.recovery_links.revoke(1, link.id, T0)
        assert not uow.recovery_links.revoke(1, link.id, T0)
        assert [x.revoked_at for x in uow.recovery_links.for_session(1, 5)] == [T0]


def test_the_outbox_sends_due_messages_oldest_first_and_claims_each_once() -> None:
    def message(clinic_id: int) -> Notification:
        return Notification(0, clinic_id, NotificationKind.URGENT_ALERT, "a@b.c", "s", "b", T0)

    with FakeUnitOfWork() as uow:
        first, second, third = (uow.notifications.add(message(c)) for c in (1, 2, 1))
        uow.notifications.save_delivery(replace(second, status=NotificationStatus.SENT))
        assert [n.id for n in uow.notifications.ready_to_send(T0)] == [first.id, third.id]
        assert [n.id for n in uow.notifications.ready_to_send(T0, limit=1)] == [first.id]
        assert [n.id for n in uow.notifications.in_clinic(1)] == [third.id, first.id]
        until = T0 + dt.timedelta(minutes=5)
        assert uow.notifications.claim(first.id, T0, until)
        assert not uow.notifications.claim(first.id, T0, until)
        assert uow.notifications.claim(first.id, until, until + dt.timedelta(minutes=5))


def test_web_sessions_expire() -> None:
    with FakeUnitOfWork() as uow:
        for token, hours in (("a", 1), ("b", 9)):
            uow.web_sessions.add(
                WebSession(token, 1, 1, "csrf", T0, T0 + dt.timedelta(hours=hours))
            )
        assert uow.web_sessions.delete_expired(T0 + dt.timedelta(hours=1)) == 1
        assert uow.web_sessions.get("a") is None
        uow.web_sessions.delete("b")
        assert uow.web_sessions.get("b") is None


# --- photo store, mailer, context ----------------------------------------------------------


def test_the_photo_store_is_content_addressed() -> None:
    store = FakePhotoStore()
    key = store.put(b"pixels")
    assert store.put(b"pixels") == key
    assert store.exists(key) and store.get(key) == b"pixels"
    assert not store.exists("0" * 64)
    with pytest.raises(PhotoFileMissing):
        store.get("0" * 64)


def test_the_mailer_keeps_messages_or_fails_as_told() -> None:
    message = EmailMessage()
    mailer = FakeMailer()
    mailer.send(message)
    assert mailer.sent == [message]
    with pytest.raises(smtplib.SMTPException):
        FakeMailer(smtplib.SMTPException("down")).send(message)


def test_a_fake_context_has_a_pinned_clock_the_shipped_rules_and_a_seeded_clinic() -> None:
    ctx, db = fake_context()
    assert ctx.clock.now() == NOW
    assert ctx.rules is shipped_rules()
    clinic = seed_clinic(db)
    assert clinic.clinician.role is Role.CLINICIAN and clinic.front_desk.role is Role.STAFF
    with ctx.uow() as uow:
        user = uow.users.by_username("harbour.clinician")
        assert user is not None
        assert actor_of(user, "test") == clinic.clinician
        assert verify_password(user.password_hash, PASSWORD)
        assert [p.id for p in uow.patients.in_clinic(clinic.clinic.id)] == [clinic.patient.id]
    second = add_patient(db, clinic.clinic.id, family_name="Second")
    assert second.id == clinic.patient.id + 1
