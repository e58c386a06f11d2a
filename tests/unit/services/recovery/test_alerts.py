"""Alert use cases: urgent first, acknowledge and close with a note, stale versions refused,
clinic-scoped, role-checked and audited (on a real SQLite unit of work)."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.alerts import AlertStatus, ClinicAlert
from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.people import Role
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import Conflict, NotFound, PermissionDenied
from resurface.services.recovery import alerts
from tests.support.clinic import SeededClinic, seed_clinic

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def at_now(ctx: Context) -> Context:
    return ctx.at(NOW)


def actor_of(ctx: Context, clinic: SeededClinic, role: Role) -> Actor:
    with ctx.uow() as uow:
        user = uow.users.by_username(clinic.usernames[role])
        assert user is not None
    return Actor(user.id, clinic.clinic.id, role, user.display_name)


def raise_alert(
    ctx: Context, clinic: SeededClinic, urgency: Urgency, minutes: int = 0
) -> ClinicAlert:
    with ctx.uow() as uow:
        alert = uow.alerts.add(
            ClinicAlert(
                0, clinic.clinic.id, clinic.patient.id, clinic.record_ids["session"],
                AlertCode.POSSIBLE_INFECTION, urgency, 4, "crust and pain", "call us",
                NOW + dt.timedelta(minutes=minutes),
            )
        )  # fmt: skip
        uow.commit()
    return alert


def _alert(code: Urgency, status: AlertStatus, minute: int) -> ClinicAlert:
    return ClinicAlert(
        minute, 1, 1, 1, AlertCode.POSSIBLE_HSV, code, 2, "", "",
        NOW + dt.timedelta(minutes=minute), status=status,
    )  # fmt: skip


def test_by_urgency_puts_unacknowledged_urgent_alerts_first() -> None:
    ordered = alerts.by_urgency(
        [
            _alert(Urgency.ROUTINE, AlertStatus.OPEN, 1),
            _alert(Urgency.URGENT, AlertStatus.ACKNOWLEDGED, 2),
            _alert(Urgency.URGENT, AlertStatus.OPEN, 3),
            _alert(Urgency.SOON, AlertStatus.OPEN, 4),
            _alert(Urgency.URGENT, AlertStatus.OPEN, 5),
            _alert(Urgency.URGENT, AlertStatus.CLOSED, 6),
        ]
    )
    assert [a.id for a in ordered] == [5, 3, 4, 1, 2, 6]


def test_acknowledge_then_close_keeps_both_notes(ctx: Context, north: SeededClinic) -> None:
    alert = raise_alert(ctx, north, Urgency.URGENT)
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    with ctx.uow() as uow:
        seen = alerts.acknowledge(at_now(ctx), clinician, alert.id, 1, " Called her ")
    assert seen.status is AlertStatus.ACKNOWLEDGED and seen.version == 2
    assert seen.acknowledged_by == clinician.user_id and seen.acknowledged_at == NOW
    with pytest.raises(Conflict, match="already acknowledged"):
        alerts.acknowledge(at_now(ctx), clinician, alert.id, 2, "again")
    with ctx.uow() as uow:
        closed = alerts.close(at_now(ctx), clinician, alert.id, 2, "Healing well")
    assert closed.status is AlertStatus.CLOSED
    with ctx.uow() as uow:
        stored = uow.alerts.get(north.clinic.id, alert.id)
        events = [e.entry for e in uow.audit.for_patient(north.clinic.id, north.patient.id)]
    assert stored is not None
    assert stored.note.splitlines() == [
        "Acknowledged by clinician of north: Called her",
        "Closed by clinician of north: Healing well",
    ]
    assert [e.action for e in events][-2:] == ["alert_acknowledged", "alert_closed"]
    assert events[-1].record_id == str(alert.id)


def test_stale_version_and_empty_note_change_nothing(ctx: Context, north: SeededClinic) -> None:
    alert = raise_alert(ctx, north, Urgency.SOON)
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    with ctx.uow() as uow:
        with pytest.raises(VersionConflict, match="version 3"):
            alerts.acknowledge(at_now(ctx), clinician, alert.id, 3, "seen")
        with pytest.raises(InvalidInput) as error:
            alerts.close(at_now(ctx), clinician, alert.id, 1, "  ")
    assert error.value.field == "note"
    with pytest.raises(InvalidInput, match="longer than"):
        alerts.close(at_now(ctx), clinician, alert.id, 1, "x" * 2001)
    with ctx.uow() as uow:
        stored = uow.alerts.get(north.clinic.id, alert.id)
    assert stored is not None and stored.status is AlertStatus.OPEN and stored.version == 1


def test_other_clinics_and_front_desk_cannot_act(ctx: Context, north: SeededClinic) -> None:
    south = seed_clinic(ctx.uow, "south")
    alert = raise_alert(ctx, north, Urgency.URGENT)
    outsider = actor_of(ctx, south, Role.ADMIN)
    with ctx.uow():
        with pytest.raises(NotFound):
            alerts.acknowledge(at_now(ctx), outsider, alert.id, 1, "seen")
        assert alerts.list_alerts(at_now(ctx), outsider).total == 0
    staff = actor_of(ctx, north, Role.STAFF)
    with ctx.uow():
        with pytest.raises(PermissionDenied):
            alerts.list_alerts(at_now(ctx), staff)
        with pytest.raises(PermissionDenied):
            alerts.close(at_now(ctx), staff, alert.id, 1, "seen")


def test_list_pages_and_filters_by_status(ctx: Context, north: SeededClinic) -> None:
    first = raise_alert(ctx, north, Urgency.ROUTINE, 0)
    raise_alert(ctx, north, Urgency.URGENT, 1)
    raise_alert(ctx, north, Urgency.SOON, 2)
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    with ctx.uow():
        alerts.close(at_now(ctx), clinician, first.id, 1, "false alarm")
    with ctx.uow():
        page = alerts.list_alerts(at_now(ctx), clinician, page=1, per_page=1)
        assert page.total == 2 and page.pages == 2
        assert page.items[0].alert.urgency is Urgency.URGENT
        assert page.items[0].patient_name == north.patient.full_name
        second = alerts.list_alerts(at_now(ctx), clinician, page=2, per_page=1)
        assert second.items[0].alert.urgency is Urgency.SOON
        closed = alerts.list_alerts(at_now(ctx), clinician, AlertStatus.CLOSED)
        assert [v.alert.id for v in closed.items] == [first.id]
