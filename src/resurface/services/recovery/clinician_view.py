"""The clinician's view of a patient's recovery after one session: the expected course of each
score, the patient's check-ins against it, the warning signs and the alerts to act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.domain.alerts import ClinicAlert
from resurface.domain.chart import Chart, CheckInRecord, TreatmentSession
from resurface.domain.codes import Area, FitzpatrickType, Modality, RedFlag, Score
from resurface.domain.people import Patient
from resurface.domain.recovery import (
    Band,
    CourseBasis,
    ExpectedCourse,
    course_for,
    expected_course_for,
    skin_type_for,
)
from resurface.domain.rulebase import RuleBase
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.recovery.alerts import AlertInContext, by_urgency, in_context

MIN_DAYS_SHOWN = 30
DAYS_AFTER_LAST_CHECKIN = 5


@dataclass(frozen=True)
class ScoreReading:
    day: int
    value: int
    band: Band

    @property
    def above(self) -> bool:
        return self.value > self.band.high


@dataclass(frozen=True)
class ScoreSeries:
    score: Score
    band: tuple[tuple[int, Band], ...]
    readings: tuple[ScoreReading, ...]


@dataclass(frozen=True)
class FlagDay:
    day: int
    flags: tuple[RedFlag, ...]


@dataclass(frozen=True)
class CheckInRow:
    day: int
    record: CheckInRecord


@dataclass(frozen=True)
class RecoveryChart:
    patient: Patient
    sessions: tuple[TreatmentSession, ...]
    """Every session of the patient, newest first (the chooser)."""
    session: TreatmentSession | None
    area: Area | None
    modality: Modality | None
    skin_type: FitzpatrickType | None
    skin_type_recorded: bool
    course: ExpectedCourse | None
    days_shown: int
    today_day: int | None
    series: tuple[ScoreSeries, ...]
    flags: tuple[FlagDay, ...]
    checkins: tuple[CheckInRow, ...]
    alerts: tuple[ClinicAlert, ...]
    """The patient's alerts: open first, then urgent before soon before routine."""
    open_alerts: tuple[AlertInContext, ...] = ()
    """The alerts not yet closed, with the patient's note, photos and phone number."""
    basis: CourseBasis | None = None
    """What the course follows (the same as the patient's page and triage, unless the clinician
    picked another treated area); None without a session."""


def read_recovery(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    session_id: int | None = None,
    area: Area | None = None,
) -> RecoveryChart:
    """The latest session's recovery (or ``session_id``'s); see :func:`_read`."""
    with ctx.uow() as uow:
        return _read(uow, actor, ctx.rules, patient_id, ctx.clock.today(), session_id, area)


def _read(
    uow: UnitOfWork,
    actor: Actor,
    rules: RuleBase,
    patient_id: int,
    today: dt.date,
    session_id: int | None = None,
    area: Area | None = None,
) -> RecoveryChart:
    """Inside the caller's unit of work: the latest session's recovery (or ``session_id``'s),
    following the same course as the patient's page (the most demanding treated area), or
    ``area`` when the clinician picks one."""
    require(actor, Permission.VIEW_CHART)
    patient = find_patient_audited(uow, actor, patient_id)
    chart = uow.charts.chart(actor.clinic_id, patient.id)
    sessions = tuple(sorted(chart.sessions, key=lambda s: (s.performed_on, s.id), reverse=True))
    session = _chosen(sessions, session_id)
    found = uow.alerts.for_patient(actor.clinic_id, patient.id)
    alerts = tuple(by_urgency(found))
    live = in_context(found, chart, patient.phone)
    audit.record(
        uow, actor, "recovery_read", "session" if session else "patient",
        session.id if session else patient.id, patient_id=patient.id,
    )  # fmt: skip
    uow.commit()
    skin_type = skin_type_for(patient, chart.consultations)
    if session is None:
        return RecoveryChart(
            patient, sessions, None, None, None, skin_type, skin_type is not None, None,
            MIN_DAYS_SHOWN, None, (), (), (), alerts, live, None,
        )  # fmt: skip
    basis = _basis(session, patient, chart, area)
    course = expected_course_for(rules, basis)
    checkins = tuple(
        CheckInRow(c.checkin.day_after(session.performed_on), c)
        for c in sorted(chart.checkins, key=lambda c: (c.checkin.date, c.id))
        if c.session_id == session.id
    )
    last_day = max((row.day for row in checkins), default=0)
    today_day = (today - session.performed_on).days
    days = min(
        max(MIN_DAYS_SHOWN, last_day + DAYS_AFTER_LAST_CHECKIN, today_day + 1),
        len(course.days) - 1,
    )
    return RecoveryChart(
        patient=patient,
        sessions=sessions,
        session=session,
        area=basis.area,
        modality=basis.modality,
        skin_type=basis.skin_type,
        skin_type_recorded=basis.skin_type_recorded,
        course=course,
        days_shown=days,
        today_day=today_day,
        series=tuple(_series(course, score, checkins, days) for score in Score),
        flags=tuple(
            FlagDay(row.day, tuple(sorted(row.record.checkin.red_flags)))
            for row in checkins
            if row.record.checkin.red_flags
        ),
        checkins=checkins,
        alerts=alerts,
        open_alerts=live,
        basis=basis,
    )


def _chosen(
    sessions: tuple[TreatmentSession, ...], session_id: int | None
) -> TreatmentSession | None:
    if session_id is None:
        return sessions[0] if sessions else None
    for session in sessions:
        if session.id == session_id:
            return session
    raise NotFound("session", session_id)


def _basis(
    session: TreatmentSession, patient: Patient, chart: Chart, area: Area | None
) -> CourseBasis:
    """The course the patient's page and triage follow (the most demanding treated area), or the
    clinician's chosen ``area``. Without a recorded skin type it is type I's; the page says so."""
    if not session.areas or (area is not None and area not in {a.area for a in session.areas}):
        raise NotFound("treated area", area.value if area else str(session.id))
    return course_for(session, patient, chart.consultations, area)


def _series(
    course: ExpectedCourse, score: Score, checkins: tuple[CheckInRow, ...], days: int
) -> ScoreSeries:
    band = tuple((day, course.band(day, score)) for day in range(days + 1))
    readings = tuple(
        ScoreReading(row.day, row.record.checkin.scores[score], course.band(row.day, score))
        for row in checkins
        if score in row.record.checkin.scores and row.day >= 0
    )
    return ScoreSeries(score, band, readings)
