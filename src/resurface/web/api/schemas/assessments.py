"""The assessments API's shapes."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.chart import (
    Assessment,
)
from resurface.domain.codes import Area
from resurface.services.assessments import GradeEntry
from resurface.web.api.schemas.common import InputModel, IsoDate, Text, Whole


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
    entered_in_error: str = Field(
        description="why the record was marked entered in error; empty while it stands"
    )

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
            entered_in_error=record.entered_in_error,
        )


class GradeIn(InputModel):
    area: Area
    scale: Annotated[str, Field(min_length=1, max_length=50, description="e.g. glogau")]
    grade: Annotated[str, Field(min_length=1, max_length=10, description="grade code, e.g. III")]


class AssessmentIn(InputModel):
    grades: Annotated[list[GradeIn], Field(min_length=1, max_length=100)]
    assessed_on: IsoDate | None = None
    notes: Annotated[str, Field(max_length=4000)] = ""

    def entries(self) -> list[GradeEntry]:
        return [GradeEntry(g.area, g.scale, g.grade) for g in self.grades]


class AssessmentCorrectionIn(AssessmentIn):
    """The corrected assessment, whole (grades, date, notes), with the version and the reason."""

    assessed_on: IsoDate
    version: Whole
    reason: Text
