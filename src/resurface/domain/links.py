"""Recovery links: the patient's own link to the recovery page of one treatment session."""

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
