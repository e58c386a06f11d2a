"""The alerts API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from resurface.domain.alerts import ClinicAlert
from resurface.web.api.schemas.common import InputModel, Whole


class AlertOut(BaseModel):
    id: int
    patient_id: int
    patient_name: str
    session_id: int
    code: str
    urgency: str
    day: int
    message: str
    raised_at: dt.datetime
    status: str
    acknowledged_by: int | None
    acknowledged_at: dt.datetime | None
    closed_by: int | None
    closed_at: dt.datetime | None
    note: str
    version: int

    @classmethod
    def of(cls, alert: ClinicAlert, patient_name: str = "") -> AlertOut:
        return cls(
            id=alert.id,
            patient_id=alert.patient_id,
            patient_name=patient_name,
            session_id=alert.session_id,
            code=alert.code.value,
            urgency=alert.urgency.value,
            day=alert.day,
            message=alert.message,
            raised_at=alert.raised_at,
            status=alert.status.value,
            acknowledged_by=alert.acknowledged_by,
            acknowledged_at=alert.acknowledged_at,
            closed_by=alert.closed_by,
            closed_at=alert.closed_at,
            note=alert.note,
            version=alert.version,
        )


class AlertAction(InputModel):
    version: Whole = Field(description="the version of the alert you acted on")
    note: str = Field(max_length=2000, description="what was done")
