"""The appointment book: who sees whom, when, in which room, with which laser.

An appointment has a start (an aware UTC instant, shown in the clinic's time zone) and a length
in minutes, or - for a recovery check-in day, or a next session not yet given a time - only a
day (``starts_at`` None). ``due_on`` is always the clinic-local day, so day lists read one column.

The rules are pure functions: :func:`clashes` names everything a booking would clash with
(provider, room or device double-booked, outside opening hours, a closure, a clinician's day
off); :func:`check_transition` says which status changes are allowed; :func:`at_local` turns a
clinic-local wall-clock time into an instant, refusing times a daylight-saving change skips.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from resurface.domain.clinic_setup import WEEKDAYS, ClinicSetup
from resurface.domain.errors import InvalidInput, RuleViolation

CANCEL_REASON_MAX = 200


class AppointmentKind(StrEnum):
    CHECKIN = "checkin"
    """A recovery check-in day: the patient answers from home; a day, never a time."""
    SESSION = "session"
    """A treatment session."""
    CONSULTATION = "consultation"
    REVIEW = "review"
    PHOTO_FOLLOW_UP = "photo_follow_up"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _KIND_LABELS[self]


_KIND_LABELS = {
    AppointmentKind.CHECKIN: "Check-in day",
    AppointmentKind.SESSION: "Treatment session",
    AppointmentKind.CONSULTATION: "Consultation",
    AppointmentKind.REVIEW: "Review",
    AppointmentKind.PHOTO_FOLLOW_UP: "Photo follow-up",
    AppointmentKind.OTHER: "Other",
}

VISIT_KINDS = tuple(k for k in AppointmentKind if k is not AppointmentKind.CHECKIN)
"""The kinds that take a time, a provider and a room."""


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    ARRIVED = "arrived"
    IN_TREATMENT = "in_treatment"
    DONE = "done"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


ACTIVE = frozenset(
    {AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.IN_TREATMENT}
)
"""Statuses that hold the provider, room and device."""

TRANSITIONS: dict[AppointmentStatus, frozenset[AppointmentStatus]] = {
    AppointmentStatus.BOOKED: frozenset(
        {
            AppointmentStatus.ARRIVED,
            AppointmentStatus.DONE,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.NO_SHOW,
        }
    ),
    # "arrived" by mistake is undone; a patient who came goes on to treatment or is done
    AppointmentStatus.ARRIVED: frozenset(
        {AppointmentStatus.BOOKED, AppointmentStatus.IN_TREATMENT, AppointmentStatus.DONE}
    ),
    AppointmentStatus.IN_TREATMENT: frozenset({AppointmentStatus.DONE}),
    # a patient marked no-show who turns up late after all
    AppointmentStatus.NO_SHOW: frozenset({AppointmentStatus.ARRIVED}),
    AppointmentStatus.DONE: frozenset(),
    AppointmentStatus.CANCELLED: frozenset(),
}


@dataclass(frozen=True)
class Appointment:
    """An entry of the book. ``starts_at`` None: a day entry (a check-in day, or a session the
    front desk has still to give a time)."""

    id: int
    clinic_id: int
    patient_id: int
    kind: AppointmentKind
    due_on: dt.date
    after_session_id: int | None = None
    plan_id: int | None = None
    status: AppointmentStatus = AppointmentStatus.BOOKED
    starts_at: dt.datetime | None = None
    minutes: int = 0
    provider_id: int | None = None
    room_id: int | None = None
    device_id: int | None = None
    cancel_reason: str = ""
    outside_window_reason: str = ""
    reminded_at: dt.datetime | None = None
    """When the patient's e-mail reminder was queued (once only)."""
    confirmed_at: dt.datetime | None = None
    """When the patient said they will come (from the reminder's link)."""
    change_requested_at: dt.datetime | None = None
    """When the patient asked for another time, and what they wrote."""
    change_note: str = ""
    version: int = 1

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + dt.timedelta(minutes=self.minutes)

    @property
    def timed(self) -> bool:
        return self.starts_at is not None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE


class TransitionRefused(RuleViolation):
    def __init__(self, current: AppointmentStatus, wanted: AppointmentStatus) -> None:
        super().__init__(f"an appointment that is {current.label} cannot become {wanted.label}")
        self.current = current
        self.wanted = wanted


