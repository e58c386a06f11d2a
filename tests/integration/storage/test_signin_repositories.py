"""What signing in keeps between requests round-trips the same on SQLite and PostgreSQL: failure
counts (upserted), second factors (a code's step used once), sessions' last-seen time and stage,
and the clinic's sign-in rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.domain.signin import FailureCount, SessionStage
from resurface.services.ports import SecondFactor, WebSession
from tests.support.clinic import seed_clinic

T0 = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


def test_failure_counts_are_saved_over_and_cleared(runtime: Runtime) -> None:
    first = FailureCount("account:north.admin", 1, T0)
    fifth = FailureCount("account:north.admin", 5, T0, T0 + dt.timedelta(seconds=30))
    with runtime.context.uow() as uow:
        uow.sign_in_failures.save(first)
        uow.sign_in_failures.save(FailureCount("client:10.0.0.1", 1, T0))
        uow.commit()
    with runtime.context.uow() as uow:
        uow.sign_in_failures.save(fifth)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.sign_in_failures.get("account:north.admin") == fifth
        uow.sign_in_failures.clear("account:north.admin")
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.sign_in_failures.get("account:north.admin") is None
        assert uow.sign_in_failures.get("client:10.0.0.1") == FailureCount("client:10.0.0.1", 1, T0)


def test_a_second_factors_step_is_used_once_and_it_can_be_removed(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.ADMIN])
        assert user is not None
        factor = SecondFactor(user.id, user.clinic_id, "sealed", T0, 100)
        uow.second_factors.add(factor)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.second_factors.get(user.id) == factor
        assert uow.second_factors.users_in(north.clinic.id) == {user.id}
        assert uow.second_factors.users_in(north.clinic.id + 1) == frozenset()
        assert uow.second_factors.use_step(user.id, 101)
        assert not uow.second_factors.use_step(user.id, 101)  # a replay
        assert not uow.second_factors.use_step(user.id, 100)  # an older code
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.second_factors.get(user.id) == replace(factor, last_step=101)
        assert uow.second_factors.delete(user.id)
        assert not uow.second_factors.delete(user.id)
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.second_factors.get(user.id) is None


def test_sessions_keep_their_stage_browser_and_last_seen_time(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        later = T0 + dt.timedelta(hours=8)
        waiting = WebSession(
            "w" * 64, user.id, user.clinic_id, "c", T0, later, "10.0.0.1",
            user_agent="Firefox", stage=SessionStage.SECOND_FACTOR,
        )  # fmt: skip
        older = WebSession(
            "o" * 64, user.id, user.clinic_id, "c", T0 - dt.timedelta(hours=1), later
        )
        uow.web_sessions.add(waiting)
        uow.web_sessions.add(older)
        uow.commit()
    with runtime.context.uow() as uow:
        uow.web_sessions.seen("w" * 64, T0 + dt.timedelta(minutes=3))
        uow.commit()
    with runtime.context.uow() as uow:
        listed = uow.web_sessions.of_user(user.id)
    assert [s.token_hash[0] for s in listed] == ["w", "o"]  # the newest first
    assert listed[0] == replace(waiting, last_seen_at=T0 + dt.timedelta(minutes=3))
    assert listed[1].last_seen == older.created_at and listed[1].stage is SessionStage.SIGNED_IN


def test_a_clinics_sign_in_rules_round_trip(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    assert (north.clinic.idle_minutes, north.clinic.require_second_factor) == (30, False)
    with runtime.context.uow() as uow:
        uow.clinics.update(replace(north.clinic, idle_minutes=12, require_second_factor=True))
        uow.commit()
    with runtime.context.uow() as uow:
        stored = uow.clinics.get(north.clinic.id)
    assert stored is not None
    assert (stored.idle_minutes, stored.require_second_factor) == (12, True)
