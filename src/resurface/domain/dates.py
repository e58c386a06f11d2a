"""Which dates a record can carry: one rule for every chart record and for a date of birth."""

from __future__ import annotations

import datetime as dt

from resurface.domain.errors import FieldProblem

EARLIEST = dt.date(1900, 1, 1)
"""No record, and no patient's birth, is older than this."""


def birth_date_problem(born: dt.date, today: dt.date) -> FieldProblem | None:
    """A date of birth is in the past, and not before 1900."""
    if born > today:
        return FieldProblem("date_of_birth", "is in the future")
    if born < EARLIEST:
        return FieldProblem("date_of_birth", f"is before {EARLIEST:%Y}; check the year")
    return None


def record_date_problem(
    field: str, day: dt.date, today: dt.date, born: dt.date | None = None
) -> FieldProblem | None:
    """A chart record (consultation, assessment, session, rating) happened by today, and not
    before the patient was born."""
    if day > today:
        return FieldProblem(field, "is in the future")
    if born is not None and day < born:
        return FieldProblem(field, f"is before the patient's date of birth ({born:%d %b %Y})")
    if day < EARLIEST:
        return FieldProblem(field, f"is before {EARLIEST:%Y}; check the year")
    return None
