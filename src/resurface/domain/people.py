"""Who is in the record: clinics, the people who work there, and their patients."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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
    """A clinic. ``timezone`` and ``public_url`` empty mean "the server's setting"
    (``RESURFACE_TIMEZONE``, ``RESURFACE_PUBLIC_URL``); see :func:`clinic_zone` and
    :func:`clinic_public_url`."""

    id: int
    name: str
    slug: str
    phone: str = ""
    email: str = ""
    require_cosign: bool = False
    address: str = ""
    timezone: str = ""
    public_url: str = ""
    version: int = 1
    idle_minutes: int = 30
    """Signed-in users who do nothing for this long are signed out (besides the absolute limit)."""
    require_second_factor: bool = False
    """Medical directors (admins) must sign in with a code from an authenticator app too."""
    break_glass_minutes: int = 60
    """How long the front desk's emergency access to one chart lasts (see ``break_glass``)."""


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
    must_change_password: bool = False
    """Set by a password reset: until the user chooses a new password they may do nothing else."""
    temporary_password_until: dt.datetime | None = None
    """When the temporary password a reset gave stops working (None: no temporary password)."""

    def temporary_password_expired(self, now: dt.datetime) -> bool:
        until = self.temporary_password_until
        return self.must_change_password and until is not None and until <= now


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

SEARCH_WORD_MIN = 3
"""A search word this long or longer matches anywhere in a name (a trigram index serves it);
a shorter one matches the start of the given or family name (an ordered index serves it)."""


def name_key(text: str) -> str:
    """``text`` as the patient search compares it: accents dropped, case folded, spaces single.
    "Zoë Ó Súilleabháin" and "zoe o suilleabhain" have the same key."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare).split())


def search_words(text: str) -> list[str]:
    """The words of a patient search, each as :func:`name_key` has it."""
    return name_key(text).split()


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


# --- the clinic's profile -----------------------------------------------------------------------

CLINIC_NAME_MAX = 200
ADDRESS_MAX = 500
TIMEZONE_MAX = 64
PUBLIC_URL_MAX = 300
PROFILE_FIELDS = ("name", "phone", "email", "address", "timezone", "public_url")
"""The parts of a clinic its medical director edits as its profile, in the form's order."""


def time_zone_problem(name: str, field: str = "timezone") -> FieldProblem | None:
    """Why ``name`` is not an IANA time zone (``Europe/London``), or None when it is one."""
    message = f"{name!r} is not a time zone; use a name like Europe/London"
    if not name or len(name) > TIMEZONE_MAX:
        return FieldProblem(field, message)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder such as "Europe"
        return FieldProblem(field, message)
    return None


def public_url_problem(url: str, field: str = "public_url") -> FieldProblem | None:
    """Why ``url`` cannot start the links patients are sent, or None: it must be an absolute
    http(s) address of a server, with no query or fragment (``/r/<token>`` is added to it)."""
    if any(ch.isspace() for ch in url):
        return FieldProblem(field, "must not contain spaces")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return FieldProblem(field, "is not a web address")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return FieldProblem(field, "must be a whole address starting with https:// or http://")
    if parts.query or parts.fragment or url.endswith(("?", "#")):
        return FieldProblem(field, "must not have a ? or # part")
    return None


def _email_problem(email: str) -> FieldProblem | None:
    local, at, domain = email.partition("@")
    if not at or not local or "." not in domain.strip(".") or " " in email or "@" in domain:
        return FieldProblem("email", "is not an e-mail address (name@example.org)")
    return None


def clinic_profile_problems(clinic: Clinic) -> list[FieldProblem]:
    """Everything wrong with a clinic's profile as typed, every field at once and in the form's
    order: a name, one-line values within their lengths (the address may have several lines),
    an e-mail address that looks like one, an IANA time zone and an absolute http(s) public
    address; the time zone, e-mail and public address may be left empty."""
    lengths = {
        "name": CLINIC_NAME_MAX,
        "phone": PHONE_MAX,
        "email": EMAIL_MAX,
        "address": ADDRESS_MAX,
        "timezone": TIMEZONE_MAX,
        "public_url": PUBLIC_URL_MAX,
    }
    problems: dict[str, FieldProblem] = {}
    for field, most in lengths.items():
        value: str = getattr(clinic, field)
        if len(value.strip()) > most:
            problems[field] = FieldProblem(field, f"is longer than {most} characters")
            continue
        lines = (
            {"free_text": {field: value}} if field == "address" else {"one_line": {field: value}}
        )
        found = text_problems(**lines)
        if found:
            problems[field] = found[0]
    if not clinic.name.strip():
        problems["name"] = FieldProblem("name", "is required")
    checks: dict[str, Callable[[str], FieldProblem | None]] = {
        "email": _email_problem,
        "timezone": time_zone_problem,
        "public_url": public_url_problem,
    }
    for field, check in checks.items():
        value = getattr(clinic, field).strip()
        if field not in problems and value:
            problem = check(value)
            if problem is not None:
                problems[field] = problem
    return [problems[field] for field in PROFILE_FIELDS if field in problems]


def clinic_zone(clinic: Clinic, server_zone: dt.tzinfo) -> dt.tzinfo:
    """The clinic's time zone: its own when set, else the server's."""
    return ZoneInfo(clinic.timezone) if clinic.timezone else server_zone


def clinic_public_url(clinic: Clinic, server_url: str) -> str:
    """Where patients' phones reach this clinic: its own address when set, else the server's."""
    return clinic.public_url or server_url


# --- the clinic's users -------------------------------------------------------------------------

DISPLAY_NAME_MAX = 200
NO_ADMIN_LEFT = (
    "the clinic would have no active admin (medical director) left; "
    "make another user an admin first"
)


def display_name_problems(display_name: str) -> list[FieldProblem]:
    if not display_name.strip():
        return [FieldProblem("display_name", "is required")]
    if len(display_name.strip()) > DISPLAY_NAME_MAX:
        return [FieldProblem("display_name", f"is longer than {DISPLAY_NAME_MAX} characters")]
    return text_problems(one_line={"display_name": display_name})


def user_change_problems(
    before: User, after: User, colleagues: Sequence[User]
) -> list[FieldProblem]:
    """Everything wrong with changing ``before`` into ``after`` among the clinic's ``colleagues``
    (everyone, ``before`` included): a display name, and at least one active admin left, so
    someone can still run the clinic (named on the field that would take the last one away)."""
    problems = (
        display_name_problems(after.display_name)
        if after.display_name != before.display_name
        else []
    )
    admins = [
        u
        for u in (after if u.id == after.id else u for u in colleagues)
        if u.role is Role.ADMIN and u.active
    ]
    if not admins and before.role is Role.ADMIN and before.active:
        field = "role" if after.role is not Role.ADMIN else "active"
        problems.append(FieldProblem(field, NO_ADMIN_LEFT))
    return problems
