"""The checkins API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.chart import (
    CheckInRecord,
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
    version: int
    entered_in_error: str = Field(
        description="why the record was marked entered in error; empty while it stands"
    )

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
            version=record.version,
            entered_in_error=record.entered_in_error,
        )
