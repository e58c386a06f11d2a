"""Failed sign-ins make the next attempt wait longer and longer, never for good; sessions run out
at the absolute limit or when idle; a session is named without its token."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.domain.signin import (
    Backoff,
    SessionState,
    account_key,
    after_failure,
    idle_minutes_problem,
    seconds_to_wait,
    session_ref,
    session_state,
    wait_after,
)

T0 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)
BACKOFF = Backoff(free_failures=5)
SECOND = dt.timedelta(seconds=1)


def _fail(times: int, every: dt.timedelta = SECOND) -> list[int]:
    """The wait (seconds) after each of ``times`` failures, ``every`` apart."""
    count, waits = None, []
    for n in range(times):
        count = after_failure(BACKOFF, count, "account:x", T0 + n * every)
        waits.append(seconds_to_wait(count, count.last_failure_at))
    return waits


def test_four_failures_cost_nothing_then_the_wait_doubles_up_to_its_cap() -> None:
    waits = _fail(12)
    assert waits[:4] == [0, 0, 0, 0]
    assert waits[4:9] == [30, 60, 120, 240, 480]
    assert waits[9:] == [900, 900, 900]  # 15 minutes at most: never a lock


def test_a_count_nobody_added_to_for_an_hour_starts_again() -> None:
    assert _fail(7, every=dt.timedelta(minutes=61)) == [0] * 7


def test_the_wait_runs_out() -> None:
    count = None
    for _ in range(5):
        count = after_failure(BACKOFF, count, "k", T0)
    assert seconds_to_wait(count, T0 + dt.timedelta(seconds=29)) == 1
    assert seconds_to_wait(count, T0 + dt.timedelta(seconds=30)) == 0


def test_a_huge_count_does_not_overflow() -> None:
    assert wait_after(BACKOFF, 10**6) == BACKOFF.longest_wait


def test_a_name_counts_alike_whatever_its_case_and_spaces() -> None:
    assert account_key(" Harbour.Admin ") == account_key("harbour.admin")


def test_a_session_ends_when_idle_or_past_its_limit() -> None:
    idle = dt.timedelta(minutes=30)
    ends = T0 + dt.timedelta(hours=8)
    assert session_state(ends, T0, idle, T0 + dt.timedelta(minutes=29)) is SessionState.LIVE
    assert session_state(ends, T0, idle, T0 + dt.timedelta(minutes=30)) is SessionState.IDLE
    late = T0 + dt.timedelta(hours=8)
    assert session_state(ends, late, idle, late) is SessionState.EXPIRED


def test_a_session_is_named_without_its_token_hash() -> None:
    hashed = "a" * 64
    ref = session_ref(hashed)
    assert ref == session_ref(hashed) and ref != session_ref("b" * 64)
    assert ref not in hashed and len(ref) == 20


@pytest.mark.parametrize(("minutes", "ok"), [(4, False), (5, True), (480, True), (481, False)])
def test_the_idle_time_is_between_five_minutes_and_eight_hours(minutes: int, ok: bool) -> None:
    assert (idle_minutes_problem(minutes) is None) is ok
