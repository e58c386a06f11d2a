"""The patients API's shapes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.people import Patient, Sex
from resurface.services.patients import PatientSummary
from resurface.services.timeline import TimelineEntry
from resurface.web.api.schemas.common import InputModel, IsoDate
from resurface.web.api.schemas.consultations import ConsultationIn, ConsultationResultOut


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
