"""Emergency access: a reason that says something, a time limit within bounds, open until then."""

from __future__ import annotations

import datetime as dt

from resurface.domain.break_glass import (
    MINUTES_MAX,
    MINUTES_MIN,
    minutes_problem,
    open_access,
    reason_problems,
)

NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


def test_an_access_is_open_from_its_start_until_its_limit() -> None:
    access = open_access(1, 2, 3, "  patient fainted at the desk  ", NOW, 60)
    assert access.reason == "patient fainted at the desk"
    assert access.expires_at == NOW + dt.timedelta(minutes=60)
    assert access.is_open(NOW) and access.is_open(NOW + dt.timedelta(minutes=59, seconds=59))
    assert not access.is_open(NOW + dt.timedelta(minutes=60))
    assert not access.is_open(NOW - dt.timedelta(seconds=1))
    assert access.minutes_left(NOW + dt.timedelta(minutes=30, seconds=1)) == 30
    assert access.minutes_left(NOW + dt.timedelta(hours=2)) == 0


def test_the_time_limit_stays_within_its_bounds() -> None:
    assert open_access(1, 2, 3, "x" * 20, NOW, 100_000).expires_at == NOW + dt.timedelta(
        minutes=MINUTES_MAX
    )
    assert open_access(1, 2, 3, "x" * 20, NOW, 0).expires_at == NOW + dt.timedelta(
        minutes=MINUTES_MIN
    )
    assert minutes_problem(60) is None
    problem = minutes_problem(MINUTES_MAX + 1)
    assert problem is not None and problem.field == "break_glass_minutes"


def test_a_reason_must_say_what_the_emergency_is() -> None:
    assert reason_problems("Patient collapsed in the waiting room") == []
    for said in ("", "   ", "urgent"):
        (problem,) = reason_problems(said)
        assert (problem.field, problem.message.split(" (")[0]) == (
            "reason",
            "say what the emergency is",
        )
    (long,) = reason_problems("x" * 501)
    assert long.message == "is longer than 500 characters"
    (control,) = reason_problems("fainted at the desk \x00")
    assert control.field == "reason"
