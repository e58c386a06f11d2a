"""Recording a treatment session: the laser settings used per area, checked against the area's
limits, and what follows from it (recovery check-ins, the next session).

The previous session's settings for an area are the starting point of the next one. A setting
beyond the area's limit (``settings_limits.yaml`` times the area and screening-precaution
factors) is recorded only with the clinician's reason for that area.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeVar

from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.chart import AreaSettings, Consultation, TreatmentPlan, TreatmentSession
from resurface.domain.codes import Area, Modality
from resurface.domain.consent import SignedConsent, consents_missing
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.dates import record_date_problem
from resurface.domain.errors import FieldProblem, InvalidInput
from resurface.domain.intake import MedicalHistory
from resurface.domain.people import Patient, Role, User
from resurface.domain.plans import decide, plan_in_treatment
from resurface.domain.rulebase import RuleBase
from resurface.domain.scheduling import FollowUp, follow_up
from resurface.domain.screening import ScreeningResult, screen
from resurface.domain.session_guards import SessionGuard, session_guards
from resurface.domain.settings_limits import (
    RecordedSettings,
    SettingsLimits,
    check_settings,
    settings_limits,
)
from resurface.domain.text import text_problems
from resurface.services import audit, corrections
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.corrections import HistoryEntry, check_reason, keep_earlier
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient, find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.request_keys import checked_key, scope

# Sanity bounds on typed input (not clinical rules: the clinical limits are in the rule base).
MAX_TEXT = 2000
MAX_DEVICE = 200
WAVELENGTH_RANGE_NM = (100, 20_000)
MAX_PASSES = 50

ENERGY_FIELD = {"mJ": "energy_mj", "J/cm2": "fluence_j_cm2"}


@dataclass(frozen=True)
class AreaEntry:
    """The settings typed for one area. Numbers left empty are ``None``."""

    area: str
    modality: str
    wavelength_nm: int | None = None
    energy_mj: float | None = None
    fluence_j_cm2: float | None = None
    pulse_duration_ms: float | None = None
    spot_size_mm: float | None = None
    density_pct: float | None = None
    passes: int | None = None
    immediate_response: str = ""
    beyond_limits_reason: str = ""


@dataclass(frozen=True)
class SessionEntry:
    performed_on: dt.date
    device: str
    areas: tuple[AreaEntry, ...]
    notes: str = ""
    proceed_reason: str = ""
    """Why the session goes ahead past its guards (beyond the plan, too soon ...)."""
    request_key: str = ""
    """Sent again with a resend (a double click, a retry): the first session is kept."""
    performed_by: int | None = None
    """The clinician who performed it (a user id of the clinic); default: who records it."""


@dataclass(frozen=True)
class DraftArea:
    """One area to treat: its starting settings (carried forward, or empty) and its limits."""

    settings: AreaSettings
    limits: SettingsLimits
    carried_from: TreatmentSession | None = None

    @property
    def energy_field(self) -> str:
        return ENERGY_FIELD[self.limits.energy_unit]


@dataclass(frozen=True)
class SessionDraft:
    patient: Patient
    plan: TreatmentPlan
    session_number: int
    sessions_planned: int
    device: str
    areas: tuple[DraftArea, ...]
    previous: TreatmentSession | None
    today: dt.date
    guards: tuple[SessionGuard, ...] = ()
    """What stands in the way of a session today; recording needs a reason to pass them."""
    clinicians: tuple[User, ...] = ()
    """Who may be named as having performed it: the clinic's active clinicians and admins."""
    performed_by: int = 0
    """Who the form names first: the clinician recording it."""


@dataclass(frozen=True)
class CorrectionDraft:
    """A recorded session as its correction form starts: its settings, each area's limits."""

    patient: Patient
    session: TreatmentSession
    areas: tuple[DraftArea, ...]
    clinicians: tuple[User, ...]
    today: dt.date


@dataclass(frozen=True)
class RecordedSession:
    session: TreatmentSession
    checkins: tuple[Appointment, ...]
    next_session: Appointment | None
    sessions_remaining: int


