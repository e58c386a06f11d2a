"""The dates a record can carry."""

from __future__ import annotations

import datetime as dt

from resurface.domain.dates import birth_date_problem, record_date_problem

TODAY = dt.date(2026, 12, 5)
BORN = dt.date(1970, 5, 17)


def test_a_date_of_birth_is_in_the_past_and_after_1899() -> None:
    assert birth_date_problem(BORN, TODAY) is None
    assert birth_date_problem(dt.date(2027, 1, 1), TODAY).message == "is in the future"  # type: ignore[union-attr]
    assert "before 1900" in birth_date_problem(dt.date(1, 1, 1), TODAY).message  # type: ignore[union-attr]


def test_a_record_is_dated_between_the_birth_and_today() -> None:
    assert record_date_problem("performed_on", TODAY, TODAY, BORN) is None
    future = record_date_problem("performed_on", TODAY + dt.timedelta(days=1), TODAY, BORN)
    assert future is not None and future.field == "performed_on"
    unborn = record_date_problem("held_on", dt.date(1960, 1, 1), TODAY, BORN)
    assert unborn is not None and "date of birth (17 May 1970)" in unborn.message
    ancient = record_date_problem("held_on", dt.date(1, 1, 1), TODAY)
    assert ancient is not None and "before 1900" in ancient.message
