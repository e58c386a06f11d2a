"""The limits' counts in Redis (``RESURFACE_REDIS_URL``) behave as they do in the database:
events counted per scope and key in a window and tidied, failure counts saved over and cleared;
and, unlike the database, a count is kept whether or not the unit of work commits, and expires
by itself."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from resurface import bootstrap
from resurface.bootstrap import Runtime
from resurface.domain.signin import FailureCount
from resurface.storage.tables import sign_in_failures, throttle_events
from tests.conftest import make_settings

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
A, B = "a" * 64, "b" * 64


@pytest.fixture
def runtime(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[Runtime]:
    built = bootstrap.build(make_settings(tmp_path, sqlite_url, redis_url=redis_url))
    yield built
    built.dispose()


def test_events_are_counted_per_scope_and_key_after_a_moment(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        for minutes in (0, 5, 9):
            uow.throttles.add("refused", A, NOW + dt.timedelta(minutes=minutes))
        uow.throttles.add("refused", A, NOW + dt.timedelta(minutes=9))  # the same instant
        uow.throttles.add("refused", B, NOW)
        uow.throttles.add("use", A, NOW)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.throttles.recent("refused", A, NOW - dt.timedelta(seconds=1)) == (4, NOW)
        count, oldest = uow.throttles.recent("refused", A, NOW)
        assert (count, oldest) == (3, NOW + dt.timedelta(minutes=5))
        assert uow.throttles.recent("refused", "c" * 64, NOW - dt.timedelta(days=1)) == (0, None)


def test_forget_before_removes_only_older_events(runtime: Runtime) -> None:
    with runtime.context.uow() as uow:
        uow.throttles.add("refused", A, NOW - dt.timedelta(days=2))
        uow.throttles.add("refused", A, NOW)
        uow.throttles.add("use", B, NOW - dt.timedelta(days=3))
        assert uow.throttles.forget_before(NOW) == 2
    with runtime.context.uow() as uow:
        assert uow.throttles.recent("refused", A, NOW - dt.timedelta(days=3)) == (1, NOW)


def test_failure_counts_are_saved_over_and_cleared(runtime: Runtime) -> None:
    first = FailureCount("account:north.admin", 1, NOW)
    fifth = FailureCount("account:north.admin", 5, NOW, NOW + dt.timedelta(seconds=30))
    with runtime.context.uow() as uow:
        uow.sign_in_failures.save(first)
        uow.sign_in_failures.save(FailureCount("client:10.0.0.1", 1, NOW))
        uow.sign_in_failures.save(fifth)
    with runtime.context.uow() as uow:
        assert uow.sign_in_failures.get("account:north.admin") == fifth
        uow.sign_in_failures.clear("account:north.admin")
    with runtime.context.uow() as uow:
        assert uow.sign_in_failures.get("account:north.admin") is None
        assert uow.sign_in_failures.get("client:10.0.0.1") == FailureCount(
            "client:10.0.0.1", 1, NOW
        )


def test_counts_are_kept_in_redis_with_an_expiry_and_not_in_the_database(
    runtime: Runtime, redis_url: str
) -> None:
    with runtime.context.uow() as uow:
        uow.throttles.add("refused", A, NOW)
        uow.sign_in_failures.save(FailureCount("client:10.0.0.1", 7, NOW, NOW))
        # no commit: Redis is outside the transaction
    with redis.Redis.from_url(redis_url, decode_responses=True) as connection:
        names = sorted(connection.scan_iter(match="resurface:*"))
        assert names == ["resurface:sign-in:client:10.0.0.1", f"resurface:throttle:refused:{A}"]
        for name in names:
            assert 0 < connection.ttl(name) <= 2 * 24 * 3600
    with runtime.engine.connect() as connection:
        for table in (sign_in_failures, throttle_events):
            assert connection.execute(select(func.count()).select_from(table)).scalar() == 0
