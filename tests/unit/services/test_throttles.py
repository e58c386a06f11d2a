"""Throttles: a sliding window per key, counted in the unit of work, keys kept as HMACs."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.services import throttles
from resurface.services.context import Context
from resurface.services.errors import Throttled
from resurface.services.throttles import Limit, wait_seconds
from tests.support.fakes import FakeDatabase

NOW = dt.datetime(2025, 6, 1, 10, 0, tzinfo=dt.UTC)
THREE = Limit("test", 3, dt.timedelta(minutes=10))


def test_a_limit_admits_its_most_then_says_how_long_to_wait() -> None:
    assert wait_seconds(THREE, 2, NOW, NOW) is None
    assert wait_seconds(THREE, 3, NOW, NOW + dt.timedelta(minutes=3)) == 7 * 60
    assert (
        wait_seconds(THREE, 3, NOW, NOW + dt.timedelta(minutes=10) - dt.timedelta(milliseconds=1))
        == 1
    )


def test_hits_beyond_the_limit_are_refused_and_not_counted(ctx: Context) -> None:
    for minute in range(3):
        throttles.hit(ctx.at(NOW + dt.timedelta(minutes=minute)), THREE, "client")
    for _ in range(5):
        with pytest.raises(Throttled) as refused:
            throttles.hit(ctx.at(NOW + dt.timedelta(minutes=3)), THREE, "client")
        assert refused.value.retry_after == 7 * 60
    throttles.hit(ctx.at(NOW), THREE, "another client")  # counted per key
    # The oldest has left the window: one place again, and the refusals took none.
    throttles.hit(ctx.at(NOW + dt.timedelta(minutes=10, seconds=1)), THREE, "client")
    with pytest.raises(Throttled):
        throttles.hit(ctx.at(NOW + dt.timedelta(minutes=10, seconds=2)), THREE, "client")


def test_the_store_never_holds_the_key_itself(ctx: Context, db: FakeDatabase) -> None:
    throttles.hit(ctx.at(NOW), THREE, "203.0.113.7")
    [(scope, key, at)] = db.state.throttle_events
    assert (scope, at) == ("test", NOW)
    assert "203.0.113.7" not in key and len(key) == 64
    assert key == throttles.key_of(ctx.links.secret, THREE, "203.0.113.7")
    assert key != throttles.key_of("another secret", THREE, "203.0.113.7")


def test_tidy_forgets_only_events_older_than_any_window(ctx: Context, db: FakeDatabase) -> None:
    throttles.hit(ctx.at(NOW - throttles.KEEP - dt.timedelta(seconds=1)), THREE, "old")
    throttles.hit(ctx.at(NOW - dt.timedelta(hours=1)), THREE, "recent")
    assert throttles.tidy(ctx.at(NOW)) == 1
    assert [event[2] for event in db.state.throttle_events] == [NOW - dt.timedelta(hours=1)]


@pytest.mark.parametrize(
    ("most", "window"),
    [(0, dt.timedelta(minutes=1)), (1, dt.timedelta(0)), (1, dt.timedelta(days=2))],
)
def test_a_limit_that_could_not_work_is_refused_when_declared(
    most: int, window: dt.timedelta
) -> None:
    with pytest.raises(ValueError, match="not a usable limit"):
        Limit("x", most, window)