def check_transition(current: AppointmentStatus, wanted: AppointmentStatus, reason: str) -> None:
    """Refuse a status change the book does not allow; a cancellation needs its reason."""
    if wanted not in TRANSITIONS[current]:
        raise TransitionRefused(current, wanted)
    if wanted is AppointmentStatus.CANCELLED:
        if not reason.strip():
            raise InvalidInput("reason", "say why the appointment is cancelled")
        if len(reason) > CANCEL_REASON_MAX:
            raise InvalidInput("reason", f"at most {CANCEL_REASON_MAX} characters")


# --- time: stored in UTC, shown in the clinic's zone --------------------------------------------


def at_local(day: dt.date, time: dt.time, zone: dt.tzinfo) -> dt.datetime:
    """The UTC instant of wall-clock ``time`` on ``day`` in ``zone``.

    A time the clocks skip (01:30 on the spring-forward night in London) is refused; a time that
    happens twice (01:30 on the autumn night) is the first of the two, as calendars do."""
    local = dt.datetime.combine(day, time, tzinfo=zone).replace(fold=0)
    instant = local.astimezone(dt.UTC)
    if instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise InvalidInput("start", f"{time:%H:%M} does not exist on {day}: the clocks change")
    return instant


def day_bounds(day: dt.date, zone: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the clinic-local ``day`` begins and ends (23 or 25 hours apart on a
    daylight-saving day)."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start, end.astimezone(dt.UTC)


def local(instant: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    return instant.astimezone(zone)


def week_of(day: dt.date) -> tuple[dt.date, ...]:
    """Monday to Sunday of the week holding ``day``."""
    monday = day - dt.timedelta(days=day.weekday())
    return tuple(monday + dt.timedelta(days=i) for i in range(7))


# --- clashes -----------------------------------------------------------------------------------


class ClashKind(StrEnum):
    PROVIDER = "provider"
    PATIENT = "patient"
    ROOM = "room"
    DEVICE = "device"
    CLOSED = "outside_hours"
    CLOSURE = "closure"
    DAY_OFF = "day_off"


@dataclass(frozen=True)
class Slot:
    """What a booking asks for. ``appointment_id`` is the appointment being moved (it does not
    clash with itself); 0 for a new one. ``patient_id``: the patient, who cannot be in two
    places at once either (``patient`` is how the clash names them)."""

    starts_at: dt.datetime
    minutes: int
    provider_id: int | None
    room_id: int | None
    device_id: int | None = None
    appointment_id: int = 0
    patient_id: int | None = None
    patient: str = "The patient"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.minutes)


@dataclass(frozen=True)
class Clash:
    kind: ClashKind
    message: str
    appointment_id: int | None = None


class BookingClash(RuleViolation):
    """A booking is refused: ``clashes`` names everything it clashes with."""

    def __init__(self, clashes: Sequence[Clash]) -> None:
        super().__init__("; ".join(c.message for c in clashes))
        self.clashes = tuple(clashes)


def clashes(slot: Slot, others: Iterable[Appointment], setup: ClinicSetup) -> tuple[Clash, ...]:
    """Everything ``slot`` clashes with, in the order a receptionist would want to read it:
    the clinic's hours and closures, the clinician's day, then each double-booking (the
    clinician, the patient, the room, the device).

    ``others`` may hold any appointments (the storage query narrows them to the slot's time and
    its provider, patient, room or device); only active timed ones overlapping the slot count."""
    found: list[Clash] = []
    zone = setup.zone
    start = slot.starts_at.astimezone(zone)
    end = slot.ends_at.astimezone(zone)
    found.extend(_hours_clashes(start, end, setup))
    if slot.provider_id is not None:
        days = setup.working_days.get(slot.provider_id)
        if days is not None and start.weekday() not in days:
            who = setup.providers.get(slot.provider_id, "The clinician")
            found.append(
                Clash(ClashKind.DAY_OFF, f"{who} does not work on {WEEKDAYS[start.weekday()]}s")
            )
    for other in sorted(others, key=lambda a: (a.starts_at or slot.starts_at, a.id)):
        if other.id == slot.appointment_id or not other.active or other.starts_at is None:
            continue
        other_end = other.ends_at
        assert other_end is not None
        if not (other.starts_at < slot.ends_at and slot.starts_at < other_end):
            continue
        when = _span(other.starts_at, other_end, zone)
        if slot.provider_id is not None and other.provider_id == slot.provider_id:
            who = setup.providers.get(slot.provider_id, "The clinician")
            found.append(Clash(ClashKind.PROVIDER, f"{who} is already booked {when}", other.id))
        if slot.patient_id is not None and other.patient_id == slot.patient_id:
            found.append(
                Clash(ClashKind.PATIENT, _patient_clash(slot, other, setup, when), other.id)
            )
        if slot.room_id is not None and other.room_id == slot.room_id:
            room = setup.rooms[slot.room_id].name if slot.room_id in setup.rooms else "The room"
            found.append(Clash(ClashKind.ROOM, f"{room} is already booked {when}", other.id))
        if slot.device_id is not None and other.device_id == slot.device_id:
            device = setup.devices.get(slot.device_id)
            name = device.name if device else "The device"
            found.append(Clash(ClashKind.DEVICE, f"{name} is already in use {when}", other.id))
    return tuple(found)


def _patient_clash(slot: Slot, other: Appointment, setup: ClinicSetup, when: str) -> str:
    with_whom = setup.providers.get(other.provider_id or 0)
    whom = f" with {with_whom}" if with_whom else ""
    kind = other.kind.label.lower()
    return f"{slot.patient} already has an appointment {when} ({kind}{whom})"


def _hours_clashes(start: dt.datetime, end: dt.datetime, setup: ClinicSetup) -> list[Clash]:
    day = start.date()
    closure = setup.closure_on(day)
    if closure is not None:
        return [Clash(ClashKind.CLOSURE, f"the clinic is closed on {day}: {closure.reason}")]
    hours = setup.hours.get(day.weekday())
    if hours is None:
        return [Clash(ClashKind.CLOSED, f"the clinic is closed on {WEEKDAYS[day.weekday()]}s")]
    opens = dt.datetime.combine(day, hours.opens)
    closes = dt.datetime.combine(day, hours.closes)
    if start.replace(tzinfo=None) < opens or end.replace(tzinfo=None) > closes:
        opening = f"{hours.opens:%H:%M}-{hours.closes:%H:%M}"
        return [
            Clash(
                ClashKind.CLOSED,
                f"{start:%H:%M}-{end:%H:%M} is outside opening hours "
                f"({WEEKDAYS[day.weekday()]} {opening})",
            )
        ]
    return []


def _span(start: dt.datetime, end: dt.datetime, zone: dt.tzinfo) -> str:
    return f"{start.astimezone(zone):%H:%M}-{end.astimezone(zone):%H:%M}"


# --- free slots --------------------------------------------------------------------------------


def free_slots(
    days: Iterable[dt.date],
    minutes: int,
    provider_id: int | None,
    room_id: int | None,
    device_id: int | None,
    booked: Sequence[Appointment],
    setup: ClinicSetup,
    *,
    step_minutes: int = 15,
    limit: int = 12,
    per_day: int | None = None,
    patient_id: int | None = None,
) -> list[dt.datetime]:
    """The first ``limit`` starts (UTC) on ``days`` where a ``minutes`` booking clashes with
    nothing (the patient's own appointments included, given ``patient_id``), every
    ``step_minutes`` from opening time; at most ``per_day`` on one day."""
    found: list[dt.datetime] = []
    for day in days:
        today_count = 0
        hours = setup.hours.get(day.weekday())
        if hours is None or setup.closure_on(day) is not None:
            continue
        moment = dt.datetime.combine(day, hours.opens)
        last = dt.datetime.combine(day, hours.closes) - dt.timedelta(minutes=minutes)
        while moment <= last:
            try:
                start = at_local(day, moment.time(), setup.zone)
            except InvalidInput:
                moment += dt.timedelta(minutes=step_minutes)
                continue
            slot = Slot(start, minutes, provider_id, room_id, device_id, patient_id=patient_id)
            if not clashes(slot, booked, setup):
                found.append(start)
                today_count += 1
                if len(found) >= limit:
                    return found
                if per_day is not None and today_count >= per_day:
                    break
            moment += dt.timedelta(minutes=step_minutes)
    return found


def initials(given_name: str, family_name: str) -> str:
    """What a calendar outside the clinic may show of a patient."""
    return "".join(part[:1].upper() + "." for part in (given_name, family_name) if part)
