"""The front desk opens one chart in an emergency: with a reason, read-only, for the clinic's
time limit; every read is audited with the reason and the medical director is e-mailed and sees
it on the Today page."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.domain.errors import InvalidInput
from resurface.domain.messages import NotificationKind
from resurface.services import break_glass, charts, clinic_settings, home
from resurface.services.context import Context
from resurface.services.errors import NotFound, PermissionDenied
from tests.support.contexts import NOW, SeededClinic, add_patient, seed_clinic
from tests.support.fakes import FakeDatabase

REASON = "Patient collapsed in the waiting room; paramedics ask about recent treatment"


@pytest.fixture
def harbour(db: FakeDatabase) -> SeededClinic:
    return seed_clinic(db, "harbour")


@pytest.fixture
def at_nine(ctx: Context) -> Context:
    return ctx.at(NOW)


def _events(ctx: Context, action: str) -> list[str]:
    with ctx.uow() as uow:
        return [e.entry.detail for e in uow.audit.in_order() if e.entry.action == action]


def test_the_front_desk_reads_the_chart_only_under_an_open_emergency_access(
    at_nine: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    desk, patient = harbour.front_desk, harbour.patient
    with pytest.raises(PermissionDenied):
        charts.read_chart(at_nine, desk, patient.id)
    access = break_glass.open_break_glass(at_nine, desk, patient.id, REASON)
    assert access.expires_at == NOW + dt.timedelta(minutes=60)
    view = charts.read_chart(at_nine.at(NOW + dt.timedelta(minutes=59)), desk, patient.id)
    assert view.emergency == access and view.patient.id == patient.id
    assert _events(at_nine, "chart_read_break_glass") == [f"reason: {REASON}"]
    with pytest.raises(PermissionDenied):
        charts.read_chart(at_nine.at(NOW + dt.timedelta(minutes=60)), desk, patient.id)
    other = add_patient(db, harbour.clinic.id, given_name="Other")
    with pytest.raises(PermissionDenied):  # one patient's chart, not the clinic's
        charts.read_chart(at_nine, desk, other.id)


def test_opening_is_audited_and_emails_the_directors_without_naming_the_patient(
    at_nine: Context, harbour: SeededClinic
) -> None:
    break_glass.open_break_glass(at_nine, harbour.front_desk, harbour.patient.id, REASON)
    (opened,) = _events(at_nine, "break_glass_opened")
    assert opened == f"until 2026-03-02 10:30 UTC; reason: {REASON}"
    with at_nine.uow() as uow:
        (mail,) = uow.notifications.in_clinic(harbour.clinic.id)
    assert mail.kind is NotificationKind.BREAK_GLASS
    assert mail.recipient == "harbour.admin@example.org"
    assert harbour.front_desk.name in mail.subject
    assert harbour.patient.family_name not in mail.body + mail.subject
    assert REASON not in mail.body


def test_the_directors_today_page_lists_the_access_with_its_reason(
    at_nine: Context, harbour: SeededClinic
) -> None:
    break_glass.open_break_glass(at_nine, harbour.front_desk, harbour.patient.id, REASON)
    (seen,) = home.clinic_home(at_nine, harbour.admin).emergency_accesses
    assert (seen.access.reason, seen.patient, seen.user and seen.user.id) == (
        REASON,
        harbour.patient,
        harbour.front_desk.user_id,
    )
    for who in (harbour.clinician, harbour.front_desk):
        assert home.clinic_home(at_nine, who).emergency_accesses == ()
    later = at_nine.at(NOW + dt.timedelta(days=8))
    assert home.clinic_home(later, harbour.admin).emergency_accesses == ()


def test_clinicians_and_directors_need_no_emergency_access(
    at_nine: Context, harbour: SeededClinic
) -> None:
    for who in (harbour.clinician, harbour.admin):
        with pytest.raises(PermissionDenied) as refused:
            break_glass.open_break_glass(at_nine, who, harbour.patient.id, REASON)
        assert str(refused.value) == break_glass.ALREADY_SEE_CHARTS


def test_a_reason_is_required_and_another_clinics_patient_is_not_found(
    at_nine: Context, db: FakeDatabase, harbour: SeededClinic
) -> None:
    with pytest.raises(InvalidInput) as refused:
        break_glass.open_break_glass(at_nine, harbour.front_desk, harbour.patient.id, "help")
    assert refused.value.field == "reason"
    northgate = seed_clinic(db, "northgate")
    with pytest.raises(NotFound):
        break_glass.open_break_glass(at_nine, harbour.front_desk, northgate.patient.id, REASON)
    assert _events(at_nine, "break_glass_opened") == []


def test_the_clinic_sets_how_long_it_lasts(at_nine: Context, harbour: SeededClinic) -> None:
    with at_nine.uow() as uow:
        uow.clinics.update(replace(harbour.clinic, break_glass_minutes=15))
        uow.commit()
    access = break_glass.open_break_glass(at_nine, harbour.front_desk, harbour.patient.id, REASON)
    assert access.expires_at - access.opened_at == dt.timedelta(minutes=15)
    status = break_glass.emergency_status(at_nine, harbour.front_desk, harbour.patient.id)
    assert (status.open_access, status.minutes) == (access, 15)


def test_the_director_sets_the_time_limit_within_its_bounds(
    at_nine: Context, harbour: SeededClinic
) -> None:
    updated = clinic_settings.set_break_glass_minutes(at_nine, harbour.admin, 30)
    assert updated.break_glass_minutes == 30
    with pytest.raises(InvalidInput) as refused:
        clinic_settings.set_break_glass_minutes(at_nine, harbour.admin, 241)
    assert refused.value.field == "break_glass_minutes"
    with pytest.raises(PermissionDenied):
        clinic_settings.set_break_glass_minutes(at_nine, harbour.clinician, 30)
    assert _events(at_nine, "update") == ["break_glass_minutes 60 -> 30"]
