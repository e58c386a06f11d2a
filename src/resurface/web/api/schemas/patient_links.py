"""The patient links API's shapes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel

from resurface.domain.links import PatientLink


class PatientLinkOut(BaseModel):
    id: int
    patient_id: int
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    usable: bool

    @classmethod
    def of(cls, link: PatientLink, now: dt.datetime) -> PatientLinkOut:
        return cls(
            id=link.id,
            patient_id=link.patient_id,
            created_at=link.created_at,
            expires_at=link.expires_at,
            revoked_at=link.revoked_at,
            usable=link.usable(now),
        )


class PatientLinksOut(BaseModel):
    active_url: str | None
    """The newest working link, to hand to the patient (None when none works)."""
    links: list[PatientLinkOut]


class IssuedPatientLinkOut(BaseModel):
    link: PatientLinkOut
    url: str


class EmailedOut(BaseModel):
    notification_id: int
    recipient: str
