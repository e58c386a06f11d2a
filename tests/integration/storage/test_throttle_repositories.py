"""Throttle counts on SQLite and PostgreSQL: counted per scope and key in a window, tidied."""

from __future__ import annotations

import datetime as dt

from resurface.bootstrap import Runtime

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def test_events_are_counted_per_scope_and_key_after_a_moment(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        for minutes in (0, 5, 9):
            uow.throttles.add("refused", "a" * 64, NOW + dt.timedelta(minutes=minutes))
        uow.throttles.add("refused", "b" * 64, NOW)
        uow.throttles.add("use", "a" * 64, NOW)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.throttles.recent("refused", "a" * 64, NOW - dt.timedelta(seconds=1)) == (3, NOW)
        count, oldest = uow.throttles.recent("refused", "a" * 64, NOW)
        assert (count, oldest) == (2, NOW + dt.timedelta(minutes=5))
        assert oldest is not None and oldest.tzinfo is not None
        assert uow.throttles.recent("refused", "c" * 64, NOW - dt.timedelta(days=1)) == (0, None)


def test_forget_before_removes_only_older_events(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        uow.throttles.add("refused", "a" * 64, NOW - dt.timedelta(days=2))
        uow.throttles.add("refused", "a" * 64, NOW)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.throttles.forget_before(NOW) == 1
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.throttles.recent("refused", "a" * 64, NOW - dt.timedelta(days=3)) == (1, NOW)
