"""The demo clinics' appointment book: opening hours, rooms and lasers, and a few days of
bookings from today on, made through the same use cases as the *Book set-up* page and the front
desk's booking form."""

from __future__ import annotations

import datetime as dt
from itertools import cycle

from resurface.domain.appointments import AppointmentKind, AppointmentStatus
from resurface.domain.errors import DomainError
from resurface.domain.people import Patient
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import ServiceError
from resurface.services.scheduling import book, setup

WEEK = {weekday: (dt.time(8, 30), dt.time(18, 0)) for weekday in range(5)} | {
    5: (dt.time(9, 0), dt.time(13, 0))
}
"""Monday to Friday 08:30-18:00, Saturday mornings; closed on Sundays."""

ROOMS = ("Treatment room 1", "Treatment room 2", "Consultation room")
LASERS = ("Fractional CO2 laser", "Er:YAG laser")
DAYS_BOOKED = 5
"""Open days from today that get bookings."""

_VISITS = (
    (AppointmentKind.CONSULTATION, dt.time(9, 0)),
    (AppointmentKind.SESSION, dt.time(10, 0)),
    (AppointmentKind.REVIEW, dt.time(11, 30)),
    (AppointmentKind.PHOTO_FOLLOW_UP, dt.time(12, 15)),
)
"""Each open day's visits per clinician: a kind and a start (Saturday's last ones before 13:00)."""


def open_book(ctx: Context, director: Actor, clinicians: list[int], patients: list[Patient]) -> int:
    """Set the clinic's week, rooms and lasers, and book the coming days; how many bookings."""
    setup.set_hours(ctx, director, WEEK)
    rooms = [setup.add_room(ctx, director, name).id for name in ROOMS]
    lasers = [setup.add_device(ctx, director, name).id for name in LASERS]
    patient_ids = cycle(p.id for p in patients)
    booked = 0
    for day in _open_days(ctx.clock.today(), DAYS_BOOKED):
        for seat, clinician in enumerate(clinicians[:2]):
            for kind, start in _VISITS:
                request = book.BookingRequest(
                    patient_id=next(patient_ids),
                    kind=kind,
                    day=day,
                    time=start,
                    provider_id=clinician,
                    room_id=_room(rooms, seat, kind),
                    device_id=lasers[seat] if kind is AppointmentKind.SESSION else None,
                    outside_window_reason="Demo booking: the patient asked for this day",
                )
                booked += _booked(ctx, director, request)
    return booked


def _room(rooms: list[int], seat: int, kind: AppointmentKind) -> int:
    """The first clinician sees new patients in the consultation room, the second in theirs."""
    return rooms[2] if kind is AppointmentKind.CONSULTATION and seat == 0 else rooms[seat]


def _booked(ctx: Context, actor: Actor, request: book.BookingRequest) -> int:
    """1 when booked; 0 when the clinic's rules refuse it (a clash, a closed hour). A visit of
    today that is already over is marked done, as the clinic would have."""
    try:
        booked = book.book(ctx, actor, request)
        if booked.ends_at is not None and booked.ends_at <= ctx.clock.now():
            book.mark(ctx, actor, booked.id, booked.version, AppointmentStatus.DONE)
    except (DomainError, ServiceError):
        return 0
    return 1


def _open_days(first: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = first
    while len(days) < count:
        if day.weekday() in WEEK:
            days.append(day)
        day += dt.timedelta(days=1)
    return days
