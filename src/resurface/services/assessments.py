"""The assessment: each treated area graded on the rule base's scales, with baseline photos.

The scales, their grades and labels come from ``protocols/scales.yaml``. Outcome scales (GAIS,
improvement quartiles) rate a change and so are not offered at a baseline assessment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resurface.domain.chart import Assessment, Consultation, Grade, Photo, PhotoPurpose
from resurface.domain.codes import Area, Concern
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.dates import record_date_problem
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import PhotoMeasurement
from resurface.domain.people import Patient
from resurface.domain.rulebase import GradedScale, RuleBase
from resurface.domain.scales import grade_by_code, scale_named
from resurface.domain.text import check_text
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.corrections import HistoryEntry, check_reason, history, keep_earlier
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient, find_patient_audited

if TYPE_CHECKING:
    from resurface.services.context import Context

__all__ = [
    "OUTCOME_SCALES",
    "AssessmentDesk",
    "GradeEntry",
    "amend_assessment",
    "assessment_desk",
    "baseline_scales",
    "record_assessment",
    "suggested_scale",
]

#: Scales that rate a change after treatment, not a state at baseline.
OUTCOME_SCALES = frozenset({"gais", "improvement_quartile"})
MAX_NOTES = 4000


@dataclass(frozen=True)
class GradeEntry:
    """One grade as entered: a scale's grade code (``"III"``, ``"2"``) for an area."""

    area: Area
    scale: str
    code: str


@dataclass(frozen=True)
class AssessmentDesk:
    """What the assessment page shows: the patient, the areas to grade, this visit's photos."""

    patient: Patient
    consultation: Consultation | None
    areas: tuple[Area, ...]
    assessment: Assessment | None
    photos: tuple[tuple[Photo, PhotoMeasurement | None], ...]
    history: tuple[HistoryEntry, ...] = ()
    """The assessment's earlier versions, newest first."""


def baseline_scales(rules: RuleBase) -> tuple[GradedScale, ...]:
    """The scales a baseline assessment grades with, in the rule base's order."""
    return tuple(s for name, s in rules.scales.scales.items() if name not in OUTCOME_SCALES)


def suggested_scale(concern: Concern) -> str:
    """The scale usually used for a concern: acne scars by Goodman & Baron, the rest by Glogau."""
    return "goodman_baron" if concern is Concern.ACNE_SCARS else "glogau"


def record_assessment(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    entries: Sequence[GradeEntry],
    *,
    assessed_on: dt.date | None = None,
    notes: str = "",
) -> Assessment:
    """Grade the patient's areas and save the assessment."""
    require(actor, Permission.WRITE_CHART)
    on = assessed_on or ctx.clock.today()
    grades = _checked(ctx, entries, on, notes)
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        saved = uow.charts.add_assessment(
            Assessment(0, actor.clinic_id, patient.id, actor.user_id, on, grades, notes.strip())
        )
        detail = "; ".join(f"{g.area.value} {g.scale} {g.value}" for g in grades)
        audit.record(
            uow,
            actor,
            "create",
            "assessment",
            saved.id,
            patient_id=patient.id,
            detail=detail,
        )
        uow.commit()
        return saved


def amend_assessment(
    ctx: Context,
    actor: Actor,
    assessment_id: int,
    version: int,
    entries: Sequence[GradeEntry],
    *,
    assessed_on: dt.date,
    notes: str,
    reason: str,
) -> Assessment:
    """Reopen an assessment and correct its grades, date or notes; the earlier version is kept
    with the reason."""
    require(actor, Permission.WRITE_CHART)
    problems = reason_problems(reason)
    if problems:
        raise InvalidInput.of(problems)
    grades = _checked(ctx, entries, assessed_on, notes)
    with ctx.uow() as uow:
        assessment = uow.charts.assessment(actor.clinic_id, assessment_id)
        if assessment is None or assessment.entered_in_error:
            audit.record(uow, actor, "write_not_found", "assessment", assessment_id)
            uow.commit()
            raise NotFound("assessment", assessment_id)
        check_reason(reason, version, assessment, "assessment")
        amended = replace(assessment, assessed_on=assessed_on, grades=grades, notes=notes.strip())
        described = (described_assessment(assessment), described_assessment(amended))
        if described[0] == described[1]:
            raise InvalidInput("reason", "nothing was changed")
        saved = uow.charts.amend_assessment(amended)
        keep_earlier(uow, actor, RecordKind.ASSESSMENT, assessment, described, reason)
        uow.commit()
        return saved


