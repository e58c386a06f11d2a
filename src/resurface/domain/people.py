"""Who is in the record: clinics, the people who work there, and their patients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.codes import FitzpatrickType
from resurface.domain.dates import birth_date_problem
from resurface.domain.errors import FieldProblem
from resurface.domain.text import text_problems


class Role(StrEnum):
    ADMIN = "admin"
    CLINICIAN = "clinician"
    STAFF = "staff"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Clinic:
    id: int
    name: str
    slug: str
    phone: str = ""
    email: str = ""
    require_cosign: bool = False


@dataclass(frozen=True)
class User:
    id: int
    clinic_id: int
    username: str
    display_name: str
    role: Role
    password_hash: str
    email: str = ""
    active: bool = True
    failed_logins: int = 0
    locked_until: dt.datetime | None = None

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


@dataclass(frozen=True)
class Patient:
    id: int
    clinic_id: int
    given_name: str
    family_name: str
    date_of_birth: dt.date
    sex: Sex
    phone: str = ""
    email: str = ""
    fitzpatrick_type: FitzpatrickType | None = None
    version: int = 1

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day: dt.date) -> int:
        had_birthday = (day.month, day.day) >= (self.date_of_birth.month, self.date_of_birth.day)
        return day.year - self.date_of_birth.year - (0 if had_birthday else 1)


NAME_MAX = 120
PHONE_MAX = 40
EMAIL_MAX = 200


def patient_details_problems(patient: Patient, today: dt.date) -> list[FieldProblem]:
    """Everything wrong with a patient's details as typed, every field at once and in the
    form's order: names given, each value one line of storable text within its length, a
    plausible date of birth."""
    lengths = {
        "given_name": NAME_MAX,
        "family_name": NAME_MAX,
        "phone": PHONE_MAX,
        "email": EMAIL_MAX,
    }
    problems = {}
    for field, most in lengths.items():
        value: str = getattr(patient, field)
        if field.endswith("_name") and not value.strip():
            problems[field] = FieldProblem(field, "is required")
        elif len(value.strip()) > most:
            problems[field] = FieldProblem(field, f"is longer than {most} characters")
        else:
            problems.update((p.field, p) for p in text_problems(one_line={field: value}))
    born = birth_date_problem(patient.date_of_birth, today)
    if born is not None:
        problems[born.field] = born
    order = ("given_name", "family_name", "date_of_birth", "phone", "email")
    return [problems[field] for field in order if field in problems]
