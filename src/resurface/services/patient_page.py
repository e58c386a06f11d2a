"""The patient's own page (through their patient link), their personal guide, and the aftercare
sheet of one session; plus the staff's views of the same guide (with its evidence) and sheet.

The guide is one pure function (``domain.guide.patient_guide``); this module only gathers what
it is written from: the clinic's profile, the latest consultation (screening), the decided plan
in treatment, the sessions done under it and the next session booked.

Results reach the patient only when a clinician shares them (``services.result_sharing``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.appointments import AppointmentKind, AppointmentStatus
from resurface.domain.chart import Chart, TreatmentSession, standing
from resurface.domain.guide import (
    GuideFacts,
    PatientGuide,
    RecoveryCourse,
    Section,
    area_phrase,
    patient_guide,
    recovery_course,
    warnings_section,
)
from resurface.domain.people import Clinic, Patient
from resurface.domain.plans import decide, plan_in_treatment
from resurface.domain.recovery import course_for
from resurface.domain.results_report import latest_sent
from resurface.domain.rulebase import ModalityFamily, RuleBase
from resurface.services import audit, result_sharing
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.recovery import patient_links
from resurface.services.recovery.links import patient_csrf
from resurface.services.recovery.patient_links import PatientLinkAccess
from resurface.services.result_sharing import SharedPair


class VisitKind(StrEnum):
    TREATMENT = "treatment"
    CHECKIN = "check-in"
    CONSULTATION = "consultation"
    REVIEW = "review"
    PHOTOS = "photos"
    OTHER = "other"


_VISIT_KINDS = {
    AppointmentKind.SESSION: VisitKind.TREATMENT,
    AppointmentKind.CHECKIN: VisitKind.CHECKIN,
    AppointmentKind.CONSULTATION: VisitKind.CONSULTATION,
    AppointmentKind.REVIEW: VisitKind.REVIEW,
    AppointmentKind.PHOTO_FOLLOW_UP: VisitKind.PHOTOS,
    AppointmentKind.OTHER: VisitKind.OTHER,
}


@dataclass(frozen=True)
class Visit:
    """A coming visit as the patient sees it: the day, the clinic-local time when it has one."""

    on: dt.date
    kind: VisitKind
    at: dt.time | None = None


@dataclass(frozen=True)
class Recovering:
    """A session whose recovery the patient can check in on now."""

    session_id: int
    treated_on: dt.date
    day: int
    in_words: str
    checked_in_today: bool


@dataclass(frozen=True)
class PatientHome:
    """Everything the patient's page shows, and nothing else of the record."""

    clinic_name: str
    clinic_phone: str
    given_name: str
    today: dt.date
    guide: PatientGuide
    visits: tuple[Visit, ...]
    recovering: tuple[Recovering, ...]
    link_expires_at: dt.datetime
    csrf_token: str
    results: tuple[SharedPair, ...] = ()
    """The before/after comparisons the clinic chose to share, newest first."""
    report_sent_on: dt.date | None = None
    """When the clinic last sent the patient their results report (the one their page opens)."""


@dataclass(frozen=True)
class StaffGuide:
    """The staff's view of a patient's guide: the same text, with each passage's sources."""

    patient: Patient
    guide: PatientGuide
    phone_missing: bool
    page_url: str | None = None
    """The patient's active link, for the QR code on the printed guide."""


@dataclass(frozen=True)
class AftercareSheet:
    """The hand-out of one session: clinic, day-by-day aftercare, warning signs, the QR."""

    clinic_name: str
    clinic_phone: str
    patient: Patient
    session: TreatmentSession
    treatment: str
    course: RecoveryCourse
    warnings: Section
    page_url: str | None
    """The patient's page (their active patient link), for the QR; None when there is none."""


# --- gathering the facts ------------------------------------------------------------------------


def guide_facts(
    uow: UnitOfWork,
    clinic: Clinic,
    patient: Patient,
    today: dt.date,
    chart: Chart | None = None,
    visits: tuple[Visit, ...] | None = None,
) -> GuideFacts:
    """What the guide is written from. ``chart`` (the patient's) and ``visits`` (their
    :func:`upcoming_visits`) when the caller has read them already; read here otherwise."""
    chart = standing(chart if chart is not None else uow.charts.chart(clinic.id, patient.id))
    consultation = chart.consultations[-1] if chart.consultations else None
    plan = plan_in_treatment(chart.plans)
    done: tuple[dt.date, ...] = ()
    booked = None
    if plan is not None:
        done = tuple(sorted(s.performed_on for s in chart.sessions if s.plan_id == plan.id))
        if visits is None:
            booked = next_session_booked(uow, clinic.id, patient.id, today)
        else:
            booked = _next_treatment(visits)
    return GuideFacts(
        clinic.name,
        clinic.phone,
        patient.given_name,
        consultation,
        decide(plan) if plan is not None else None,
        done,
        booked,
    )


