"""The chart as one timeline, newest first, in words a clinician reads at a glance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from resurface.domain.chart import (
    AreaSettings,
    Assessment,
    Chart,
    ChartRecord,
    CheckInRecord,
    Consultation,
    Photo,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.codes import Area, Score
from resurface.domain.photo_series import label_of, series_by_region
from resurface.domain.plans import decided_area


@dataclass(frozen=True)
class TimelineEntry:
    on: dt.date
    kind: str
    record_id: int
    title: str
    lines: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    """What the clinic must see at a glance: settings beyond limits, guards gone past."""
    entered_in_error: str = ""
    """Why the record was marked entered in error: it is shown struck through."""


_SCORE_NAMES = {score: score.value for score in Score}
"""Each score's name, looked up once (an enum's ``value`` is a property: a chart's check-ins
read it hundreds of times)."""


def _words(code: str) -> str:
    return code.replace("_", " ")


def _region(region: str) -> str:
    """A photo's region as the clinic says it (an area), or its name in words."""
    return Area(region).label if region in Area._value2member_map_ else _words(region)


def _consultation(record: Consultation) -> TimelineEntry:
    goals = "; ".join(f"{_words(g.concern)} — {g.area.label} ({g.severity})" for g in record.goals)
    screening = "eligible" if record.eligible else "not eligible now (deferred)"
    lines = [f"Goals: {goals}", f"Skin type {record.fitzpatrick_type}; screening: {screening}"]
    lines += [f"{_words(f.action)}: {_words(f.code)} — {f.reason}" for f in record.findings]
    return TimelineEntry(record.held_on, "consultation", record.id, "Consultation", tuple(lines))


def _assessment(record: Assessment) -> TimelineEntry:
    lines = tuple(
        f"{g.area.label}: {_words(g.scale).capitalize()} — {g.label}" for g in record.grades
    )
    return TimelineEntry(record.assessed_on, "assessment", record.id, "Assessment", lines)


def _plan(record: TreatmentPlan) -> TimelineEntry:
    lines = []
    for item in record.items:
        decided = decided_area(item)
        count = decided.sessions
        sessions = (
            f"{count.min} session{'s' if count.min != 1 else ''}"
            if count.min == count.max
            else f"{count.min}–{count.max} sessions"
        )
        line = f"{item.area.label}, {_words(item.concern)}: {decided.modality.label}, {sessions}"
        if item.override_reason:
            line += f" (overridden: {item.override_reason})"
        lines.append(line)
    title = f"Treatment plan ({record.status.value})"
    return TimelineEntry(record.created_on, "plan", record.id, title, tuple(lines))


def _settings(area: AreaSettings) -> str:
    parts = [f"{area.area.label}: {area.modality.label}"]
    if area.energy_mj is not None:
        parts.append(f"{area.energy_mj:g} mJ")
    if area.fluence_j_cm2 is not None:
        parts.append(f"{area.fluence_j_cm2:g} J/cm²")
    if area.density_pct is not None:
        parts.append(f"density {area.density_pct:g} %")
    parts.append(f"{area.passes} pass{'es' if area.passes != 1 else ''}")
    return ", ".join(parts)


def _session(record: TreatmentSession, number: int) -> TimelineEntry:
    lines = [_settings(area) for area in record.areas] + [f"Device: {record.device}"]
    title = f"Treatment session {number}"
    warnings = [
        f"Beyond the limits for the {area.area.label.lower()}: {area.beyond_limits_reason}"
        for area in record.areas
        if area.beyond_limits_reason
    ]
    if record.guards_passed:
        warnings += [*record.guards_passed, f"Went ahead because: {record.proceed_reason}"]
    entry = TimelineEntry(record.performed_on, "session", record.id, title, tuple(lines))
    return replace(entry, warnings=tuple(warnings))


def _checkin(record: CheckInRecord, session_on: dt.date | None) -> TimelineEntry:
    checkin = record.checkin
    scores = ", ".join(f"{_SCORE_NAMES[score]} {value}" for score, value in checkin.scores.items())
    lines = [scores]
    if checkin.red_flags:
        lines.append("Warning signs: " + ", ".join(_words(f) for f in sorted(checkin.red_flags)))
    if checkin.note:
        lines.append(f"Note: {checkin.note}")
    day = f"day {checkin.day_after(session_on)} " if session_on else ""
    title = f"Check-in, {day}after treatment"
    return TimelineEntry(checkin.date, "checkin", record.id, title, tuple(lines))


def _photo(record: Photo, label: str) -> TimelineEntry:
    lines = (f"{record.width}×{record.height} px",)
    kind = f"{label.capitalize()} photo" if label else "Photo"
    title = f"{kind}: {_region(record.region)}"
    if record.sent_by_patient:
        accepted = ", accepted as a clinical photo" if record.is_clinical else ""
        title = f"Photo sent by the patient{accepted}"
    return TimelineEntry(record.captured_at.date(), "photo", record.id, title, lines)


def entry_for(record: ChartRecord, session_on: dt.date | None = None) -> TimelineEntry:
    """One record as the timeline shows it (a session unnumbered); ``session_on`` is the date
    of a check-in's session."""
    entry: TimelineEntry
    if isinstance(record, Consultation):
        entry = _consultation(record)
    elif isinstance(record, Assessment):
        entry = _assessment(record)
    elif isinstance(record, TreatmentPlan):
        entry = _plan(record)
    elif isinstance(record, TreatmentSession):
        entry = replace(_session(record, 0), title="Treatment session")
    elif isinstance(record, CheckInRecord):
        entry = _checkin(record, session_on)
    else:
        entry = _photo(record, record.purpose.label)
    return replace(entry, entered_in_error=record.entered_in_error)


def _struck(record: ChartRecord, session_dates: dict[int, dt.date]) -> TimelineEntry:
    session_on = session_dates.get(record.session_id) if isinstance(record, CheckInRecord) else None
    return entry_for(record, session_on)


def timeline_of(chart: Chart) -> tuple[TimelineEntry, ...]:
    """Every record, newest first; those entered in error struck through, numbered by none."""
    session_dates = {s.id: s.performed_on for s in chart.sessions}
    session_dates |= {
        r.id: r.performed_on for r in chart.entered_in_error if isinstance(r, TreatmentSession)
    }
    baselines = {s.region: s.baseline for s in series_by_region(chart.photos)}
    entries = [
        *(_consultation(r) for r in chart.consultations),
        *(_assessment(r) for r in chart.assessments),
        *(_plan(r) for r in chart.plans),
        *(_session(r, n) for n, r in enumerate(chart.sessions, start=1)),
        *(_checkin(r, session_dates.get(r.session_id)) for r in chart.checkins),
        *(_photo(r, label_of(r, baselines[r.region])) for r in chart.photos),
        *(_struck(r, session_dates) for r in chart.entered_in_error),
    ]
    return tuple(sorted(entries, key=lambda e: (e.on, e.kind, e.record_id), reverse=True))
