"""Request and response shapes of the first-visit API: registering a patient, consultations,
assessments and photo uploads. Separate from domain objects: this is the public contract."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from resurface.domain.codes import Area, Concern, FitzpatrickType, Severity
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.measurements import PhotoMeasurement
from resurface.domain.people import Patient, Sex
from resurface.domain.planning import PreTreatmentStep
from resurface.services.assessments import GradeEntry
from resurface.services.consultations import Intake
from resurface.services.photos import UploadedPhoto
from resurface.web.api.schemas import (
    ConsultationOut,
    Flag,
    IsoDate,
    Number,
    PatientOut,
    PhotoOut,
    Whole,
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoalIn(Strict):
    concern: Concern
    area: Area
    severity: Severity


class HistoryIn(Strict):
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


class ConsultationIn(Strict):
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


class PatientIn(Strict):
    given_name: Annotated[str, Field(min_length=1, max_length=100)]
    family_name: Annotated[str, Field(min_length=1, max_length=100)]
    date_of_birth: IsoDate
    sex: Sex = Sex.UNKNOWN
    phone: Annotated[str, Field(max_length=40)] = ""
    email: Annotated[str, Field(max_length=200)] = ""
    consultation: ConsultationIn | None = None

    def patient(self) -> Patient:
        return Patient(
            id=0,
            clinic_id=0,
            given_name=self.given_name,
            family_name=self.family_name,
            date_of_birth=self.date_of_birth,
            sex=self.sex,
            phone=self.phone.strip(),
            email=self.email.strip(),
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
    find the consent form."""

    consultation: ConsultationOut
    pre_treatment: list[PreTreatmentOut]
    consent_pdf_url: str


class RegisteredOut(BaseModel):
    patient: PatientOut
    consultation: ConsultationResultOut | None


class GradeIn(Strict):
    area: Area
    scale: Annotated[str, Field(min_length=1, max_length=50, description="e.g. glogau")]
    grade: Annotated[str, Field(min_length=1, max_length=10, description="grade code, e.g. III")]


class AssessmentIn(Strict):
    grades: Annotated[list[GradeIn], Field(min_length=1, max_length=100)]
    assessed_on: IsoDate | None = None
    notes: Annotated[str, Field(max_length=4000)] = ""

    def entries(self) -> list[GradeEntry]:
        return [GradeEntry(g.area, g.scale, g.grade) for g in self.grades]


class RegionMeasurementOut(BaseModel):
    name: str
    area_mm2: float | None
    metrics: dict[str, float | int | str]


class MeasurementOut(BaseModel):
    photo_id: int
    analysed_at: dt.datetime
    px_per_mm: float | None
    length_unit: str
    regions: list[RegionMeasurementOut]
    overlay_url: str | None

    @classmethod
    def of(cls, record: PhotoMeasurement) -> MeasurementOut:
        return cls(
            photo_id=record.photo_id,
            analysed_at=record.analysed_at,
            px_per_mm=record.px_per_mm,
            length_unit=record.length_unit,
            regions=[
                RegionMeasurementOut(name=r.name, area_mm2=r.area_mm2, metrics=dict(r.metrics))
                for r in record.regions
            ],
            overlay_url=f"/photos/{record.photo_id}/overlay.png" if record.overlay_key else None,
        )


class UploadedPhotoOut(BaseModel):
    photo: PhotoOut
    measurement: MeasurementOut | None
    notes: list[str]
    analysis_url: str

    @classmethod
    def of(cls, uploaded: UploadedPhoto) -> UploadedPhotoOut:
        return cls(
            photo=PhotoOut.of(uploaded.photo),
            measurement=MeasurementOut.of(uploaded.measurement) if uploaded.measurement else None,
            notes=list(uploaded.notes),
            analysis_url=f"/photos/{uploaded.photo.id}/analysis",
        )
