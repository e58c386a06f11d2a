"""Session use cases on real storage: limits per patient, reasons, what gets scheduled."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import AppointmentKind
from resurface.domain.codes import AlertCode, FitzpatrickType, Urgency
from resurface.domain.errors import InvalidInput
from resurface.domain.people import Role
from resurface.services import sessions
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import PermissionDenied
from resurface.services.recovery import alerts
from resurface.services.sessions import AreaEntry, SessionEntry
from tests.support.clinic import SeededClinic, seed_clinic


def actor(ctx: Context, seeded: SeededClinic, role: Role) -> Actor:
    with ctx.uow() as uow:
        user = uow.users.by_username(seeded.usernames[role])
        assert user is not None
    return Actor(user.id, user.clinic_id, user.role, user.display_name, "test")


def entry(today: dt.date, **settings: object) -> SessionEntry:
    values: dict[str, object] = {"energy_mj": 15.0, "density_pct": 10.0, "passes": 2} | settings
    area = AreaEntry("perioral", "fractional_ablative_co2", **values)  # type: ignore[arg-type]
    return SessionEntry(today, "Test CO2", (area,))


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def a_month_on(ctx: Context) -> Context:
    """The seeded patient's first session was 5 days ago; the plan's interval is 4-8 weeks."""
    return ctx.at(dt.datetime.now(dt.UTC) + dt.timedelta(days=30))


def test_the_second_session_completes_the_plan_and_books_check_ins(
    ctx: Context, north: SeededClinic
) -> None:
    ctx = a_month_on(ctx)
    today = ctx.clock.today()
    clinician = actor(ctx, north, Role.CLINICIAN)
    recorded = sessions.record_session(ctx, clinician, north.patient.id, entry(today))
    assert recorded.session.plan_id == north.record_ids["plan"]
    assert recorded.next_session is None and recorded.sessions_remaining == 0
    assert recorded.checkins and all(a.kind is AppointmentKind.CHECKIN for a in recorded.checkins)
    assert all(a.after_session_id == recorded.session.id for a in recorded.checkins)
    view = sessions.session_view(ctx, clinician, recorded.session.id)
    assert len(view.checkins) == len(recorded.checkins)


def test_darker_skin_lowers_the_density_limit(ctx: Context, north: SeededClinic) -> None:
    ctx = a_month_on(ctx)
    today = ctx.clock.today()
    clinician = actor(ctx, north, Role.CLINICIAN)
    fair = sessions.session_draft(ctx, clinician, north.patient.id)
    with ctx.uow() as uow:
        chart = uow.charts.chart(north.clinic.id, north.patient.id)
        from dataclasses import replace

        consultation = replace(chart.consultations[0], id=0, fitzpatrick_type=FitzpatrickType.V)
        uow.charts.add_consultation(consultation)
        uow.commit()
    dark = sessions.session_draft(ctx, clinician, north.patient.id)
    fair_density = fair.areas[0].limits.density_max_pct
    dark_density = dark.areas[0].limits.density_max_pct
    assert fair_density is not None and dark_density is not None and dark_density < fair_density
    over = entry(today, density_pct=dark_density + 1)
    with pytest.raises(InvalidInput) as rejected:
        sessions.record_session(ctx, clinician, north.patient.id, over)
    density = next(p for p in rejected.value.problems if p.setting == "density")
    assert density.limit == dark_density and density.field == "areas[0].density_pct"


def test_missing_and_impossible_values_are_all_named(ctx: Context, north: SeededClinic) -> None:
    ctx = a_month_on(ctx)
    today = ctx.clock.today()
    clinician = actor(ctx, north, Role.CLINICIAN)
    bad = SessionEntry(
        today + dt.timedelta(days=1),
        " ",
        (AreaEntry("perioral", "fractional_ablative_co2", fluence_j_cm2=3, density_pct=140),),
    )
    with pytest.raises(InvalidInput) as rejected:
        sessions.record_session(ctx, clinician, north.patient.id, bad)
    fields = {p.field for p in rejected.value.problems}
    assert {
        "performed_on",
        "device",
        "areas[0].fluence_j_cm2",
        "areas[0].energy_mj",
        "areas[0].passes",
        "areas[0].density_pct",
    } <= fields


def test_staff_may_not_record_sessions(ctx: Context, north: SeededClinic) -> None:
    ctx = a_month_on(ctx)
    today = ctx.clock.today()
    staff = actor(ctx, north, Role.STAFF)
    with pytest.raises(PermissionDenied):
        sessions.record_session(ctx, staff, north.patient.id, entry(today))


def test_impossible_settings_are_refused_even_with_a_reason(
    ctx: Context, north: SeededClinic
) -> None:
    ctx = a_month_on(ctx)
    clinician = actor(ctx, north, Role.CLINICIAN)
    typed = AreaEntry(
        "perioral",
        "fractional_ablative_co2",
        energy_mj=1e308,
        density_pct=10,
        passes=1,
        spot_size_mm=1e300,
        pulse_duration_ms=0,
        beyond_limits_reason="the device allows it",
    )
    entry = SessionEntry(ctx.clock.today(), "CO2 device", (typed,))
    with pytest.raises(InvalidInput) as refused:
        sessions.record_session(ctx, clinician, north.patient.id, entry)
    fields = [p.field for p in refused.value.problems]
    assert fields == [
        "areas[0].energy_mj",
        "areas[0].pulse_duration_ms",
        "areas[0].spot_size_mm",
    ]
    assert "outside what a resurfacing laser delivers (0.1 to 500)" in refused.value.message
    draft = sessions.session_draft(ctx, clinician, north.patient.id)
    assert all(a.settings.energy_mj != 1e308 for a in draft.areas)


def test_a_session_too_soon_is_stopped_then_recorded_with_the_reason(
    ctx: Context, north: SeededClinic
) -> None:
    clinician = actor(ctx, north, Role.CLINICIAN)
    today = ctx.clock.today()
    draft = sessions.session_draft(ctx, clinician, north.patient.id)
    assert [g.guard.value for g in draft.guards] == ["too_soon"]
    with pytest.raises(InvalidInput) as stopped:
        sessions.record_session(ctx, clinician, north.patient.id, entry(today))
    assert stopped.value.field == "proceed_reason"
    assert "5 days earlier" in stopped.value.message
    reason = "Patient travels abroad next month; discussed with the medical director."
    typed = entry(today)
    recorded = sessions.record_session(
        ctx, clinician, north.patient.id, replace(typed, proceed_reason=reason)
    )
    view = sessions.session_view(ctx, clinician, recorded.session.id)
    assert view.session.proceed_reason == reason
    assert view.session.guards_passed and "5 days earlier" in view.session.guards_passed[0]


def test_an_urgent_alert_must_be_acknowledged_before_a_session(
    ctx: Context, north: SeededClinic
) -> None:
    ctx = a_month_on(ctx)
    clinician = actor(ctx, north, Role.CLINICIAN)
    with ctx.uow() as uow:
        alert = uow.alerts.add(
            ClinicAlert(
                0, north.clinic.id, north.patient.id, north.record_ids["session"],
                AlertCode.POSSIBLE_INFECTION, Urgency.URGENT, 3, "yellow crust with pain", "",
                ctx.clock.now(),
            )
        )  # fmt: skip
        uow.commit()
    typed = replace(entry(ctx.clock.today()), proceed_reason="reviewed in person")
    with pytest.raises(InvalidInput) as stopped:
        sessions.record_session(ctx, clinician, north.patient.id, typed)
    assert stopped.value.field == "guards" and "Acknowledge it" in stopped.value.message
    alerts.acknowledge(ctx, clinician, alert.id, alert.version, "saw the patient: healing well")
    recorded = sessions.record_session(ctx, clinician, north.patient.id, typed)
    assert recorded.session.proceed_reason == "reviewed in person"