def next_session_booked(
    uow: UnitOfWork, clinic_id: int, patient_id: int, today: dt.date
) -> dt.date | None:
    return _next_treatment(upcoming_visits(uow, clinic_id, patient_id, today, dt.UTC))


def _next_treatment(visits: tuple[Visit, ...]) -> dt.date | None:
    """The day of the first treatment among ``visits`` (in order; their time zone moves their
    times, never their days)."""
    return next((v.on for v in visits if v.kind is VisitKind.TREATMENT), None)


def upcoming_visits(
    uow: UnitOfWork, clinic_id: int, patient_id: int, today: dt.date, zone: dt.tzinfo
) -> tuple[Visit, ...]:
    """The patient's coming visits in the appointment book (booked, from today on), each at its
    time in the clinic's time zone ``zone`` when it has one."""
    visits = {
        Visit(a.due_on, _VISIT_KINDS[a.kind], _local_time(a.starts_at, zone))
        for a in uow.appointments.for_patient(clinic_id, patient_id)
        if a.status is AppointmentStatus.BOOKED and a.due_on >= today
    }
    return tuple(sorted(visits, key=lambda v: (v.on, v.at or dt.time.min, v.kind.value)))


def _local_time(starts_at: dt.datetime | None, zone: dt.tzinfo) -> dt.time | None:
    return starts_at.astimezone(zone).time() if starts_at is not None else None


def _recovering(
    rules: RuleBase, chart: Chart, patient: Patient, today: dt.date
) -> tuple[Recovering, ...]:
    found = []
    for session in chart.sessions:
        day = (today - session.performed_on).days
        if not session.areas or not 0 <= day <= rules.recovery.course_days:
            continue
        basis = course_for(session, patient, chart.consultations)
        checked = any(
            c.session_id == session.id and c.checkin.date == today for c in chart.checkins
        )
        found.append(Recovering(session.id, session.performed_on, day, basis.in_words(), checked))
    return tuple(sorted(found, key=lambda r: r.treated_on, reverse=True))


# --- the patient's side -------------------------------------------------------------------------


def _opened(
    uow: UnitOfWork, ctx: Context, token: str, now: dt.datetime
) -> tuple[PatientLinkAccess, dt.date]:
    access = patient_links.access_in(uow, ctx.links.secret, token, now, ctx.rules)
    return access, ctx.clock.today_of(access.clinic)


def patient_home(ctx: Context, token: str, *, source: str) -> PatientHome:
    """The patient's page for ``token``: their guide, coming visits and check-ins."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access, today = _opened(uow, ctx, token, now)
        chart = standing(uow.charts.chart(access.clinic.id, access.patient.id))
        zone = ctx.clock.zone_of(access.clinic)
        visits = upcoming_visits(uow, access.clinic.id, access.patient.id, today, zone)
        facts = guide_facts(uow, access.clinic, access.patient, today, chart, visits)
        home = PatientHome(
            clinic_name=access.clinic.name,
            clinic_phone=access.clinic.phone,
            given_name=access.patient.given_name,
            today=today,
            guide=patient_guide(ctx.rules, facts),
            visits=visits,
            recovering=_recovering(ctx.rules, chart, access.patient, today),
            link_expires_at=access.link.expires_at,
            csrf_token=patient_csrf(ctx.links.secret, token),
            results=result_sharing.shared_with(uow, access),
            report_sent_on=_report_sent_on(uow, access, ctx.clock.zone_of(access.clinic)),
        )
        patient_links.record_patient_event(
            uow, access, "read", "patient_page", access.patient.id, source=source, now=now
        )
        uow.commit()
    return home


def _report_sent_on(uow: UnitOfWork, access: PatientLinkAccess, zone: dt.tzinfo) -> dt.date | None:
    sent = latest_sent(uow.sent_reports.for_patient(access.clinic.id, access.patient.id))
    return sent.sent_at.astimezone(zone).date() if sent and sent.sent_at else None


@dataclass(frozen=True)
class GuideView:
    guide: PatientGuide
    page_url: str | None
    """The patient's page, for the QR code on the printed guide."""


