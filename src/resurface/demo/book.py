"""The demo clinics' appointment book: opening hours, rooms and lasers, and each patient's next
visit in the coming days, made through the same use cases as the *Book set-up* page and the front
desk's booking form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from resurface.domain.appointments import AppointmentKind, AppointmentStatus
from resurface.domain.errors import DomainError
from resurface.domain.journey import Stage
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

_TIMES = {
    AppointmentKind.CONSULTATION: dt.time(9, 0),
    AppointmentKind.SESSION: dt.time(10, 0),
    AppointmentKind.REVIEW: dt.time(11, 30),
    AppointmentKind.PHOTO_FOLLOW_UP: dt.time(12, 15),
}
"""Each kind of visit's start (Saturday's last ones before 13:00)."""

KIND_OF_STAGE = {
    Stage.CONSULTATION: AppointmentKind.CONSULTATION,  # to agree a plan
    Stage.PLANNED: AppointmentKind.SESSION,  # the first treatment
    Stage.IN_TREATMENT: AppointmentKind.SESSION,  # the next one, given its time
    Stage.RECOVERING: AppointmentKind.REVIEW,
    Stage.FINISHED: AppointmentKind.PHOTO_FOLLOW_UP,
}
"""The visit a patient at each stage of the journey comes in for next."""


@dataclass(frozen=True)
class Visit:
    """A demo patient to book: where they are in their journey, and their clinician."""

    patient_id: int
    stage: Stage
    clinician_id: int


def open_book(ctx: Context, director: Actor, visits: list[Visit]) -> int:
    """Set the clinic's week, rooms and lasers, and book each patient's next visit in the coming
    open days, the kind their stage needs (a patient due a session on its due day); how many
    bookings."""
    setup.set_hours(ctx, director, WEEK)
    rooms = [setup.add_room(ctx, director, name).id for name in ROOMS]
    lasers = [setup.add_device(ctx, director, name).id for name in LASERS]
    seats = list(dict.fromkeys(v.clinician_id for v in visits))
    days = _open_days(ctx.clock.today(), DAYS_BOOKED)
    booked = 0
    for number, visit in enumerate(visits):
        kind = KIND_OF_STAGE[visit.stage]
        day = _day(ctx, director, visit, days, days[number % len(days)])
        if day is None:
            continue
        seat = seats.index(visit.clinician_id)
        request = book.BookingRequest(
            patient_id=visit.patient_id,
            kind=kind,
            day=day,
            time=_TIMES[kind],
            provider_id=visit.clinician_id,
            room_id=_room(rooms, seat, kind),
            device_id=lasers[seat % len(lasers)] if kind is AppointmentKind.SESSION else None,
            outside_window_reason="Demo booking: the patient asked for this day",
        )
        booked += _booked(ctx, director, request)
    return booked


def _day(
    ctx: Context, director: Actor, visit: Visit, days: list[dt.date], spread: dt.date
) -> dt.date | None:
    """The visit's day: a session already due keeps its day (the first open day from it; none
    when it falls after the booked days); other visits are spread over the days."""
    if KIND_OF_STAGE[visit.stage] is not AppointmentKind.SESSION:
        return spread
    with ctx.uow() as uow:
        due = [
            a.due_on
            for a in uow.appointments.for_patient(director.clinic_id, visit.patient_id)
            if a.kind is AppointmentKind.SESSION and a.status is AppointmentStatus.BOOKED
        ]
    if not due:
        return spread
    return next((day for day in days if day >= min(due)), None)


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
