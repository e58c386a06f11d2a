"""What happens after a session: appointments to keep, alerts to act on, links for the patient,
messages to send, and the clinician's rating of the result."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from resurface.domain.codes import AlertCode, Urgency


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


@dataclass(frozen=True)
class RecoveryLink:
    """A patient's own link to the recovery page of one treatment session. Only a hash of the
    token is kept; the link stops working when it expires or is revoked."""

    id: int
    clinic_id: int
    patient_id: int
    session_id: int
    token_hash: str
    created_by: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class NotificationKind(StrEnum):
    URGENT_ALERT = "urgent_alert"
    CHECKIN_REMINDER = "checkin_reminder"


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


@dataclass(frozen=True)
class Notification:
    """An e-mail to send, with its delivery history (sent, or failed and retried)."""

    id: int
    clinic_id: int
    kind: NotificationKind
    recipient: str
    subject: str
    body: str
    created_at: dt.datetime
    patient_id: int | None = None
    alert_id: int | None = None
    status: NotificationStatus = NotificationStatus.PENDING
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: dt.datetime | None = None
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class OutcomeRating:
    """The clinician's (or patient's) rating of the result, e.g. GAIS 2 "much improved"."""

    id: int
    clinic_id: int
    patient_id: int
    rated_on: dt.date
    scale: str
    value: int
    label: str
    rated_by: int
    session_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class RegionMeasurement:
    """The metrics of one region of one photo (names as in the imaging metrics)."""

    name: str
    area_mm2: float | None
    metrics: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class PhotoMeasurement:
    """The stored analysis of one photo; the overlay picture is kept in the photo store."""

    id: int
    clinic_id: int
    photo_id: int
    analysed_at: dt.datetime
    px_per_mm: float | None
    length_unit: str
    regions: tuple[RegionMeasurement, ...]
    overlay_key: str | None = None
