"""The patients API's shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.people import Patient, Sex
from resurface.services.patients import PatientDetails, PatientSummary
from resurface.services.timeline import TimelineEntry
from resurface.web.api.schemas.common import InputModel, IsoDate, Text, Whole
from resurface.web.api.schemas.consultations import ConsultationIn, ConsultationResultOut
from resurface.web.api.schemas.corrections import CorrectionOut


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
        assert summary.stage is not None, "a clinical summary has a stage"
        return cls(
            patient=PatientOut.of(summary.patient),
            stage=summary.stage.value,
            sessions_done=summary.sessions_done,
            sessions_planned=summary.sessions_planned,
            last_session_on=summary.last_session_on,
        )


class PatientContactOut(BaseModel):
    """A patient as the front desk lists them: name, birth date and contact, nothing clinical."""

    id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date
    phone: str
    email: str

    @classmethod
    def of(cls, summary: PatientSummary) -> PatientContactOut:
        p = summary.patient
        return cls(
            id=p.id,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            phone=p.phone,
            email=p.email,
        )


class TimelineEntryOut(BaseModel):
    on: dt.date
    kind: str
    record_id: int
    title: str
    lines: list[str]
    warnings: list[str]
    entered_in_error: str = Field(description="why it was marked entered in error, if it was")

    @classmethod
    def of(cls, entry: TimelineEntry) -> TimelineEntryOut:
        return cls(
            on=entry.on,
            kind=entry.kind,
            record_id=entry.record_id,
            title=entry.title,
            lines=list(entry.lines),
            warnings=list(entry.warnings),
            entered_in_error=entry.entered_in_error,
        )


class ChartOut(BaseModel):
    patient: PatientOut
    stage: str
    timeline: list[TimelineEntryOut]
    emergency_access_until: dt.datetime | None = Field(
        default=None,
        description="read by the front desk under emergency (break-glass) access, which ends then",
    )


class BreakGlassIn(InputModel):
    reason: str = Field(max_length=2000, description="what the emergency is (10-500 characters)")


class BreakGlassOut(BaseModel):
    id: int
    patient_id: int
    reason: str
    opened_at: dt.datetime
    expires_at: dt.datetime


class PatientIn(InputModel):
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


class RegisteredOut(BaseModel):
    patient: PatientOut
    consultation: ConsultationResultOut | None


class PatientDetailsOut(BaseModel):
    """Contact details and demographics: what the front desk keeps right (no clinical data)."""

    id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: str
    phone: str
    email: str
    version: int
    history: list[CorrectionOut]

    @classmethod
    def of(cls, details: PatientDetails) -> PatientDetailsOut:
        p = details.patient
        return cls(
            id=p.id,
            given_name=p.given_name,
            family_name=p.family_name,
            date_of_birth=p.date_of_birth,
            sex=p.sex.value,
            phone=p.phone,
            email=p.email,
            version=p.version,
            history=[CorrectionOut.of(entry) for entry in details.history],
        )


class PatientCorrectionIn(InputModel):
    """The details to correct (any left out stay as they are), the version and the reason."""

    given_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    family_name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    date_of_birth: IsoDate | None = None
    sex: Sex | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    version: Whole
    reason: Text

    def applied_to(self, patient: Patient) -> Patient:
        given = self.model_dump(exclude_unset=True, exclude={"version", "reason"})
        return replace(patient, **{k: v for k, v in given.items() if v is not None})
