"""The patient link follows the series: handed over after the consultation, before the plan is
decided, it keeps working once the plan is accepted and the series runs; without a plan, or
revoked, or lapsed before the plan was made, it expires."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.chart import AreaSettings, PlanStatus, TreatmentSession
from resurface.domain.codes import Area, Modality
from resurface.domain.corrections import RecordKind
from resurface.domain.people import Role
from resurface.services.access import Actor
from resurface.services.errors import LinkNotUsable
from resurface.services.recovery import patient_links
from tests.support.clinic import SeededClinic, seed_clinic

T0 = dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def north(sqlite_runtime: Runtime) -> SeededClinic:
    """The seeded patient, but with their plan still being decided (proposed, no session)."""
    clinic = seed_clinic(sqlite_runtime.context.uow, "north", today=T0.date())
    with sqlite_runtime.context.uow() as uow:
        plan = uow.charts.plan(clinic.clinic.id, clinic.record_ids["plan"])
        assert plan is not None
        uow.charts.update_plan(replace(plan, status=PlanStatus.PROPOSED))
        session = uow.charts.session(clinic.clinic.id, clinic.record_ids["session"])
        assert session is not None
        uow.charts.mark_entered_in_error(
            RecordKind.SESSION, clinic.clinic.id, session.id, session.version, "no session yet"
        )
        uow.commit()
    return clinic


def _issue(runtime: Runtime, clinic: SeededClinic) -> patient_links.IssuedPatientLink:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(clinic.usernames[Role.CLINICIAN])
    assert user is not None
    actor = Actor(user.id, clinic.clinic.id, Role.CLINICIAN, user.display_name)
    return patient_links.create_link(runtime.context.at(T0), actor, clinic.patient.id)


def _opens(runtime: Runtime, token: str, at: dt.datetime) -> dt.datetime:
    with runtime.context.uow() as uow:
        access = patient_links.access_in(
            uow, runtime.context.links.secret, token, at, runtime.context.rules
        )
        uow.commit()
    return access.link.expires_at


def _accept_and_treat(runtime: Runtime, clinic: SeededClinic, treated: dt.date) -> None:
    with runtime.context.uow() as uow:
        plan = uow.charts.plan(clinic.clinic.id, clinic.record_ids["plan"])
        assert plan is not None
        uow.charts.update_plan(replace(plan, status=PlanStatus.ACCEPTED))
        uow.charts.add_session(
            TreatmentSession(
                0, clinic.clinic.id, clinic.patient.id, plan.clinician_id, treated, "Test CO2",
                areas=(AreaSettings(Area.PERIORAL, Modality.FRACTIONAL_ABLATIVE_CO2, 10600),),
                plan_id=plan.id,
            )
        )  # fmt: skip
        uow.commit()


def test_a_link_handed_over_before_the_plan_follows_the_series(
    sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    issued = _issue(sqlite_runtime, north)
    assert issued.link.expires_at == T0 + dt.timedelta(days=30)  # no decided plan: the margin
    treated = T0.date() + dt.timedelta(days=20)
    _accept_and_treat(sqlite_runtime, north, treated)
    later = T0 + dt.timedelta(days=45)
    expires = _opens(sqlite_runtime, issued.token, later)
    # At most 3 sessions 8 weeks apart from the first, then the 90-day course and 30 days.
    assert expires.date() == treated + dt.timedelta(weeks=16, days=120)
    with sqlite_runtime.context.uow() as uow:
        stored = uow.patient_links.for_patient(north.clinic.id, north.patient.id)[-1]
    assert stored.expires_at == expires
    with pytest.raises(LinkNotUsable):
        _opens(sqlite_runtime, issued.token, expires + dt.timedelta(minutes=1))


def test_the_clinic_sees_the_renewed_link_as_working(
    sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    issued = _issue(sqlite_runtime, north)
    _accept_and_treat(sqlite_runtime, north, T0.date() + dt.timedelta(days=20))
    with sqlite_runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert user is not None
    actor = Actor(user.id, north.clinic.id, Role.CLINICIAN, user.display_name)
    later = sqlite_runtime.context.at(T0 + dt.timedelta(days=45))
    page = patient_links.link_page(later, actor, north.patient.id)
    assert page.active is not None and page.active.token == issued.token
    assert page.active.link.expires_at > T0 + dt.timedelta(days=45)


def test_without_a_decided_plan_the_link_expires_after_the_margin(
    sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    issued = _issue(sqlite_runtime, north)
    assert _opens(sqlite_runtime, issued.token, T0 + dt.timedelta(days=29))
    with pytest.raises(LinkNotUsable):
        _opens(sqlite_runtime, issued.token, T0 + dt.timedelta(days=31))


def test_a_revoked_link_is_not_renewed_by_the_series(
    sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    issued = _issue(sqlite_runtime, north)
    _accept_and_treat(sqlite_runtime, north, T0.date() + dt.timedelta(days=20))
    with sqlite_runtime.context.uow() as uow:
        uow.patient_links.revoke(north.clinic.id, issued.link.id, T0 + dt.timedelta(days=1))
        uow.commit()
    for day in (2, 45):
        with pytest.raises(LinkNotUsable):
            _opens(sqlite_runtime, issued.token, T0 + dt.timedelta(days=day))
