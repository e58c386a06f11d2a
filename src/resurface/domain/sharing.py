"""Results the clinic has chosen to share with the patient: a before/after pair of the patient's
own clinical photos of one region, shown on the patient's page until the clinician withdraws it.
Nothing is shared unless a clinician shares it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.domain.codes import Area


@dataclass(frozen=True)
class SharedResult:
    id: int
    clinic_id: int
    patient_id: int
    before_photo_id: int
    after_photo_id: int
    shared_by: int
    shared_at: dt.datetime
    withdrawn_by: int | None = None
    withdrawn_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def shows(self, before_id: int, after_id: int) -> bool:
        return (self.before_photo_id, self.after_photo_id) == (before_id, after_id)


def region_words(region: str) -> str:
    """A photo region in the patient's words ("perioral" -> "around the mouth")."""
    try:
        return Area(region).label
    except ValueError:
        return region.replace("_", " ")
