"""Patients' links: the recovery link of one treatment session, and the patient link of the whole
series (guide, visits, check-ins)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


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


@dataclass(frozen=True)
class PatientLink:
    """A patient's own link to their page for the whole series: guide, visits, check-ins. Only a
    hash of the token is kept; it stops working when it expires or is revoked."""

    id: int
    clinic_id: int
    patient_id: int
    token_hash: str
    created_by: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None = None

    def usable(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


def patient_link_expiry(
    issued_at: dt.datetime, last_session: dt.date | None, course_days: int, margin_days: int
) -> dt.datetime:
    """The series ends when the recovery course of its last session is over; the link works
    ``margin_days`` beyond that (and at least ``margin_days`` from issue, e.g. while deferred)."""
    floor = issued_at + dt.timedelta(days=margin_days)
    if last_session is None:
        return floor
    end = last_session + dt.timedelta(days=course_days + margin_days)
    return max(floor, dt.datetime.combine(end, dt.time(23, 59), tzinfo=dt.UTC))
