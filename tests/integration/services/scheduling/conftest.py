"""A clinic in London with its book set up: weekdays 09:00-17:00, two rooms, a laser, a
clinician who works Monday to Thursday, and the seeded patient one session into a two-session
plan (4-8 weeks apart)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.people import Patient, Role, Sex
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.scheduling import setup
from tests.support.clinic import SeededClinic, seed_clinic

TODAY = dt.date(2026, 3, 2)  # a Monday; London changes to summer time on 29 March
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Book:
    ctx: Context
    seeded: SeededClinic
    director: Actor
    clinician: Actor
    desk: Actor
    room1: int
    room2: int
    laser: int
    patient_id: int
    other_patient_id: int
    """A second patient (no chart), for clashes that are not the patient's own."""

    def actor(self, role: Role) -> Actor:
        return {Role.ADMIN: self.director, Role.CLINICIAN: self.clinician, Role.STAFF: self.desk}[
            role
        ]


def actor_of(runtime: Runtime, seeded: SeededClinic, role: Role) -> Actor:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(seeded.usernames[role])
        assert user is not None
    return Actor(user.id, user.clinic_id, user.role, user.display_name, "test")


def open_book(runtime: Runtime, slug: str = "north") -> Book:
    seeded = seed_clinic(runtime.context.uow, slug, today=TODAY)
    with runtime.context.uow() as uow:
        uow.clinics.update(replace(seeded.clinic, timezone="Europe/London"))
        uow.commit()
    ctx = runtime.context.at(NOW)
    director = actor_of(runtime, seeded, Role.ADMIN)
    clinician = actor_of(runtime, seeded, Role.CLINICIAN)
    week = {d: (dt.time(9), dt.time(17)) for d in range(5)}
    setup.set_hours(ctx, director, week)
    room1 = setup.add_room(ctx, director, "Room 1").id
    room2 = setup.add_room(ctx, director, "Room 2").id
    laser = setup.add_device(ctx, director, "CO2 laser").id
    setup.set_working_days(ctx, director, clinician.user_id, frozenset({0, 1, 2, 3}))
    with runtime.context.uow() as uow:
        other = uow.patients.add(
            Patient(0, seeded.clinic.id, "Sam", f"Other-{slug}", dt.date(1980, 1, 2), Sex.MALE)
        )
        uow.commit()
    return Book(
        ctx, seeded, director, clinician, actor_of(runtime, seeded, Role.STAFF),
        room1, room2, laser, seeded.patient.id, other.id,
    )  # fmt: skip


@pytest.fixture
def book(runtime: Runtime) -> Book:
    return open_book(runtime)