def patient_guide_of(ctx: Context, token: str, *, source: str) -> GuideView:
    """The personal guide through the patient's link (page and PDF)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access, today = _opened(uow, ctx, token, now)
        guide = patient_guide(ctx.rules, guide_facts(uow, access.clinic, access.patient, today))
        url = patient_links.page_url(ctx.links.for_clinic(access.clinic).public_url, token)
        patient_links.record_patient_event(
            uow, access, "read", "patient_guide", access.patient.id, source=source, now=now
        )
        uow.commit()
    return GuideView(guide, url)


def patient_aftercare(ctx: Context, token: str, session_id: int, *, source: str) -> AftercareSheet:
    """A session's aftercare sheet through the patient's link."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        access = patient_links.access_in(uow, ctx.links.secret, token, now, ctx.rules)
        session = patient_links.session_of(uow, access, session_id)
        keys = ctx.links.for_clinic(access.clinic)
        url = patient_links.page_url(keys.public_url, token)
        sheet = _sheet(ctx.rules, access.clinic, access.patient, session, url)
        patient_links.record_patient_event(
            uow,
            access,
            "read",
            "aftercare_sheet",
            session_id,
            source=source,
            now=now,
        )
        uow.commit()
    return sheet


# --- the staff's side ---------------------------------------------------------------------------


def staff_guide(ctx: Context, actor: Actor, patient_id: int) -> StaffGuide:
    """The patient's guide as the patient reads it, for the clinic to check and print; the
    evidence view shows each passage's sources beside it."""
    with ctx.uow() as uow:
        require(actor, Permission.VIEW_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        clinic = _clinic(uow, actor.clinic_id)
        facts = guide_facts(uow, clinic, patient, ctx.clock.today_of(clinic))
        url = _active_url(uow, ctx, clinic, patient)
        audit.record(uow, actor, "read", "patient_guide", patient.id, patient_id=patient.id)
        uow.commit()
    guide = patient_guide(ctx.rules, facts)
    return StaffGuide(patient, guide, not clinic.phone.strip(), url)


def _active_url(uow: UnitOfWork, ctx: Context, clinic: Clinic, patient: Patient) -> str | None:
    """The patient's newest working link, if any (re-derived from its row, never stored)."""
    now = ctx.clock.now()
    links = patient_links.current_links(uow, ctx.rules, clinic.id, patient.id, now)
    usable = [link for link in links if link.usable(now)]
    if not usable:
        return None
    keys = ctx.links.for_clinic(clinic)
    return patient_links.page_url(keys.public_url, patient_links.token_for(keys.secret, usable[-1]))


def aftercare_sheet(ctx: Context, actor: Actor, patient_id: int, session_id: int) -> AftercareSheet:
    """A session's aftercare hand-out, with the QR of the patient's active link (if any)."""
    with ctx.uow() as uow:
        require(actor, Permission.VIEW_CHART)
        patient = find_patient_audited(uow, actor, patient_id)
        session = uow.charts.session(actor.clinic_id, session_id)
        if session is None or session.patient_id != patient.id or not session.areas:
            audit.record(uow, actor, "read_not_found", "session", session_id, patient_id=patient.id)
            uow.commit()
            raise NotFound("session", session_id)
        clinic = _clinic(uow, actor.clinic_id)
        url = _active_url(uow, ctx, clinic, patient)
        sheet = _sheet(ctx.rules, clinic, patient, session, url)
        audit.record(uow, actor, "read", "aftercare_sheet", session.id, patient_id=patient.id)
        uow.commit()
    return sheet


def _sheet(
    rules: RuleBase, clinic: Clinic, patient: Patient, session: TreatmentSession, url: str | None
) -> AftercareSheet:
    basis = course_for(session, patient, ())
    family = ModalityFamily.of(basis.modality)
    facts = GuideFacts(clinic.name, clinic.phone, patient.given_name, None, None)
    return AftercareSheet(
        clinic.name,
        clinic.phone,
        patient,
        session,
        f"{rules.guide.families[family].name} on {_areas_treated(session)}",
        recovery_course(rules, family),
        warnings_section(rules, facts),
        url,
    )


def _areas_treated(session: TreatmentSession) -> str:
    return area_phrase(a.area for a in session.areas)


def _clinic(uow: UnitOfWork, clinic_id: int) -> Clinic:
    clinic = uow.clinics.get(clinic_id)
    if clinic is None:
        raise NotFound("clinic", clinic_id)
    return clinic
