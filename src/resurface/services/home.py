"""The clinic's day at a glance: today's sessions, open alerts, and who is due for a check-in
or a session. Front-desk staff get the same page without clinical detail (names and dates)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment
from resurface.domain.chart import TreatmentSession
from resurface.domain.people import Clinic, Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.break_glass import EmergencyAccessSeen, recent_accesses
from resurface.services.ports import UnitOfWork
from resurface.services.recovery.alerts import by_urgency
from resurface.services.scheduling import views
from resurface.services.scheduling.due import DueItem, DueList, read_due
from resurface.services.scheduling.views import DayBook

if TYPE_CHECKING:
    from resurface.services.context import Context

HOME_LIST_MOST = 10
"""Rows each list of the home page shows (the most urgent, or the oldest, first): a screen's
worth. The others are counted, and their whole lists are a link away (the alerts, and who is
due: ``scheduling.due``): a busy clinic's day stays one page, whatever its caseload."""


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
    alerts_total: int = 0
    checkins_due_total: int = 0
    sessions_due_total: int = 0
    """How many there are of each list, of which the first ``HOME_LIST_MOST`` are shown."""


def clinic_home(ctx: Context, actor: Actor) -> HomeView:
    """The clinic's day as of the clinic's today; the read (and each session shown) is audited."""
    require(actor, Permission.VIEW_PATIENT_LIST)
    with ctx.uow() as uow:
        view = _home(uow, actor, ctx.clock.today(), ctx.clock.now())
        uow.commit()
        return view


def today_page(
    ctx: Context, actor: Actor, clinic: Clinic | None = None
) -> tuple[HomeView, DayBook | None]:
    """Today's page: the clinic's day and, for those who book, today's appointments, read in
    one transaction (one commit of both reads' events, not one each; a patient both list is
    read once). ``clinic``: the actor's, when the caller has it (the session check reads it),
    for the book's time zone."""
    require(actor, Permission.VIEW_PATIENT_LIST)
    with ctx.uow() as uow:
        view = _home(uow, actor, ctx.clock.today(), ctx.clock.now())
        book = None
        if actor.may(Permission.BOOK):
            book = views.todays_book_in(uow, ctx, actor, _shown_patients(view), clinic)
        uow.commit()
        return view, book


def _shown_patients(view: HomeView) -> dict[int, Patient]:
    shown: list[SessionToday | HomeAlert | DueItem] = [
        *view.sessions_today, *view.alerts, *view.checkins_due, *view.sessions_due
    ]  # fmt: skip
    return {item.patient.id: item.patient for item in shown}


def _home(uow: UnitOfWork, actor: Actor, today: dt.date, now: dt.datetime) -> HomeView:
    """Reads the first ``HOME_LIST_MOST`` of each list and counts the rest in the database,
    then the names of just the patients the page shows: the work is that of the page, whatever
    the size of the clinic's caseload."""
    clinical = actor.may(Permission.VIEW_CHART)
    clinic_id = actor.clinic_id
    booked_today = {a.patient_id: a for a in uow.appointments.sessions_booked_on(clinic_id, today)}
    coming, coming_total = read_due(uow, clinic_id, DueList.SESSIONS, today, HOME_LIST_MOST)
    checkins, checkins_total = read_due(uow, clinic_id, DueList.CHECKINS, today, HOME_LIST_MOST)
    recorded = _recorded_today(uow, actor, today, now) if clinical else {}
    shown_alerts, alerts_total = [], 0
    if clinical:
        pressing, alerts_total = uow.alerts.most_pressing(clinic_id, HOME_LIST_MOST)
        shown_alerts = by_urgency(pressing)
    ids = {a.patient_id for a in [*checkins, *coming]}
    ids |= {alert.patient_id for alert in shown_alerts} | set(booked_today) | set(recorded)
    patients = uow.patients.by_ids(clinic_id, ids)
    today_ids = sorted(
        (set(booked_today) | set(recorded)) & set(patients),
        key=lambda pid: patients[pid].family_name.lower(),
    )
    detail = f"clinical={clinical}"
    audit.record(uow, actor, "home_read", "clinic", clinic_id, detail=detail, at=now)
    return HomeView(
        today=today,
        clinical=clinical,
        sessions_today=tuple(
            SessionToday(patients[pid], booked_today.get(pid), recorded.get(pid))
            for pid in today_ids
        ),
        alerts=tuple(
            HomeAlert(patients[a.patient_id], a) for a in shown_alerts if a.patient_id in patients
        ),
        checkins_due=tuple(
            DueItem(patients[a.patient_id], a) for a in checkins if a.patient_id in patients
        ),
        sessions_due=tuple(
            DueItem(patients[a.patient_id], a) for a in coming if a.patient_id in patients
        ),
        emergency_accesses=recent_accesses(uow, actor, now),
        alerts_total=alerts_total,
        checkins_due_total=checkins_total,
        sessions_due_total=coming_total,
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
