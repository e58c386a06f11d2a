"""The book as people read it: a day or a week of a clinic, one column per provider, room or
device; a patient's appointments. Names only - no clinical detail - so the front desk reads the
same view. Every read is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.appointments import Appointment, AppointmentKind, day_bounds
from resurface.domain.clinic_setup import ClinicSetup, OpeningHours
from resurface.domain.errors import InvalidInput
from resurface.domain.people import Clinic, Patient
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork
from resurface.services.scheduling.setup import lengths, load_setup

if TYPE_CHECKING:
    from resurface.services.context import Context

MAX_DAYS = 42
"""The longest range one read of the book covers (six weeks)."""


@dataclass(frozen=True)
class BookEntry:
    appointment: Appointment
    patient: Patient
    start: dt.datetime
    """Clinic-local."""
    end: dt.datetime
    provider: str
    room: str
    device: str


@dataclass(frozen=True)
class BookView:
    clinic: Clinic
    zone: dt.tzinfo
    first: dt.date
    last: dt.date
    today: dt.date
    now: dt.datetime
    """Clinic-local."""
    entries: tuple[BookEntry, ...]
    to_time: tuple[BookEntry, ...]
    """Booked sessions still without a time on these days (from before the book, or recorded
    sessions' next session)."""
    setup: ClinicSetup
    lengths: Mapping[AppointmentKind, int]

    @property
    def days(self) -> tuple[dt.date, ...]:
        count = (self.last - self.first).days + 1
        return tuple(self.first + dt.timedelta(days=i) for i in range(count))

    def hours_of(self, day: dt.date) -> OpeningHours | None:
        if self.setup.closure_on(day) is not None:
            return None
        return self.setup.hours.get(day.weekday())

    def on(self, day: dt.date) -> tuple[BookEntry, ...]:
        return tuple(e for e in self.entries if e.start.date() == day)


def read_book(
    ctx: Context,
    actor: Actor,
    first: dt.date,
    last: dt.date,
    *,
    provider_id: int | None = None,
    room_id: int | None = None,
    patient_id: int | None = None,
) -> BookView:
    """The book from ``first`` to ``last`` (clinic-local days, inclusive)."""
    require(actor, Permission.BOOK)
    if last < first:
        raise InvalidInput("last", "must be on or after the first day")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput("last", f"at most {MAX_DAYS} days at a time")
    with ctx.uow() as uow:
        clinic = _clinic_of(uow, actor)
        view = _book_in(
            uow, ctx, actor, clinic, first, last,
            provider_id=provider_id, room_id=room_id, patient_id=patient_id,
        )  # fmt: skip
        uow.commit()
    return view


@dataclass(frozen=True)
class DayBook:
    """Today's appointments with a time, as Today's page lists them."""

    now: dt.datetime
    """Clinic-local."""
    entries: tuple[BookEntry, ...]


def todays_book_in(
    uow: UnitOfWork,
    ctx: Context,
    actor: Actor,
    known: Mapping[int, Patient] | None = None,
    clinic: Clinic | None = None,
) -> DayBook:
    """Today's appointments with a time (the clinic's today) inside the caller's unit of work,
    which commits it: Today's page reads them with the clinic's day, in one transaction, and
    the patients it has read already (``known``) are not read again, nor the actor's clinic
    (``clinic``, for its time zone: the session check reads it). Audited as the book's read
    of the day. Only the names the list shows are read, with the appointments, not the book's
    rooms, devices, providers, hours, closures, working days or lengths."""
    require(actor, Permission.BOOK)
    if clinic is None or clinic.id != actor.clinic_id:
        clinic = _clinic_of(uow, actor)
    zone = ctx.clock.zone_of(clinic)
    today = ctx.clock.today_of(clinic)
    start, end = day_bounds(today, zone)
    visits = uow.appointments.timed_between(clinic.id, start, end)
    patients = dict(known or {})
    if missing := {v.appointment.patient_id for v in visits} - patients.keys():
        patients |= uow.patients.by_ids(clinic.id, missing)
    entries = tuple(
        _named_entry(
            v.appointment, patients[v.appointment.patient_id], zone, v.provider, v.room, v.device
        )
        for v in visits
    )
    audit.record(uow, actor, "book_read", "clinic", clinic.id, detail=f"{today}..{today}")
    return DayBook(ctx.clock.now().astimezone(zone), entries)


def _clinic_of(uow: UnitOfWork, actor: Actor) -> Clinic:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic", actor.clinic_id)
    return clinic


def _book_in(
    uow: UnitOfWork,
    ctx: Context,
    actor: Actor,
    clinic: Clinic,
    first: dt.date,
    last: dt.date,
    *,
    provider_id: int | None = None,
    room_id: int | None = None,
    patient_id: int | None = None,
) -> BookView:
    zone = ctx.clock.zone_of(clinic)
    if patient_id is not None and uow.patients.get(clinic.id, patient_id) is None:
        raise NotFound("patient", patient_id)
    setup = load_setup(uow, clinic, zone)
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    found, untimed = uow.appointments.book_of(
        clinic.id, start, end, first, last,
        provider_id=provider_id, room_id=room_id, patient_id=patient_id,
    )  # fmt: skip
    patients = _patients(uow, clinic.id, [*found, *untimed])
    kind_lengths = lengths(uow, clinic.id, ctx.rules.book)
    detail = f"{first}..{last}"
    audit.record(uow, actor, "book_read", "clinic", clinic.id, patient_id=patient_id, detail=detail)
    now = ctx.clock.now().astimezone(zone)
    return BookView(
        clinic=clinic, zone=zone, first=first, last=last, today=now.date(), now=now,
        entries=tuple(_entry(a, patients, setup, zone) for a in found),
        to_time=tuple(_entry(a, patients, setup, zone) for a in untimed),
        setup=setup, lengths=kind_lengths,
    )  # fmt: skip


def coming_visits(ctx: Context, actor: Actor, patient_id: int) -> tuple[BookEntry, ...]:
    """The patient's visits from now on (booked, arrived or in treatment; the check-in days are
    the recovery's), with times, clinician and room: names only, so the front desk reads them
    on the patient's details and the clinician on the chart. The read is audited."""
    with ctx.uow() as uow:
        coming = coming_visits_in(uow, ctx, actor, patient_id)
        uow.commit()
    return coming


def coming_visits_in(
    uow: UnitOfWork,
    ctx: Context,
    actor: Actor,
    patient_id: int,
    patient: Patient | None = None,
    clinic: Clinic | None = None,
) -> tuple[BookEntry, ...]:
    """:func:`coming_visits` inside the caller's unit of work, which commits it (the audit
    event is recorded, not yet written). ``patient`` and ``clinic`` (the actor's, for its time
    zone): already read by the caller."""
    require(actor, Permission.BOOK)
    if clinic is None or clinic.id != actor.clinic_id:
        clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic", actor.clinic_id)
    if patient is None or patient.id != patient_id or patient.clinic_id != clinic.id:
        patient = uow.patients.get(clinic.id, patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    zone = ctx.clock.zone_of(clinic)
    now = ctx.clock.now()
    today = now.astimezone(zone).date()
    coming = uow.appointments.coming_for_patient(clinic.id, patient.id, now, today)
    audit.record(uow, actor, "book_read", "patient", patient.id, patient_id=patient.id,
                 detail="coming visits")  # fmt: skip
    entries = [
        _named_entry(v.appointment, patient, zone, v.provider, v.room, v.device) for v in coming
    ]
    return tuple(sorted(entries, key=lambda e: (e.start, e.appointment.id)))


def entry_of(ctx: Context, actor: Actor, appointment_id: int) -> BookEntry:
    """One appointment, as the book shows it (the form to move or cancel it starts here)."""
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        clinic = uow.clinics.get(actor.clinic_id)
        found = uow.appointments.get(actor.clinic_id, appointment_id)
        if clinic is None or found is None:
            raise NotFound("appointment", appointment_id)
        zone = ctx.clock.zone_of(clinic)
        setup = load_setup(uow, clinic, zone)
        patients = _patients(uow, clinic.id, [found])
        audit.record(uow, actor, "read", "appointment", found.id, patient_id=found.patient_id)
        uow.commit()
        return _entry(found, patients, setup, zone)


def _patients(uow: UnitOfWork, clinic_id: int, found: list[Appointment]) -> dict[int, Patient]:
    """The patients of ``found``, read by id (never the whole clinic: Today reads this)."""
    wanted = {a.patient_id for a in found}
    return uow.patients.by_ids(clinic_id, wanted) if wanted else {}


def _entry(
    appointment: Appointment, patients: dict[int, Patient], setup: ClinicSetup, zone: dt.tzinfo
) -> BookEntry:
    room = setup.rooms.get(appointment.room_id) if appointment.room_id else None
    device = setup.devices.get(appointment.device_id) if appointment.device_id else None
    return _named_entry(
        appointment,
        patients[appointment.patient_id],
        zone,
        setup.providers.get(appointment.provider_id or 0, ""),
        room.name if room else "",
        device.name if device else "",
    )


def _named_entry(
    appointment: Appointment,
    patient: Patient,
    zone: dt.tzinfo,
    provider: str,
    room: str,
    device: str,
) -> BookEntry:
    start = (
        appointment.starts_at.astimezone(zone)
        if appointment.starts_at
        else dt.datetime.combine(appointment.due_on, dt.time(0), tzinfo=zone)
    )
    return BookEntry(
        appointment=appointment,
        patient=patient,
        start=start,
        end=start + dt.timedelta(minutes=appointment.minutes),
        provider=provider,
        room=room,
        device=device,
    )  # fmt: skip


def clinic_today(ctx: Context, actor: Actor) -> dt.date:
    """Today in the clinic's time zone: where the book opens."""
    with ctx.uow() as uow:
        clinic = uow.clinics.get(actor.clinic_id)
        if clinic is None:
            raise NotFound("clinic", actor.clinic_id)
        return ctx.clock.today_of(clinic)
