"""A ``Context`` over the in-memory fakes, and a clinic to act in, for fast tests of use cases.

    ctx, db = fake_context()
    clinic = seed_clinic(db)
    view = some_use_case(ctx, clinic.clinician, ...)

The rule base is read once per process. Users get a password hash computed once, ahead of time
(argon2 takes a noticeable fraction of a second per hash): their password is ``PASSWORD``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from resurface.domain.people import Clinic, Patient, Role, Sex, User
from resurface.domain.rulebase import RuleBase
from resurface.protocols import load_rule_base
from resurface.services.access import Actor
from resurface.services.auth import LoginPolicy, actor_of
from resurface.services.context import Clock, Context, SecretBox
from resurface.services.ports import Mailer
from resurface.services.recovery.links import LinkSigner
from tests.support.fakes import FakeDatabase, FakePhotoStore

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
"""The moment a fake context's clock is pinned to unless a test names another."""

SECRET = "fake-context-secret-that-is-long-enough-0123456789"
PUBLIC_URL = "https://clinic.example"
LINK_DAYS = 42
SOURCE = "test"

PASSWORD = "correct horse battery"
PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$sOSDczCMGrlxFlA2MQ0Umg"
    "$WR3h8vyX5AKgqUCgOVWUfSudQL7UjF0Y/RhaYmnbdVI"
)
"""argon2id of ``PASSWORD`` with argon2-cffi's default parameters, computed once by hand."""

LOGIN_POLICY = LoginPolicy(session_length=dt.timedelta(hours=8))


@functools.cache
def shipped_rules() -> RuleBase:
    """The shipped rule base, read and checked once per process."""
    return load_rule_base()


def fake_context(
    *,
    now: dt.datetime | None = NOW,
    zone: dt.tzinfo = dt.UTC,
    rules: RuleBase | None = None,
    mailer: Mailer | None = None,
    database: FakeDatabase | None = None,
) -> tuple[Context, FakeDatabase]:
    """A context whose units of work open on a fresh (or the given) ``FakeDatabase``; the clock
    is pinned to ``now`` (``None``: the real time) in the clinic's ``zone``."""
    db = database if database is not None else FakeDatabase()
    ctx = Context(
        units=db.unit_of_work,
        rules=rules if rules is not None else shipped_rules(),
        photos=FakePhotoStore(),
        links=LinkSigner(SECRET, PUBLIC_URL, LINK_DAYS),
        login_policy=LOGIN_POLICY,
        secret_box=SecretBox(SECRET),
        clock=Clock(zone, now),
        mailer=mailer,
    )
    return ctx, db


@dataclass(frozen=True)
class SeededClinic:
    """A clinic with one user of every role and one registered patient (no chart yet)."""

    clinic: Clinic
    admin: Actor
    clinician: Actor
    front_desk: Actor
    patient: Patient


def seed_clinic(db: FakeDatabase, slug: str = "harbour") -> SeededClinic:
    """Commit a clinic, its admin, clinician and front desk (user names ``<slug>.<role>``) and a
    patient."""
    clinic = add_clinic(db, slug)
    admin = add_user(db, clinic.id, f"{slug}.admin", Role.ADMIN)
    clinician = add_user(db, clinic.id, f"{slug}.clinician", Role.CLINICIAN)
    front_desk = add_user(db, clinic.id, f"{slug}.staff", Role.STAFF)
    patient = add_patient(db, clinic.id, family_name=f"Tester-{slug}")
    return SeededClinic(clinic, admin, clinician, front_desk, patient)


def add_clinic(db: FakeDatabase, slug: str = "harbour") -> Clinic:
    with db.unit_of_work() as uow:
        clinic = uow.clinics.add(Clinic(0, f"Clinic {slug}", slug, phone="+44 20 0000 0000"))
        uow.commit()
    return clinic


def add_user(
    db: FakeDatabase, clinic_id: int, username: str, role: Role, display_name: str = ""
) -> Actor:
    """Commit an active user whose password is ``PASSWORD``; the actor as sign-in builds it."""
    name = display_name or f"{role.value.title()} {username}"
    with db.unit_of_work() as uow:
        user = uow.users.add(
            User(0, clinic_id, username, name, role, PASSWORD_HASH, email=f"{username}@example.org")
        )
        uow.commit()
    return actor_of(user, SOURCE)


def add_patient(
    db: FakeDatabase,
    clinic_id: int,
    given_name: str = "Robin",
    family_name: str = "Tester",
    date_of_birth: dt.date = dt.date(1970, 5, 17),
    sex: Sex = Sex.FEMALE,
) -> Patient:
    with db.unit_of_work() as uow:
        patient = uow.patients.add(
            Patient(0, clinic_id, given_name, family_name, date_of_birth, sex)
        )
        uow.commit()
    return patient
