"""How a clinic is set up for its appointment book: opening hours per weekday, closures, rooms,
devices (lasers), which days each clinician works, and how long each kind of appointment lasts.

The medical director keeps these records; the book's rules (``appointments.clashes``) read them.
Weekdays are numbered as ``datetime.date.weekday()``: Monday 0 … Sunday 6.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from resurface.domain.errors import FieldProblem, InvalidInput

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NAME_MAX = 60
REASON_MAX = 200
MINUTES_MAX = 8 * 60
"""No single appointment in the book lasts longer than a working day."""


@dataclass(frozen=True)
class OpeningHours:
    """The clinic is open on ``weekday`` from ``opens`` to ``closes`` (local wall-clock times)."""

    weekday: int
    opens: dt.time
    closes: dt.time


@dataclass(frozen=True)
class Closure:
    """The clinic is closed from ``first_day`` to ``last_day`` inclusive (a holiday, training)."""

    id: int
    clinic_id: int
    first_day: dt.date
    last_day: dt.date
    reason: str

    def covers(self, day: dt.date) -> bool:
        return self.first_day <= day <= self.last_day


@dataclass(frozen=True)
class Room:
    id: int
    clinic_id: int
    name: str
    active: bool = True


@dataclass(frozen=True)
class Device:
    """A laser or other device. It can be booked into any room, but only one appointment at a
    time uses it, so it is in one room at a time."""

    id: int
    clinic_id: int
    name: str
    active: bool = True


@dataclass(frozen=True)
class ClinicSetup:
    """Everything the book's rules need to know about a clinic, loaded once per decision.

    ``working_days`` holds the weekdays of each clinician who has them set; a clinician absent
    from it is not restricted. ``providers`` names the users who can see patients."""

    zone: dt.tzinfo
    hours: Mapping[int, OpeningHours] = field(default_factory=dict)
    closures: tuple[Closure, ...] = ()
    rooms: Mapping[int, Room] = field(default_factory=dict)
    devices: Mapping[int, Device] = field(default_factory=dict)
    working_days: Mapping[int, frozenset[int]] = field(default_factory=dict)
    providers: Mapping[int, str] = field(default_factory=dict)

    def closure_on(self, day: dt.date) -> Closure | None:
        return next((c for c in self.closures if c.covers(day)), None)


def hours_problems(hours: Mapping[int, tuple[dt.time, dt.time] | None]) -> list[FieldProblem]:
    """What is wrong with a week of opening hours (``None``: closed that day)."""
    problems: list[FieldProblem] = []
    for weekday, span in sorted(hours.items()):
        if not 0 <= weekday <= 6:
            problems.append(FieldProblem(f"hours[{weekday}]", "is not a weekday (0-6)"))
        elif span is not None and span[0] >= span[1]:
            problems.append(
                FieldProblem(f"hours[{weekday}]", f"{WEEKDAYS[weekday]} must close after it opens")
            )
    return problems


def check_closure(first_day: dt.date, last_day: dt.date, reason: str) -> None:
    problems: list[FieldProblem] = []
    if last_day < first_day:
        problems.append(FieldProblem("last_day", "must be on or after the first day"))
    if (last_day - first_day).days > 366:
        problems.append(FieldProblem("last_day", "a closure lasts at most a year"))
    if not reason.strip():
        problems.append(FieldProblem("reason", "say why the clinic is closed"))
    elif len(reason) > REASON_MAX:
        problems.append(FieldProblem("reason", f"at most {REASON_MAX} characters"))
    if problems:
        raise InvalidInput.of(problems)


def check_name(name: str, field_name: str = "name") -> str:
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput(field_name, "give a name")
    if len(cleaned) > NAME_MAX:
        raise InvalidInput(field_name, f"at most {NAME_MAX} characters")
    return cleaned


def check_weekdays(days: frozenset[int]) -> None:
    if any(not 0 <= d <= 6 for d in days):
        raise InvalidInput("weekdays", "weekdays are 0 (Monday) to 6 (Sunday)")


def check_minutes(minutes: int, field_name: str = "minutes") -> None:
    if not 5 <= minutes <= MINUTES_MAX:
        raise InvalidInput(field_name, f"between 5 and {MINUTES_MAX} minutes")


class FeedSubject(StrEnum):
    PROVIDER = "provider"
    ROOM = "room"


@dataclass(frozen=True)
class CalendarFeed:
    """A private calendar address for one clinician's or room's appointments. Only a hash of
    its secret is kept; revoking it (or making a new one) stops the old address at once."""

    id: int
    clinic_id: int
    subject: FeedSubject
    subject_id: int
    token_hash: str
    created_by: int
    created_at: dt.datetime
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None
