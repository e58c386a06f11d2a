"""Outcome ratings: the clinician's (or patient's) rating of the result on a scale such as GAIS."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


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
