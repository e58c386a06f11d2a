"""Messages: e-mails to send (urgent alerts, check-in reminders) and their delivery history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class NotificationKind(StrEnum):
    URGENT_ALERT = "urgent_alert"
    CHECKIN_REMINDER = "checkin_reminder"
    PATIENT_LINK = "patient_link"
    """The patient's own link for the whole series, e-mailed when the clinic hands it over."""
    BREAK_GLASS = "break_glass"
    """The front desk opened a chart in an emergency: the medical director is told."""
    VISIT_REMINDER = "visit_reminder"
    """A patient is reminded of an appointment in the book."""
    RESULTS_REPORT = "results_report"
    """The clinician sent the patient their results report (a link to it on their own page)."""


class NotificationStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"
    """Not to be sent any more: a visit reminder whose appointment was cancelled or moved."""


UNSENT = frozenset({NotificationStatus.PENDING, NotificationStatus.FAILED})
"""The statuses the outbox still tries to deliver."""


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
    appointment_id: int | None = None
    """A visit reminder's appointment."""