def described_assessment(assessment: Assessment) -> dict[str, str]:
    words = {"Date": assessment.assessed_on.strftime("%d %b %Y"), "Notes": assessment.notes}
    for grade in assessment.grades:
        words[f"{grade.area.label}, {grade.scale.replace('_', ' ')}"] = grade.label
    return words


def _checked(
    ctx: Context, entries: Sequence[GradeEntry], on: dt.date, notes: str
) -> tuple[Grade, ...]:
    dated = record_date_problem("assessed_on", on, ctx.clock.today())
    if dated is not None:
        raise InvalidInput.of([dated])
    if len(notes) > MAX_NOTES:
        raise InvalidInput("notes", f"is longer than {MAX_NOTES} characters")
    check_text(free_text={"notes": notes})
    return _grades(ctx.rules, entries)


def assessment_desk(
    ctx: Context, actor: Actor, patient_id: int, assessment_id: int | None = None
) -> AssessmentDesk:
    """The patient, the areas of the latest consultation's goals, and (when continuing an
    assessment) its grades and photos with their measurements. Audited as a chart read."""
    require(actor, Permission.VIEW_CHART)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        consultation = chart.consultations[-1] if chart.consultations else None
        assessment = None
        if assessment_id is not None:
            assessment = uow.charts.assessment(actor.clinic_id, assessment_id)
            if assessment is None or assessment.patient_id != patient.id:
                audit.record(uow, actor, "read_not_found", "assessment", assessment_id, at=now)
                uow.commit()
                raise NotFound("assessment", assessment_id)
        areas = tuple(dict.fromkeys(g.area for g in consultation.goals)) if consultation else ()
        photos = tuple(
            (photo, uow.measurements.for_photo(actor.clinic_id, photo.id))
            for photo in chart.photos
            if _of_this_visit(photo, assessment)
        )
        found = history(uow, actor, RecordKind.ASSESSMENT, assessment.id) if assessment else ()
        audit.record(uow, actor, "chart_read", "patient", patient.id, patient_id=patient.id, at=now)
        uow.commit()
        return AssessmentDesk(patient, consultation, areas, assessment, photos, found)


def _of_this_visit(photo: Photo, assessment: Assessment | None) -> bool:
    """The assessment's photos; before its grades are saved, the baseline photos not filed
    with an assessment (uploaded at this page before the grades)."""
    if assessment is not None:
        return photo.assessment_id == assessment.id
    return (
        photo.assessment_id is None
        and photo.purpose is PhotoPurpose.BASELINE
        and (not photo.sent_by_patient)
    )


def _grades(rules: RuleBase, entries: Sequence[GradeEntry]) -> tuple[Grade, ...]:
    if not entries:
        raise InvalidInput("grades", "grade at least one area on one scale")
    seen: set[tuple[Area, str]] = set()
    grades = []
    for entry in entries:
        field = f"grade {entry.area.value} {entry.scale}"
        if entry.scale in OUTCOME_SCALES:
            raise InvalidInput(field, "rates a change after treatment, not a baseline")
        try:
            scale = scale_named(rules.scales.scales, entry.scale)
            grade = grade_by_code(scale, entry.code)
        except InvalidInput as error:
            raise InvalidInput(field, error.message) from None
        if (entry.area, entry.scale) in seen:
            raise InvalidInput(field, "is graded twice")
        seen.add((entry.area, entry.scale))
        value = scale.grades.index(grade) + 1
        label = f"{grade.code} {grade.label}: {grade.description}"
        grades.append(Grade(entry.area, entry.scale, value, label))
    return tuple(grades)