@dataclass(frozen=True)
class SessionView:
    patient: Patient
    session: TreatmentSession
    appointments: tuple[Appointment, ...] = field(default=())
    performed_by: str = ""
    """The name of the clinician who performed it."""
    history: tuple[HistoryEntry, ...] = ()
    """Its earlier versions, newest first."""

    @property
    def checkins(self) -> tuple[Appointment, ...]:
        return tuple(a for a in self.appointments if a.kind is AppointmentKind.CHECKIN)

    @property
    def next_session(self) -> Appointment | None:
        found = [a for a in self.appointments if a.kind is AppointmentKind.SESSION]
        return found[0] if found else None


# --- the starting point -------------------------------------------------------------------------


def session_draft(ctx: Context, actor: Actor, patient_id: int) -> SessionDraft:
    """The form's starting point: the decided plan's areas with the last settings used there."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        known = _context(uow, actor, ctx.rules, patient_id)
        patient, plan, chart_sessions, found = (
            known.patient,
            known.plan,
            known.sessions,
            known.found,
        )
        previous = chart_sessions[-1] if chart_sessions else None
        areas = []
        for area, modality in _plan_areas(plan):
            limits = _limits(ctx.rules, found, modality, area)
            carried = _last_settings(chart_sessions, area, modality)
            if carried is not None:
                session, settings = carried
                kept = AreaSettings(
                    area,
                    modality,
                    settings.wavelength_nm,
                    settings.passes,
                    settings.energy_mj,
                    settings.fluence_j_cm2,
                    settings.pulse_duration_ms,
                    settings.spot_size_mm,
                    settings.density_pct,
                )
                areas.append(DraftArea(kept, limits, session))
            else:
                areas.append(
                    DraftArea(AreaSettings(area, modality, modality.wavelength_nm), limits)
                )
        done = sum(1 for s in chart_sessions if s.plan_id == plan.id)
        audit.record(uow, actor, "session_draft", "patient", patient.id, patient_id=patient.id)
        uow.commit()
        return SessionDraft(
            patient=patient,
            plan=plan,
            session_number=done + 1,
            sessions_planned=decide(plan).sessions_planned,
            device=previous.device if previous else "",
            areas=tuple(areas),
            previous=previous,
            today=ctx.clock.today(),
            guards=known.guards(ctx.clock.today()),
            clinicians=_clinicians(uow, actor),
            performed_by=actor.user_id,
        )


# --- recording ----------------------------------------------------------------------------------


def record_session(
    ctx: Context, actor: Actor, patient_id: int, entry: SessionEntry
) -> RecordedSession:
    """Check and save the session, then schedule its check-ins and the next session."""
    require(actor, Permission.WRITE_CHART)
    key = checked_key(entry.request_key)
    with ctx.uow() as uow:
        keys = scope("session", "patient", patient_id)
        earlier = uow.request_keys.claim(keys, key, ctx.clock.now()) if key else None
        known = _context(uow, actor, ctx.rules, patient_id)
        if earlier is not None:
            return _recorded(uow, known, earlier, ctx.rules, ctx.clock.today())
        patient, plan = known.patient, known.plan
        chart_sessions, found = known.sessions, known.found
        today = ctx.clock.today()
        guards = known.guards(entry.performed_on, _entry_modalities(entry))
        problems = _guard_problems(guards, entry)
        performer = _performer(uow, actor, entry.performed_by, problems)
        areas = _checked(ctx.rules, found, entry, today, problems)
        session = uow.charts.add_session(
            TreatmentSession(
                id=0,
                clinic_id=actor.clinic_id,
                patient_id=patient.id,
                clinician_id=performer,
                performed_on=entry.performed_on,
                device=" ".join(entry.device.split()),
                areas=areas,
                plan_id=plan.id,
                notes=entry.notes.strip(),
                guards_passed=tuple(g.message for g in guards),
                proceed_reason=" ".join(entry.proceed_reason.split()) if guards else "",
            )
        )
        audit.record(
            uow,
            actor,
            "create",
            "session",
            session.id,
            patient_id=patient.id,
            detail=_audit_detail(areas, session),
        )
        plan_next = follow_up(ctx.rules.recovery, plan, (*chart_sessions, session), session, today)
        checkins, next_session = _schedule(uow, actor, patient.id, plan, session, plan_next)
        if key:
            uow.request_keys.settle(keys, key, session.id)
        uow.commit()
        return RecordedSession(session, checkins, next_session, plan_next.sessions_remaining)


def _recorded(
    uow: UnitOfWork, known: _Known, session_id: int, rules: RuleBase, today: dt.date
) -> RecordedSession:
    """What recording ``session_id`` answered: the session and what it scheduled."""
    session = next(s for s in known.sessions if s.id == session_id)
    booked = [
        a
        for a in uow.appointments.for_patient(session.clinic_id, session.patient_id)
        if a.after_session_id == session.id
    ]
    checkins = tuple(a for a in booked if a.kind is AppointmentKind.CHECKIN)
    next_session = next((a for a in booked if a.kind is AppointmentKind.SESSION), None)
    plan_next = follow_up(rules.recovery, known.plan, known.sessions, session, today)
    uow.commit()  # the audited read of the chart
    return RecordedSession(session, checkins, next_session, plan_next.sessions_remaining)


def _audit_detail(areas: Sequence[AreaSettings], session: TreatmentSession) -> str:
    """What the audit trail says of a session: areas, modalities, any reason beyond limits and
    the reason to go on past its guards."""
    beyond = [f"{a.area.value}: {a.beyond_limits_reason}" for a in areas if a.beyond_limits_reason]
    detail = "; ".join(f"{a.area.value} {a.modality.value}" for a in areas)
    if beyond:
        detail += " | beyond limits: " + "; ".join(beyond)
    if session.guards_passed:
        detail += f" | past {len(session.guards_passed)} guard(s): {session.proceed_reason}"
    return detail


def _clinicians(uow: UnitOfWork, actor: Actor) -> tuple[User, ...]:
    users = uow.users.in_clinic(actor.clinic_id)
    return tuple(u for u in users if u.active and u.role in (Role.CLINICIAN, Role.ADMIN))


def _performer(
    uow: UnitOfWork, actor: Actor, chosen: int | None, problems: list[FieldProblem]
) -> int:
    """Who performed the session: the one chosen, if a clinician of the clinic, else the actor."""
    if chosen is None or chosen == actor.user_id:
        return actor.user_id
    if chosen not in {u.id for u in _clinicians(uow, actor)}:
        problems.append(FieldProblem("performed_by", "choose one of the clinic's clinicians"))
    return chosen


def _entry_modalities(entry: SessionEntry) -> list[Modality]:
    """The modalities the typed areas name (those that are codes at all)."""
    known = {m.value: m for m in Modality}
    return [known[a.modality] for a in entry.areas if a.modality in known]


def _guard_problems(guards: Sequence[SessionGuard], entry: SessionEntry) -> list[FieldProblem]:
    """An urgent alert not yet acknowledged, or a treatment without its signed consent, stops
    the session; any other guard needs a reason."""
    problems = [
        FieldProblem("guards", f"{g.message} Acknowledge it on the recovery page first.")
        for g in guards
        if g.must_acknowledge
    ] + [
        FieldProblem("guards", f"{g.message} Have the patient sign it on the Consents page first.")
        for g in guards
        if g.needs_consent
    ]
    reason = " ".join(entry.proceed_reason.split())
    problems += text_problems(free_text={"proceed_reason": entry.proceed_reason})
    if guards and not problems and not reason:
        listed = " ".join(g.message for g in guards)
        problems.append(FieldProblem("proceed_reason", f"{listed} Give the reason to go on."))
    elif len(reason) > MAX_TEXT:
        problems.append(FieldProblem("proceed_reason", f"is longer than {MAX_TEXT} characters"))
    return problems


def correction_draft(ctx: Context, actor: Actor, session_id: int) -> CorrectionDraft:
    """The session to correct, with the limits its areas are checked against. Audited."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        session = _standing_session(uow, actor, session_id)
        patient = find_patient(uow, actor, session.patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        consultation = chart.consultations[-1] if chart.consultations else None
        found = _screening(ctx.rules, patient, consultation)
        areas = tuple(
            DraftArea(a, _limits(ctx.rules, found, a.modality, a.area)) for a in session.areas
        )
        audit.record(uow, actor, "read", "session", session.id, patient_id=patient.id)
        uow.commit()
        clinicians = _clinicians(uow, actor)
        return CorrectionDraft(patient, session, areas, clinicians, ctx.clock.today())


def _standing_session(uow: UnitOfWork, actor: Actor, session_id: int) -> TreatmentSession:
    """A session of the clinic that stands; one entered in error is not corrected any more."""
    session = uow.charts.session(actor.clinic_id, session_id)
    if session is None or session.entered_in_error:
        audit.record(uow, actor, "write_not_found", "session", session_id)
        uow.commit()
        raise NotFound("session", session_id)
    return session


def amend_session(
    ctx: Context, actor: Actor, session_id: int, version: int, entry: SessionEntry, reason: str
) -> TreatmentSession:
    """Correct a recorded session (its date, device, performer, notes or any area's settings),
    checked against the limits as when it was recorded; the earlier version is kept with the
    reason. The guards of the day it was recorded are not asked again."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        session = _standing_session(uow, actor, session_id)
        patient = find_patient(uow, actor, session.patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        consultation = chart.consultations[-1] if chart.consultations else None
        found = _screening(ctx.rules, patient, consultation)
        problems = reason_problems(reason)
        performer = _performer(uow, actor, entry.performed_by or session.clinician_id, problems)
        areas = _checked(ctx.rules, found, entry, ctx.clock.today(), problems)
        check_reason(reason, version, session, "treatment session")
        amended = replace(
            session,
            clinician_id=performer,
            performed_on=entry.performed_on,
            device=" ".join(entry.device.split()),
            areas=areas,
            notes=entry.notes.strip(),
        )
        names = {u.id: u.display_name for u in uow.users.in_clinic(actor.clinic_id)}
        described = (described_session(session, names), described_session(amended, names))
        if described[0] == described[1]:
            raise InvalidInput("reason", "nothing was changed")
        saved = uow.charts.amend_session(amended)
        keep_earlier(uow, actor, RecordKind.SESSION, session, described, reason)
        uow.commit()
        return saved


def described_session(session: TreatmentSession, names: dict[int, str]) -> dict[str, str]:
    """A session in words, one line per thing a correction may change."""
    words = {
        "Date": session.performed_on.strftime("%d %b %Y"),
        "Performed by": names.get(session.clinician_id, ""),
        "Device": session.device,
        "Notes": session.notes,
    }
    for area in session.areas:
        words[f"{area.area.label} · {area.modality.label}"] = area_settings_words(area)
    return words


def area_settings_words(area: AreaSettings) -> str:
    """An area's settings as a clinician reads them: ``1550 nm, 20 mJ, density 10 %, 2 passes``."""
    parts = [f"{area.wavelength_nm} nm"]
    if area.energy_mj is not None:
        parts.append(f"{area.energy_mj:g} mJ")
    if area.fluence_j_cm2 is not None:
        parts.append(f"{area.fluence_j_cm2:g} J/cm²")
    if area.pulse_duration_ms is not None:
        parts.append(f"pulse {area.pulse_duration_ms:g} ms")
    if area.spot_size_mm is not None:
        parts.append(f"spot {area.spot_size_mm:g} mm")
    if area.density_pct is not None:
        parts.append(f"density {area.density_pct:g} %")
    parts.append(f"{area.passes} pass{'es' if area.passes != 1 else ''}")
    if area.beyond_limits_reason:
        parts.append(f"beyond limits: {area.beyond_limits_reason}")
    return ", ".join(parts)


def session_view(ctx: Context, actor: Actor, session_id: int) -> SessionView:
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        session = uow.charts.session(actor.clinic_id, session_id)
        if session is None:
            audit.record(uow, actor, "read_not_found", "session", session_id)
            uow.commit()
            raise NotFound("session", session_id)
        patient = find_patient(uow, actor, session.patient_id)
        appointments = tuple(
            a
            for a in uow.appointments.for_patient(actor.clinic_id, patient.id)
            if a.after_session_id == session.id
        )
        clinician = uow.users.get(actor.clinic_id, session.clinician_id)
        earlier = corrections.history(uow, actor, RecordKind.SESSION, session.id)
        audit.record(uow, actor, "read", "session", session.id, patient_id=patient.id)
        uow.commit()
        name = clinician.display_name if clinician else ""
        return SessionView(patient, session, appointments, name, earlier)


# --- helpers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    """What a session is recorded against: the patient, the plan in treatment, the sessions,
    the screening's precautions, the latest consultation and the patient's alerts."""

    patient: Patient
    plan: TreatmentPlan
    sessions: tuple[TreatmentSession, ...]
    found: ScreeningResult
    consultation: Consultation | None
    alerts: tuple[ClinicAlert, ...]
    consents: tuple[SignedConsent, ...] = ()

    def guards(self, on: dt.date, modalities: Sequence[Modality] = ()) -> tuple[SessionGuard, ...]:
        """The guards of a session on ``on`` with ``modalities`` (default: the plan's)."""
        decided = decide(self.plan)
        used = modalities or [a.modality for a in decided.areas]
        treated = [a.modality for s in self.sessions if not s.entered_in_error for a in s.areas]
        unconsented = consents_missing(used, self.consents, treated)
        return session_guards(
            decided, self.sessions, on, self.alerts, self.consultation, unconsented
        )


def _context(uow: UnitOfWork, actor: Actor, rules: RuleBase, patient_id: int) -> _Known:
    patient = find_patient_audited(uow, actor, patient_id)
    chart = uow.charts.chart(actor.clinic_id, patient.id)
    plan = plan_in_treatment(chart.plans)
    if plan is None:
        raise InvalidInput("plan", "accept a treatment plan before recording a session")
    consultation = chart.consultations[-1] if chart.consultations else None
    alerts = tuple(uow.alerts.for_patient(actor.clinic_id, patient.id))
    found = _screening(rules, patient, consultation)
    signed = tuple(uow.consents.signed_for_patient(actor.clinic_id, patient.id))
    return _Known(patient, plan, chart.sessions, found, consultation, alerts, signed)


def _screening(
    rules: RuleBase, patient: Patient, consultation: Consultation | None
) -> ScreeningResult:
    """The precautions found for the patient, which lower the settings limits. Every area is
    screened, so an area added on the day gets its own precautions too."""
    if consultation is not None:
        history, skin_type = consultation.history, consultation.fitzpatrick_type
    elif patient.fitzpatrick_type is not None:
        history, skin_type = MedicalHistory(), patient.fitzpatrick_type
    else:
        raise InvalidInput("consultation", "record a consultation (skin type) first")
    return screen(rules.screening, history, skin_type, list(Area))


def _limits(
    rules: RuleBase, found: ScreeningResult, modality: Modality, area: Area
) -> SettingsLimits:
    return settings_limits(rules.settings, modality, area, found.precautions(modality, area))


def _plan_areas(plan: TreatmentPlan) -> list[tuple[Area, Modality]]:
    return list(dict.fromkeys((a.area, a.modality) for a in decide(plan).areas))


def _last_settings(
    sessions: tuple[TreatmentSession, ...], area: Area, modality: Modality
) -> tuple[TreatmentSession, AreaSettings] | None:
    for session in sorted(sessions, key=lambda s: (s.performed_on, s.id), reverse=True):
        for settings in session.areas:
            if settings.area is area and settings.modality is modality:
                return session, settings
    return None


_E = TypeVar("_E", Area, Modality)


def _code(kind: type[_E], value: str, name: str, problems: list[FieldProblem]) -> _E | None:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        problems.append(FieldProblem(name, f"choose one of {choices}"))
        return None


def _checked(
    rules: RuleBase,
    found: ScreeningResult,
    entry: SessionEntry,
    today: dt.date,
    problems: list[FieldProblem],
) -> tuple[AreaSettings, ...]:
    """The areas' settings as checked; raises with ``problems`` and every other one found."""
    dated = record_date_problem("performed_on", entry.performed_on, today)
    problems += [dated] if dated else []
    problems += text_problems(one_line={"device": entry.device}, free_text={"notes": entry.notes})
    device = " ".join(entry.device.split())
    if not device:
        problems.append(FieldProblem("device", "name the laser device used"))
    elif len(device) > MAX_DEVICE:
        problems.append(FieldProblem("device", f"is longer than {MAX_DEVICE} characters"))
    if len(entry.notes) > MAX_TEXT:
        problems.append(FieldProblem("notes", f"is longer than {MAX_TEXT} characters"))
    if not entry.areas:
        problems.append(FieldProblem("areas", "record the settings of at least one area"))
    areas: list[AreaSettings] = []
    seen: set[tuple[Area, Modality]] = set()
    for index, typed in enumerate(entry.areas):
        checked = _checked_area(rules, found, typed, f"areas[{index}]", problems)
        if checked is None:
            continue
        if (checked.area, checked.modality) in seen:
            problems.append(
                FieldProblem(f"areas[{index}].area", "this area and modality are listed twice")
            )
        seen.add((checked.area, checked.modality))
        areas.append(checked)
    if problems:
        raise InvalidInput.of(problems)
    return tuple(areas)


def _checked_area(
    rules: RuleBase,
    found: ScreeningResult,
    typed: AreaEntry,
    prefix: str,
    problems: list[FieldProblem],
) -> AreaSettings | None:
    before = len(problems)
    area = _code(Area, typed.area, f"{prefix}.area", problems)
    modality = _code(Modality, typed.modality, f"{prefix}.modality", problems)
    if area is None or modality is None:
        return None
    limits = _limits(rules, found, modality, area)
    energy_name = ENERGY_FIELD[limits.energy_unit]
    other_name = next(name for name in ENERGY_FIELD.values() if name != energy_name)
    energy = getattr(typed, energy_name)
    if getattr(typed, other_name) is not None:
        problems.append(
            FieldProblem(
                f"{prefix}.{other_name}",
                f"{modality.value} is recorded as {energy_name} ({limits.energy_unit})",
            )
        )
    _need(energy, f"{prefix}.{energy_name}", f"energy ({limits.energy_unit})", problems)
    if limits.density_max_pct is not None:
        _need(typed.density_pct, f"{prefix}.density_pct", "density (%)", problems)
    _need(typed.passes, f"{prefix}.passes", "passes", problems)
    wavelength = typed.wavelength_nm if typed.wavelength_nm is not None else modality.wavelength_nm
    low, high = WAVELENGTH_RANGE_NM
    if not low <= wavelength <= high:
        problems.append(FieldProblem(f"{prefix}.wavelength_nm", f"must be {low} to {high} nm"))
    numbers = {
        energy_name: energy,
        "pulse_duration_ms": typed.pulse_duration_ms,
        "spot_size_mm": typed.spot_size_mm,
        "density_pct": typed.density_pct,
    }
    plausible = rules.settings.plausible.ranges
    for name, value in numbers.items():
        if value is None:
            continue
        if not math.isfinite(value) or value < 0:
            problems.append(FieldProblem(f"{prefix}.{name}", "must be a number, 0 or more"))
        elif name in plausible and not plausible[name][0] <= value <= plausible[name][1]:
            least, most = plausible[name]
            problems.append(
                FieldProblem(
                    f"{prefix}.{name}",
                    f"{value:g} is outside what a resurfacing laser delivers ({least:g} to "
                    f"{most:g}); check the value",
                )
            )
    if typed.density_pct is not None and typed.density_pct > 100:
        problems.append(FieldProblem(f"{prefix}.density_pct", "is a percentage: 0 to 100"))
    if typed.passes is not None and not 1 <= typed.passes <= MAX_PASSES:
        problems.append(FieldProblem(f"{prefix}.passes", f"must be 1 to {MAX_PASSES}"))
    for name, text in (
        ("immediate_response", typed.immediate_response),
        ("beyond_limits_reason", typed.beyond_limits_reason),
    ):
        if len(text) > MAX_TEXT:
            problems.append(
                FieldProblem(f"{prefix}.{name}", f"is longer than {MAX_TEXT} characters")
            )
        problems += text_problems(free_text={f"{prefix}.{name}": text})
    if len(problems) > before:
        return None
    reason = " ".join(typed.beyond_limits_reason.split())
    recorded = RecordedSettings(energy=energy, density_pct=typed.density_pct, passes=typed.passes)
    warnings = check_settings(limits, recorded)
    if warnings and not reason:
        fields = {"energy": energy_name, "density": "density_pct", "passes": "passes"}
        for w in warnings:
            problems.append(
                FieldProblem(
                    f"{prefix}.{fields[w.setting]}",
                    f"{w.message}; give a reason to record it",
                    setting=w.setting,
                    recorded=w.recorded,
                    limit=w.limit,
                    unit=w.unit,
                )
            )
        problems.append(
            FieldProblem(
                f"{prefix}.beyond_limits_reason",
                "a setting is beyond the limit for this area: give the reason",
            )
        )
        return None
    return AreaSettings(
        area=area,
        modality=modality,
        wavelength_nm=wavelength,
        passes=typed.passes or 1,
        energy_mj=energy if energy_name == "energy_mj" else None,
        fluence_j_cm2=energy if energy_name == "fluence_j_cm2" else None,
        pulse_duration_ms=typed.pulse_duration_ms,
        spot_size_mm=typed.spot_size_mm,
        density_pct=typed.density_pct,
        immediate_response=typed.immediate_response.strip(),
        beyond_limits_reason=reason if warnings else "",
    )


def _need(value: object, name: str, label: str, problems: list[FieldProblem]) -> None:
    if value is None:
        problems.append(FieldProblem(name, f"record the {label} used"))


def _schedule(
    uow: UnitOfWork,
    actor: Actor,
    patient_id: int,
    plan: TreatmentPlan,
    session: TreatmentSession,
    plan_next: FollowUp,
) -> tuple[tuple[Appointment, ...], Appointment | None]:
    """Book the check-ins and the next session; a session appointment it fulfils is done, a
    later one without a time it replaces is cancelled. Sessions the book holds at a time later
    on stay booked (a series), and then no day entry is added for the next one."""
    timed_ahead = False
    for old in uow.appointments.for_patient(actor.clinic_id, patient_id):
        if old.kind is not AppointmentKind.SESSION or not old.active:
            continue
        fulfilled = old.due_on <= session.performed_on
        if old.starts_at is not None and not fulfilled:
            timed_ahead = True
        elif fulfilled or old.status is AppointmentStatus.BOOKED:
            status = AppointmentStatus.DONE if fulfilled else AppointmentStatus.CANCELLED
            uow.appointments.set_status(actor.clinic_id, old.id, status)
    checkins = tuple(
        uow.appointments.add(
            Appointment(
                0, actor.clinic_id, patient_id, AppointmentKind.CHECKIN, day, session.id, plan.id
            )
        )
        for day in plan_next.checkins
    )
    next_session = None
    if plan_next.next_session is not None and not timed_ahead:
        next_session = uow.appointments.add(
            Appointment(
                0,
                actor.clinic_id,
                patient_id,
                AppointmentKind.SESSION,
                plan_next.next_session,
                session.id,
                plan.id,
            )
        )
    days = ", ".join(d.isoformat() for d in plan_next.checkins) or "none"
    following = plan_next.next_session.isoformat() if plan_next.next_session else "none"
    audit.record(
        uow,
        actor,
        "schedule",
        "session",
        session.id,
        patient_id=patient_id,
        detail=f"check-ins {days}; next session {following}",
    )
    return checkins, next_session


__all__ = [
    "AreaEntry",
    "CorrectionDraft",
    "DraftArea",
    "FieldProblem",
    "RecordedSession",
    "SessionDraft",
    "SessionEntry",
    "SessionView",
    "amend_session",
    "correction_draft",
    "record_session",
    "session_draft",
    "session_view",
]
