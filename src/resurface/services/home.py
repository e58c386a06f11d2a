"""The clinic's day at a glance: today's sessions, open alerts, and who is due for a check-in
or a session. Front-desk staff get the same page without clinical detail (names and dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.chart import TreatmentSession
from resurface.domain.people import Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.break_glass import EmergencyAccessSeen, recent_accesses
from resurface.services.ports import UnitOfWork
from resurface.services.recovery.alerts import by_urgency

if TYPE_CHECKING:
    from resurface.services.context import Context

SESSIONS_AHEAD_DAYS = 7
"""How far ahead the home page lists booked sessions (a week: the front desk's planning horizon)."""


@dataclass(frozen=True)
class DueItem:
    patient: Patient
    appointment: Appointment

    def overdue_days(self, today: dt.date) -> int:
        return max((today - self.appointment.due_on).days, 0)


@dataclass(frozen=True)
class SessionToday:
    patient: Patient
    appointment: Appointment | None
    """The booked session due today, if any."""
    recorded: TreatmentSession | None
    """The session recorded today, if any (clinical detail: not shown to front-desk staff)."""


@dataclass(frozen=True)
class HomeAlert:
    patient: Patient
    alert: ClinicAlert


@dataclass(frozen=True)
class HomeView:
    today: dt.date
    clinical: bool
    """Whether the viewer may see clinical detail; when False, alerts and sessions recorded are
    left out."""
    sessions_today: tuple[SessionToday, ...]
    alerts: tuple[HomeAlert, ...]
    checkins_due: tuple[DueItem, ...]
    sessions_due: tuple[DueItem, ...]
    emergency_accesses: tuple[EmergencyAccessSeen, ...] = ()
    """The front desk's emergency chart accesses of the last week (the medical director's)."""


def clinic_home(ctx: Context, actor: Actor) -> HomeView:
    """The clinic's day as of the clinic's today; the read (and each session shown) is audited."""
    require(actor, Permission.VIEW_PATIENT_LIST)
    with ctx.uow() as uow:
        view = _home(uow, actor, ctx.clock.today(), ctx.clock.now())
        uow.commit()
        return view


def _home(uow: UnitOfWork, actor: Actor, today: dt.date, now: dt.datetime) -> HomeView:
    """Reads only the rows the page shows: the appointments due, today's sessions and the open
    alerts, then the names of just those patients (no query grows with the clinic's patients)."""
    clinical = actor.may(Permission.VIEW_CHART)
    due = uow.appointments.due(actor.clinic_id, today + dt.timedelta(SESSIONS_AHEAD_DAYS))
    sessions = [a for a in due if a.kind is AppointmentKind.SESSION]
    checkins = [a for a in due if a.kind is AppointmentKind.CHECKIN and a.due_on <= today]
    recorded = _recorded_today(uow, actor, today, now) if clinical else {}
    open_alerts = by_urgency(uow.alerts.open_in_clinic(actor.clinic_id)) if clinical else []
    shown = {a.patient_id for a in [*sessions, *checkins]} | set(recorded)
    shown |= {alert.patient_id for alert in open_alerts}
    patients = uow.patients.by_ids(actor.clinic_id, shown)
    sessions = [a for a in sessions if a.patient_id in patients]
    checkins = [a for a in checkins if a.patient_id in patients]
    booked_today = {a.patient_id: a for a in sessions if a.due_on == today}
    today_ids = sorted(
        (set(booked_today) | set(recorded)) & set(patients),
        key=lambda pid: patients[pid].family_name.lower(),
    )
    alerts = tuple(
        HomeAlert(patients[alert.patient_id], alert)
        for alert in open_alerts
        if alert.patient_id in patients
    )
    detail = f"clinical={clinical}"
    audit.record(uow, actor, "home_read", "clinic", actor.clinic_id, detail=detail, at=now)
    return HomeView(
        today=today,
        clinical=clinical,
        sessions_today=tuple(
            SessionToday(patients[pid], booked_today.get(pid), recorded.get(pid))
            for pid in today_ids
        ),
        alerts=alerts,
        checkins_due=tuple(_unique_per_patient(checkins, patients)),
        sessions_due=tuple(
            DueItem(patients[a.patient_id], a) for a in sessions if a.due_on != today
        ),
        emergency_accesses=recent_accesses(uow, actor, now),
    )


def _recorded_today(
    uow: UnitOfWork, actor: Actor, today: dt.date, now: dt.datetime
) -> dict[int, TreatmentSession]:
    """Sessions recorded today (one query with their areas), each read audited. A patient with
    two sessions today shows the later one."""
    found: dict[int, TreatmentSession] = {}
    for session in uow.charts.sessions_on(actor.clinic_id, today):
        found[session.patient_id] = session
        audit.record(
            uow,
            actor,
            "home_session_read",
            "session",
            session.id,
            patient_id=session.patient_id,
            at=now,
        )
    return found


def _unique_per_patient(
    appointments: list[Appointment], patients: dict[int, Patient]
) -> list[DueItem]:
    """One line per patient: the oldest check-in still due (the rest follow from it)."""
    seen: dict[int, Appointment] = {}
    for appointment in appointments:  # oldest first
        seen.setdefault(appointment.patient_id, appointment)
    return [DueItem(patients[pid], a) for pid, a in seen.items()]
