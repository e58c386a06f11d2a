"""The JSON API's shapes. Separate from domain objects and tables: this is the public contract."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, Field, Strict

from resurface.domain.chart import (
    Assessment,
    CheckInRecord,
    Consultation,
    Photo,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.people import Patient
from resurface.services.patients import PatientSummary
from resurface.services.timeline import TimelineEntry

# Input types: a JSON number is a number and nothing else (``true`` is not 1, ``"3"`` is not 3),
# and a date is written as one ("2026-12-05"; 0 is not 1 January 1970).
Whole = Annotated[int, Strict()]
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Flag = Annotated[bool, Strict()]


def _iso_date(value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("use a date like 2026-12-05")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


class PatientOut(BaseModel):
    id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str
    fitzpatrick_type: str | None
    version: int

    @classmethod
    def of(cls, patient: Patient) -> PatientOut:
        return cls(
            id=patient.id,
            given_name=patient.given_name,
            family_name=patient.family_name,
            date_of_birth=patient.date_of_birth,
            sex=patient.sex.value,
            phone=patient.phone,
            email=patient.email,
            fitzpatrick_type=patient.fitzpatrick_type.value if patient.fitzpatrick_type else None,
            version=patient.version,
        )


class PatientSummaryOut(BaseModel):
    patient: PatientOut
    stage: str
    sessions_done: int
    sessions_planned: int
    last_session_on: dt.date | None

    @classmethod
    def of(cls, summary: PatientSummary) -> PatientSummaryOut:
        return cls(
            patient=PatientOut.of(summary.patient),
            stage=summary.stage.value,
            sessions_done=summary.sessions_done,
            sessions_planned=summary.sessions_planned,
            last_session_on=summary.last_session_on,
        )


class PatientPage(BaseModel):
    items: list[PatientSummaryOut]
    total: int
    page: int
    per_page: int
    pages: int


class GoalOut(BaseModel):
    concern: str
    area: str
    severity: str


class FindingOut(BaseModel):
    code: str
    action: str
    modalities: list[str]
    reason: str
    source: str


class ConsultationOut(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    held_on: dt.date
    goals: list[GoalOut]
    history: dict[str, bool | float | None]
    fitzpatrick_type: str
    fitzpatrick_answers: list[int] | None
    eligible: bool
    findings: list[FindingOut]
    notes: str
    version: int

    @classmethod
    def of(cls, record: Consultation) -> ConsultationOut:
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            clinician_id=record.clinician_id,
            held_on=record.held_on,
            goals=[
                GoalOut(concern=g.concern, area=g.area, severity=g.severity) for g in record.goals
            ],
            history=asdict(record.history),
            fitzpatrick_type=record.fitzpatrick_type.value,
            fitzpatrick_answers=list(record.fitzpatrick_answers)
            if record.fitzpatrick_answers
            else None,
            eligible=record.eligible,
            findings=[
                FindingOut(
                    code=f.code,
                    action=f.action,
                    modalities=[m.value for m in f.modalities],
                    reason=f.reason,
                    source=f.source,
                )
                for f in record.findings
            ],
            notes=record.notes,
            version=record.version,
        )


class GradeOut(BaseModel):
    area: str
    scale: str
    value: int
    label: str


class AssessmentOut(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    assessed_on: dt.date
    grades: list[GradeOut]
    notes: str
    version: int

    @classmethod
    def of(cls, record: Assessment) -> AssessmentOut:
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            clinician_id=record.clinician_id,
            assessed_on=record.assessed_on,
            grades=[
                GradeOut(area=g.area, scale=g.scale, value=g.value, label=g.label)
                for g in record.grades
            ],
            notes=record.notes,
            version=record.version,
        )


class RangeOut(BaseModel):
    min: float
    max: float


class PlanItemOut(BaseModel):
    area: str
    concern: str
    severity: str
    proposed_modality: str
    sessions_min: int
    sessions_expected: int
    sessions_max: int
    interval_weeks: RangeOut
    downtime_days: RangeOut
    decision: str
    chosen_modality: str | None
    chosen_sessions: int | None
    override_reason: str
    decided_by: int | None


class PlanOut(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    created_on: dt.date
    status: str
    items: list[PlanItemOut]
    rationale: list[str]
    sources: list[str]
    cosigned_by: int | None
    version: int

    @classmethod
    def of(cls, record: TreatmentPlan) -> PlanOut:
        items = [
            PlanItemOut(
                **{
                    **asdict(item),
                    "interval_weeks": RangeOut(**asdict(item.interval_weeks)),
                    "downtime_days": RangeOut(**asdict(item.downtime_days)),
                }
            )
            for item in record.items
        ]
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            clinician_id=record.clinician_id,
            created_on=record.created_on,
            status=record.status.value,
            items=items,
            rationale=list(record.rationale),
            sources=list(record.sources),
            cosigned_by=record.cosigned_by,
            version=record.version,
        )


class AreaSettingsOut(BaseModel):
    area: str
    modality: str
    wavelength_nm: int
    passes: int
    energy_mj: float | None
    fluence_j_cm2: float | None
    pulse_duration_ms: float | None
    spot_size_mm: float | None
    density_pct: float | None
    immediate_response: str
    beyond_limits_reason: str


class SessionOut(BaseModel):
    id: int
    patient_id: int
    clinician_id: int
    plan_id: int | None
    performed_on: dt.date
    device: str
    areas: list[AreaSettingsOut]
    notes: str
    version: int
    guards_passed: list[str] = Field(
        description="what stood in the way when it was recorded (beyond the plan, too soon ...)"
    )
    proceed_reason: str = Field(description="the clinician's reason to go on past them")

    @classmethod
    def of(cls, record: TreatmentSession) -> SessionOut:
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            clinician_id=record.clinician_id,
            plan_id=record.plan_id,
            performed_on=record.performed_on,
            device=record.device,
            areas=[AreaSettingsOut(**asdict(area)) for area in record.areas],
            notes=record.notes,
            version=record.version,
            guards_passed=list(record.guards_passed),
            proceed_reason=record.proceed_reason,
        )


class CheckInOut(BaseModel):
    id: int
    patient_id: int
    session_id: int
    date: dt.date
    scores: dict[str, int]
    red_flags: list[str]
    note: str
    submitted_at: dt.datetime

    @classmethod
    def of(cls, record: CheckInRecord) -> CheckInOut:
        return cls(
            id=record.id,
            patient_id=record.patient_id,
            session_id=record.session_id,
            date=record.checkin.date,
            scores={score.value: value for score, value in record.checkin.scores.items()},
            red_flags=sorted(flag.value for flag in record.checkin.red_flags),
            note=record.checkin.note,
            submitted_at=record.submitted_at,
        )


class PhotoOut(BaseModel):
    id: int
    patient_id: int
    region: str
    captured_at: dt.datetime
    sha256: str
    media_type: str
    width: int
    height: int
    assessment_id: int | None
    session_id: int | None
    checkin_id: int | None
    content_url: str

    @classmethod
    def of(cls, record: Photo) -> PhotoOut:
        values = asdict(record)
        del values["storage_key"], values["clinic_id"]
        return cls(**values, content_url=f"/api/v1/photos/{record.id}/content")


class TimelineEntryOut(BaseModel):
    on: dt.date
    kind: str
    record_id: int
    title: str
    lines: list[str]

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEntryOut:
        return cls(
            on=entry.on,
            kind=entry.kind,
            record_id=entry.record_id,
            title=entry.title,
            lines=list(entry.lines),
        )


class ChartOut(BaseModel):
    patient: PatientOut
    stage: str
    timeline: list[TimelineEntryOut]


class MeOut(BaseModel):
    user_id: int
    clinic_id: int
    name: str
    role: str
    csrf_token: str


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None
