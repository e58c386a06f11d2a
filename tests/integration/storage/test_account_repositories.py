"""Passwords, kept sessions and emergency accesses round-trip the same on SQLite and
PostgreSQL, each only in its own clinic."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import event

from resurface.bootstrap import Runtime
from resurface.domain.break_glass import open_access
from resurface.domain.people import Role
from resurface.services.ports import SecondFactor, WebSession
from tests.support.clinic import seed_clinic

NOW = dt.datetime(2026, 12, 10, 9, 0, tzinfo=dt.UTC)


def test_a_password_is_set_only_in_the_users_clinic_with_its_must_change_flag(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        staff = uow.users.by_username(north.usernames[Role.STAFF])
        assert staff is not None and staff.must_change_password is False
        uow.users.set_password(staff.clinic_id, staff.id, "new-hash", temporary_until=NOW)
        uow.users.set_password(south.clinic.id, staff.id, "wrong-clinic")
        uow.commit()
    with runtime.context.uow() as uow:
        stored = uow.users.get(north.clinic.id, staff.id)
    temporary = replace(staff, must_change_password=True, temporary_password_until=NOW)
    assert stored == replace(temporary, password_hash="new-hash")
    with runtime.context.uow() as uow:
        uow.users.set_password(staff.clinic_id, staff.id, "own-hash")
        uow.commit()
    with runtime.context.uow() as uow:
        assert uow.users.get(north.clinic.id, staff.id) == replace(staff, password_hash="own-hash")


def test_a_users_other_sessions_end_and_the_kept_one_stays(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    later = NOW + dt.timedelta(hours=1)
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        for n in "123":
            uow.web_sessions.add(WebSession(n * 64, user.id, user.clinic_id, "c", NOW, later))
        assert uow.web_sessions.delete_for_user(user.id, keep="2" * 64) == 2
        uow.commit()
    with runtime.context.uow() as uow:
        assert [uow.web_sessions.get(n * 64) is not None for n in "123"] == [False, True, False]


def test_an_emergency_access_is_found_while_open_for_its_user_patient_and_clinic(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        desk = uow.users.by_username(north.usernames[Role.STAFF])
        assert desk is not None
        access = uow.break_glass.add(
            open_access(north.clinic.id, north.patient.id, desk.id, "fainted Ōtautahi", NOW, 60)
        )
        uow.commit()
    assert access.id > 0
    pid, cid, uid = north.patient.id, north.clinic.id, desk.id
    with runtime.context.uow() as uow:
        assert uow.break_glass.open_for(cid, uid, pid, NOW + dt.timedelta(minutes=30)) == access
        assert uow.break_glass.open_for(cid, uid, pid, NOW + dt.timedelta(minutes=60)) is None
        assert uow.break_glass.open_for(cid, uid, pid, NOW - dt.timedelta(minutes=1)) is None
        assert uow.break_glass.open_for(south.clinic.id, uid, pid, NOW) is None
        assert uow.break_glass.open_for(cid, uid + 1, pid, NOW) is None
        assert uow.break_glass.since(cid, NOW) == [access]
        assert uow.break_glass.since(cid, NOW + dt.timedelta(seconds=1)) == []
        assert uow.break_glass.since(south.clinic.id, NOW) == []


def test_the_clinics_time_limit_round_trips(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        assert north.clinic.break_glass_minutes == 60
        uow.clinics.update(replace(north.clinic, break_glass_minutes=20))
        uow.commit()
    with runtime.context.uow() as uow:
        stored = uow.clinics.get(north.clinic.id)
    assert stored is not None and stored.break_glass_minutes == 20


def test_a_session_is_read_with_its_user_clinic_and_second_factor_in_one_statement(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    sent: list[str] = []
    later = NOW + dt.timedelta(hours=1)
    with runtime.context.uow() as uow:
        director = uow.users.by_username(north.usernames[Role.ADMIN])
        nurse = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert director is not None and nurse is not None
        for n, user in (("1", director), ("2", nurse)):
            uow.web_sessions.add(WebSession(n * 64, user.id, user.clinic_id, "c", NOW, later))
        uow.second_factors.add(SecondFactor(director.id, director.clinic_id, "sealed", NOW))
        uow.commit()
    event.listen(runtime.engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    with runtime.context.uow() as uow:
        first = uow.web_sessions.with_holder("1" * 64)
        second = uow.web_sessions.with_holder("2" * 64)
        assert uow.web_sessions.with_holder("3" * 64) is None
    assert len(sent) == 3
    assert first is not None and second is not None
    kept = WebSession("1" * 64, director.id, director.clinic_id, "c", NOW, later, last_seen_at=NOW)
    assert first.session == kept
    assert (first.user, first.clinic, first.has_second_factor) == (director, north.clinic, True)
    assert (second.user, second.clinic, second.has_second_factor) == (nurse, north.clinic, False)
    with runtime.context.uow() as uow:
        uow.web_sessions.add(WebSession("4" * 64, nurse.id, south.clinic.id, "c", NOW, later))
        assert uow.web_sessions.with_holder("4" * 64) is None  # the user is not of that clinic
