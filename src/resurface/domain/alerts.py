"""Clinic alerts: a warning sign found in a patient's check-in, for the clinic to act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.codes import AlertCode, Urgency


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"


URGENCY_ORDER = {Urgency.URGENT: 0, Urgency.SOON: 1, Urgency.ROUTINE: 2}


@dataclass(frozen=True)
class ClinicAlert:
    """A warning sign found in a patient's check-in, for the clinic to act on."""

    id: int
    clinic_id: int
    patient_id: int
    session_id: int
    code: AlertCode
    urgency: Urgency
    day: int
    message: str
    patient_message: str
    raised_at: dt.datetime
    checkin_id: int | None = None
    status: AlertStatus = AlertStatus.OPEN
    acknowledged_by: int | None = None
    acknowledged_at: dt.datetime | None = None
    closed_by: int | None = None
    closed_at: dt.datetime | None = None
    note: str = ""
    version: int = 1
