"""The background lease on SQLite and PostgreSQL: one holder at a time, renewed by its holder,
taken over once it has expired or been released, and never by two processes racing for it."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import create_engine

from resurface.bootstrap import Runtime
from resurface.storage.leases import Lease

NOW = dt.datetime(2026, 12, 5, 23, 0, tzinfo=dt.UTC)
LENGTH = dt.timedelta(seconds=30)


def _lease(runtime: Runtime, holder: str) -> Lease:
    return Lease(runtime.engine, "background", holder, LENGTH)


def test_one_holder_at_a_time_until_the_lease_expires(runtime: Runtime) -> None:
    first, second = _lease(runtime, "web-1"), _lease(runtime, "web-2")
    assert first.take(NOW)
    assert not second.take(NOW + dt.timedelta(seconds=1))
    assert first.take(NOW + dt.timedelta(seconds=20))  # renewed: now runs to +50 s
    assert not second.take(NOW + dt.timedelta(seconds=45))
    assert first.holder_now(NOW + dt.timedelta(seconds=45)) == "web-1"
    # web-1 died: nobody renews; once expired, web-2 takes it and web-1 cannot come back
    assert second.take(NOW + dt.timedelta(seconds=50))
    assert not first.take(NOW + dt.timedelta(seconds=51))
    assert first.holder_now(NOW + dt.timedelta(seconds=51)) == "web-2"


def test_a_released_lease_is_taken_at_once(runtime: Runtime) -> None:
    first, second = _lease(runtime, "web-1"), _lease(runtime, "web-2")
    assert first.take(NOW)
    first.release()
    assert first.holder_now(NOW) is None
    assert second.take(NOW + dt.timedelta(seconds=1))
    second.release()
    first.release()  # not its holder: changes nothing
    assert second.take(NOW + dt.timedelta(seconds=2))


def _race(leases: list[Lease], moment: dt.datetime) -> list[str]:
    """Every lease tries at the same instant, each from its own thread; who won."""
    start = threading.Barrier(len(leases))
    won: list[str] = []

    def race(lease: Lease) -> None:
        start.wait()
        if lease.take(moment):
            won.append(lease.holder)

    threads = [threading.Thread(target=race, args=(lease,)) for lease in leases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


def test_processes_racing_for_a_new_or_expired_lease_get_one_winner(runtime: Runtime) -> None:
    url = runtime.engine.url.render_as_string(hide_password=False)
    for moment in (NOW, NOW + dt.timedelta(minutes=5)):  # no row yet; then an expired one
        engines = [create_engine(url) for _ in range(6)]
        leases = [Lease(e, "background", f"web-{i}", LENGTH) for i, e in enumerate(engines)]
        won = _race(leases, moment)
        for engine in engines:
            engine.dispose()
        assert len(won) == 1
        assert leases[0].holder_now(moment) == won[0]


def test_a_lease_left_by_a_dead_holder_is_told_from_one_renewed_by_a_live_one(
    runtime: Runtime,
) -> None:
    """Before tidying, a starting server asks whether another server is alive: a live holder
    renews its lease; a dead one's runs out."""
    short = dt.timedelta(seconds=2)
    dead = Lease(runtime.engine, "background", "crashed", short)
    assert dead.take(dt.datetime.now(dt.UTC))
    starting = Lease(runtime.engine, "background", "starting", short)
    assert not starting.renewed_by_its_holder(poll=0.2)  # it ran out: nobody else is serving

    live = Lease(runtime.engine, "background", "live", short)
    assert live.take(dt.datetime.now(dt.UTC))
    renewing = threading.Timer(0.5, lambda: live.take(dt.datetime.now(dt.UTC)))
    renewing.start()
    try:
        assert starting.renewed_by_its_holder(poll=0.2)
    finally:
        renewing.join()
    assert Lease(runtime.engine, "other", "x", short).renewed_by_its_holder() is False
