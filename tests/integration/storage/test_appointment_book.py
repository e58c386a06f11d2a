"""The appointment book on SQLite and PostgreSQL: the clash query, ranges, optimistic versions,
the clinic's set-up, and the data migration that moves wave-1 appointments into the book."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import text

from resurface import bootstrap
from resurface.bootstrap import Runtime
from resurface.domain.appointments import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    day_bounds,
)
from resurface.domain.clinic_setup import Closure, Device, OpeningHours, Room
from resurface.domain.errors import VersionConflict
from resurface.domain.people import Role
from resurface.storage import database
from tests.conftest import make_settings
from tests.support.clinic import SeededClinic, seed_clinic

DAY = dt.date(2026, 6, 1)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 6, 1, hour, minute, tzinfo=dt.UTC)


def user_id(runtime: Runtime, seeded: SeededClinic, role: Role) -> int:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(seeded.usernames[role])
        assert user is not None
        return user.id


def visit(seeded: SeededClinic, start: dt.datetime, minutes: int, **kw: object) -> Appointment:
    record = Appointment(
        0, seeded.clinic.id, seeded.patient.id, AppointmentKind.REVIEW, start.date(),
        starts_at=start, minutes=minutes,
    )  # fmt: skip
    return replace(record, **kw)  # type: ignore[arg-type]


def test_the_clash_query_finds_overlaps_on_provider_room_or_device_only(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    anna = user_id(runtime, seeded, Role.CLINICIAN)
    director = user_id(runtime, seeded, Role.ADMIN)
    with runtime.context.uow() as uow:
        room1 = uow.clinic_setup.add_room(Room(0, seeded.clinic.id, "Room 1"))
        room2 = uow.clinic_setup.add_room(Room(0, seeded.clinic.id, "Room 2"))
        laser = uow.clinic_setup.add_device(Device(0, seeded.clinic.id, "CO2 laser"))
        add = uow.appointments.add
        ten = add(visit(seeded, at(10), 60, provider_id=anna, room_id=room1.id, device_id=laser.id))
        add(visit(seeded, at(11), 30, provider_id=anna, room_id=room1.id))  # touches: no clash
        add(visit(seeded, at(10), 60, provider_id=director, room_id=room2.id,
                  status=AppointmentStatus.CANCELLED))  # fmt: skip
        other = add(visit(seeded, at(10, 30), 30, provider_id=director, room_id=room2.id))
        uow.commit()
    with runtime.context.uow() as uow:
        found = uow.appointments.clashing
        by_anna = found(seeded.clinic.id, at(10, 30), at(11), anna, None, None)
        assert [a.id for a in by_anna] == [ten.id]
        by_room2 = found(seeded.clinic.id, at(9), at(12), None, room2.id, None)
        assert [a.id for a in by_room2] == [other.id]  # the cancelled one frees the room
        by_laser = found(seeded.clinic.id, at(10, 59), at(11, 30), None, None, laser.id)
        assert [a.id for a in by_laser] == [ten.id]
        assert found(seeded.clinic.id, at(10), at(11), anna, None, None, exclude_id=ten.id) == []
        assert found(seeded.clinic.id + 999, at(10), at(11), anna, None, None) == []
        day = uow.appointments.between(seeded.clinic.id, at(0), at(23))
        assert len(day) == 4 and day[0].starts_at == at(10)
        in_room2 = uow.appointments.between(seeded.clinic.id, at(0), at(23), room_id=room2.id)
        assert [a.id for a in in_room2][-1] == other.id


def test_coming_and_the_days_visits_carry_the_names_of_their_clinician_room_and_device(
    runtime: Runtime,
) -> None:
    """One query each: a clinician who sees patients is named (not front desk staff nor someone
    deactivated), a room or device by its name even when no longer in use, another clinic's
    never; check-ins, cancelled and past visits are not coming, but the day (Today's list)
    holds every visit with a time, by start."""
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    anna = user_id(runtime, north, Role.CLINICIAN)
    desk = user_id(runtime, north, Role.STAFF)
    director = user_id(runtime, north, Role.ADMIN)
    theirs = user_id(runtime, south, Role.CLINICIAN)
    with runtime.context.uow() as uow:
        room = uow.clinic_setup.add_room(Room(0, north.clinic.id, "Room 1"))
        laser = uow.clinic_setup.add_device(Device(0, north.clinic.id, "CO2 laser"))
        their_room = uow.clinic_setup.add_room(Room(0, south.clinic.id, "South room"))
        uow.clinic_setup.save_room(replace(room, active=False))
        leaver = uow.users.get(north.clinic.id, director)
        assert leaver is not None
        uow.users.update(replace(leaver, active=False))
        add = uow.appointments.add
        first = add(visit(north, at(9), 30, provider_id=anna, room_id=room.id, device_id=laser.id))
        by_desk = add(visit(north, at(10), 30, provider_id=desk))
        by_leaver = add(visit(north, at(11), 30, provider_id=director))
        crossed = add(visit(north, at(12), 30, provider_id=theirs, room_id=their_room.id))
        untimed = add(visit(north, at(0), 0, starts_at=None, due_on=DAY + dt.timedelta(1)))
        checkin = add(visit(north, at(13), 30, kind=AppointmentKind.CHECKIN, room_id=room.id))
        cancelled = add(visit(north, at(14), 30, status=AppointmentStatus.CANCELLED))
        past = add(visit(north, at(8), 30))  # over by 9:00
        late = add(visit(north, at(23), 30))  # after the range the day is read for
        uow.commit()
    with runtime.context.uow() as uow:
        coming = uow.appointments.coming_for_patient(north.clinic.id, north.patient.id, at(9), DAY)
        elsewhere = uow.appointments.coming_for_patient(
            south.clinic.id, north.patient.id, at(9), DAY
        )
        day = uow.appointments.timed_between(north.clinic.id, at(0), at(23))
        theirs_today = uow.appointments.timed_between(south.clinic.id, at(0), at(23))
    named = {(v.appointment.id, v.provider, v.room, v.device) for v in coming}
    assert named == {
        (first.id, _name(runtime, north, anna), "Room 1", "CO2 laser"),
        (by_desk.id, "", "", ""),
        (by_leaver.id, "", "", ""),
        (crossed.id, "", "", ""),
        (untimed.id, "", "", ""),
        (late.id, "", "", ""),
    }
    assert coming[0].appointment.id == first.id
    assert elsewhere == []
    assert [(v.appointment.id, v.provider, v.room, v.device) for v in day] == [
        (past.id, "", "", ""),
        (first.id, _name(runtime, north, anna), "Room 1", "CO2 laser"),
        (by_desk.id, "", "", ""),
        (by_leaver.id, "", "", ""),
        (crossed.id, "", "", ""),
        (checkin.id, "", "Room 1", ""),
        (cancelled.id, "", "", ""),
    ]
    assert theirs_today == []


def _name(runtime: Runtime, seeded: SeededClinic, user: int) -> str:
    with runtime.context.uow() as uow:
        found = uow.users.get(seeded.clinic.id, user)
        assert found is not None
        return found.display_name


def test_a_stale_version_is_refused_and_the_fresh_one_moves(runtime: Runtime) -> None:
    seeded = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        booked = uow.appointments.add(visit(seeded, at(10), 30))
        uow.commit()
    with runtime.context.uow() as uow:
        moved = uow.appointments.save(replace(booked, starts_at=at(14), minutes=45))
        uow.commit()
    assert moved.version == 2
    with runtime.context.uow() as uow:
        with pytest.raises(VersionConflict):
            uow.appointments.save(replace(booked, starts_at=at(15)))
        stored = uow.appointments.get(seeded.clinic.id, booked.id)
        assert stored is not None
        assert (stored.starts_at, stored.ends_at, stored.version) == (at(14), at(14, 45), 2)
        assert uow.appointments.get(seeded.clinic.id + 999, booked.id) is None


def test_the_clinic_set_up_is_kept_per_clinic(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    anna = user_id(runtime, north, Role.CLINICIAN)
    week = {d: OpeningHours(d, dt.time(9), dt.time(17, 30)) for d in range(5)}
    with runtime.context.uow() as uow:
        setup = uow.clinic_setup
        setup.set_hours(north.clinic.id, week)
        setup.set_hours(north.clinic.id, {**week, 5: OpeningHours(5, dt.time(10), dt.time(13))})
        closure = setup.add_closure(Closure(0, north.clinic.id, DAY, DAY, "Bank holiday"))
        setup.set_working_days(north.clinic.id, anna, frozenset({1, 3}))
        setup.set_length(north.clinic.id, "session", 75)
        setup.set_length(north.clinic.id, "session", 90)
        uow.commit()
    with runtime.context.uow() as uow:
        setup = uow.clinic_setup
        assert setup.hours(north.clinic.id)[5] == OpeningHours(5, dt.time(10), dt.time(13))
        assert setup.hours(north.clinic.id)[0].closes == dt.time(17, 30)
        assert setup.hours(south.clinic.id) == {}
        assert setup.closures(north.clinic.id) == [closure]
        assert setup.closures(north.clinic.id, since=DAY + dt.timedelta(1)) == []
        assert setup.working_days(north.clinic.id) == {anna: frozenset({1, 3})}
        assert setup.lengths(north.clinic.id) == {"session": 90}
        assert not setup.remove_closure(south.clinic.id, closure.id)
        assert setup.remove_closure(north.clinic.id, closure.id)
        setup.set_working_days(north.clinic.id, anna, None)
        assert setup.working_days(north.clinic.id) == {}


def test_upgrading_moves_due_check_ins_and_sessions_into_the_book(
    database_url: str, tmp_path: Path
) -> None:
    """Wave-1 rows (``due``, ``done``, ``cancelled``; no time) come out of 0014 as booked day
    entries of the book, the others keeping their status; a downgrade gives them back."""
    built = bootstrap.build(make_settings(tmp_path, database_url))
    north = seed_clinic(built.context.uow, "north")
    built.dispose()
    database.downgrade(database_url, "0012")
    engine = database.make_engine(database_url)
    rows = [("checkin", "due"), ("session", "due"), ("session", "done"), ("checkin", "cancelled")]
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM appointments"))
            for kind, status in rows:
                connection.execute(
                    text(
                        "INSERT INTO appointments (clinic_id, patient_id, kind, due_on, status,"
                        " created_at) VALUES (:c, :p, :k, :d, :s, :t)"
                    ),
                    {"c": north.clinic.id, "p": north.patient.id, "k": kind, "d": DAY,
                     "s": status, "t": at(8)},
                )  # fmt: skip
    finally:
        engine.dispose()
    database.upgrade(database_url)
    built = bootstrap.build(make_settings(tmp_path, database_url))
    try:
        with built.context.uow() as uow:
            book = uow.appointments.for_patient(north.clinic.id, north.patient.id)
            due = uow.appointments.due(north.clinic.id, DAY)
            start, end = day_bounds(DAY, dt.UTC)
            to_time = uow.appointments.book_of(north.clinic.id, start, end, DAY, DAY)[1]
    finally:
        built.dispose()
    assert sorted((a.kind.value, a.status.value) for a in book) == sorted(
        [("checkin", "booked"), ("session", "booked"), ("session", "done"),
         ("checkin", "cancelled")]
    )  # fmt: skip
    assert all(a.starts_at is None and a.due_on == DAY and a.version == 1 for a in book)
    assert {a.kind for a in due} == {AppointmentKind.CHECKIN, AppointmentKind.SESSION}
    assert [a.kind for a in to_time] == [AppointmentKind.SESSION]
    database.downgrade(database_url, "0012")
    engine = database.make_engine(database_url)
    try:
        with engine.connect() as connection:
            statuses = connection.execute(text("SELECT status FROM appointments")).scalars()
            assert sorted(statuses) == ["cancelled", "done", "due", "due"]
    finally:
        engine.dispose()
