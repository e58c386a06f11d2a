"""The consultations API's shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.chart import (
    Consultation,
)
from resurface.domain.codes import Area, Concern, FitzpatrickType, Severity
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.planning import PreTreatmentStep
from resurface.services.consultations import ConsultationView, Intake
from resurface.web.api.schemas.common import Flag, InputModel, IsoDate, Number, Text, Whole


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
    entered_in_error: str = Field(
        description="why the record was marked entered in error; empty while it stands"
    )

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
            entered_in_error=record.entered_in_error,
        )


class GoalIn(InputModel):
    concern: Concern
    area: Area
    severity: Severity


class HistoryIn(InputModel):
    """The medical-history questionnaire; a missing answer means "no"."""

    pregnant: Flag = False
    active_infection: Flag = False
    isotretinoin_months_since_last_dose: Annotated[Number, Field(ge=0, le=1200)] | None = None
    hsv_history: Flag = False
    keloid_history: Flag = False
    photosensitizing_drugs: Flag = False
    radiation_to_area: Flag = False
    vitiligo: Flag = False
    recent_tan: Flag = False
    immunosuppressed: Flag = False


class ConsultationIn(InputModel):
    """Give ``fitzpatrick_answers`` (the questionnaire, one 0–4 answer per item) or
    ``fitzpatrick_type`` (recorded directly), not both."""

    goals: Annotated[list[GoalIn], Field(min_length=1, max_length=20)]
    history: HistoryIn = Field(default_factory=HistoryIn)
    fitzpatrick_answers: list[Whole] | None = None
    fitzpatrick_type: FitzpatrickType | None = None
    held_on: IsoDate | None = None
    notes: Annotated[str, Field(max_length=4000)] = ""

    def intake(self) -> Intake:
        return Intake(
            goals=tuple(Goal(g.concern, g.area, g.severity) for g in self.goals),
            history=MedicalHistory(**self.history.model_dump()),
            fitzpatrick_answers=(
                tuple(self.fitzpatrick_answers) if self.fitzpatrick_answers is not None else None
            ),
            fitzpatrick_type=self.fitzpatrick_type,
            held_on=self.held_on,
            notes=self.notes,
        )


class PreTreatmentOut(BaseModel):
    code: str
    detail: str
    source: str

    @classmethod
    def of(cls, step: PreTreatmentStep) -> PreTreatmentOut:
        return cls(code=step.code, detail=step.detail, source=step.source)


class ConsultationResultOut(BaseModel):
    """The saved consultation with its screening, the steps before treatment and where to
    find the patient's consents (none is offered while the screening defers treatment)."""

    consultation: ConsultationOut
    pre_treatment: list[PreTreatmentOut]
    consents_url: str | None

    @classmethod
    def of(cls, view: ConsultationView) -> ConsultationResultOut:
        return cls(
            consultation=ConsultationOut.of(view.consultation),
            pre_treatment=[PreTreatmentOut.of(step) for step in view.pre_treatment],
            consents_url=(
                f"/api/v1/patients/{view.patient.id}/consents"
                if view.consultation.eligible
                else None
            ),
        )


class ConsultationCorrectionIn(ConsultationIn):
    """The corrected consultation, whole; it is screened again. With the version and reason."""

    held_on: IsoDate
    version: Whole
    reason: Text
