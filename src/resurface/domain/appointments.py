"""Appointments: what is due on a day for a patient (a recovery check-in, the next session)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class AppointmentKind(StrEnum):
    CHECKIN = "checkin"
    SESSION = "session"


class AppointmentStatus(StrEnum):
    DUE = "due"
    DONE = "done"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Appointment:
    """Something due on a day: a recovery check-in, or the next session of the series."""

    id: int
    clinic_id: int
    patient_id: int
    kind: AppointmentKind
    due_on: dt.date
    after_session_id: int | None = None
    plan_id: int | None = None
    status: AppointmentStatus = AppointmentStatus.DUE
