"""The clinic's set-up for its book (the medical director's): opening hours, closures, rooms,
devices, clinicians' working days, lengths of appointments. Every change is audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.appointments import VISIT_KINDS, AppointmentKind
from resurface.domain.clinic_setup import (
    WEEKDAYS,
    ClinicSetup,
    Closure,
    Device,
    OpeningHours,
    Room,
    check_closure,
    check_minutes,
    check_name,
    check_weekdays,
    hours_problems,
)
from resurface.domain.errors import InvalidInput
from resurface.domain.people import Clinic, Role, User
from resurface.domain.rulebase import BookRules
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context


DEFAULT_REMINDER_HOURS = 24
"""How long before an appointment the patient is reminded unless the clinic sets its own."""
MAX_REMINDER_HOURS = 7 * 24


def reminder_hours(uow: UnitOfWork, clinic_id: int) -> int:
    own = uow.clinic_setup.reminder_hours(clinic_id)
    return DEFAULT_REMINDER_HOURS if own is None else own


@dataclass(frozen=True)
class SetupView:
    clinic: Clinic
    hours: Mapping[int, OpeningHours]
    closures: tuple[Closure, ...]
    rooms: tuple[Room, ...]
    devices: tuple[Device, ...]
    clinicians: tuple[User, ...]
    working_days: Mapping[int, frozenset[int]]
    lengths: Mapping[AppointmentKind, int]
    """The length of each kind of visit: the clinic's own, else the rule base's default."""
    own_lengths: frozenset[AppointmentKind]
    reminder_hours: int
    """How long before an appointment the patient is e-mailed (0: not at all)."""


def providers(uow: UnitOfWork, clinic_id: int) -> list[User]:
    """Who sees patients: active clinicians and medical directors, by name."""
    return sorted(
        (u for u in uow.users.in_clinic(clinic_id)
         if u.active and u.role in (Role.CLINICIAN, Role.ADMIN)),
        key=lambda u: u.display_name.lower(),
    )  # fmt: skip


def load_setup(uow: UnitOfWork, clinic: Clinic, zone: dt.tzinfo) -> ClinicSetup:
    """What the book's rules read, in one go."""
    records = uow.clinic_setup
    return ClinicSetup(
        zone=zone,
        hours=records.hours(clinic.id),
        closures=tuple(records.closures(clinic.id)),
        rooms={r.id: r for r in records.rooms(clinic.id)},
        devices={d.id: d for d in records.devices(clinic.id)},
        working_days=records.working_days(clinic.id),
        providers={u.id: u.display_name for u in providers(uow, clinic.id)},
    )


def lengths(uow: UnitOfWork, clinic_id: int, rules: BookRules) -> dict[AppointmentKind, int]:
    own = uow.clinic_setup.lengths(clinic_id)
    return {k: own.get(k.value, rules.minutes(k.value)) for k in VISIT_KINDS}


def view_setup(ctx: Context, actor: Actor) -> SetupView:
    require(actor, Permission.MANAGE_CLINIC)
    with ctx.uow() as uow:
        clinic = _clinic(uow, actor)
        records = uow.clinic_setup
        own = records.lengths(clinic.id)
        return SetupView(
            clinic=clinic,
            hours=records.hours(clinic.id),
            closures=tuple(records.closures(clinic.id, since=ctx.clock.today_of(clinic))),
            rooms=tuple(records.rooms(clinic.id)),
            devices=tuple(records.devices(clinic.id)),
            clinicians=tuple(providers(uow, clinic.id)),
            working_days=records.working_days(clinic.id),
            lengths=lengths(uow, clinic.id, ctx.rules.book),
            own_lengths=frozenset(AppointmentKind(k) for k in own),
            reminder_hours=reminder_hours(uow, clinic.id),
        )


def set_hours(
    ctx: Context, actor: Actor, hours: Mapping[int, tuple[dt.time, dt.time] | None]
) -> None:
    """The clinic's whole week; a weekday left out or ``None`` is closed."""
    require(actor, Permission.MANAGE_CLINIC)
    problems = hours_problems(hours)
    if problems:
        raise InvalidInput.of(problems)
    week = {d: OpeningHours(d, *span) for d, span in hours.items() if span is not None}
    with ctx.uow() as uow:
        uow.clinic_setup.set_hours(actor.clinic_id, week)
        detail = "; ".join(
            f"{WEEKDAYS[d][:3]} {h.opens:%H:%M}-{h.closes:%H:%M}" for d, h in sorted(week.items())
        )
        audit.record(uow, actor, "set_hours", "clinic", actor.clinic_id, detail=detail or "closed")
        uow.commit()


def add_closure(
    ctx: Context, actor: Actor, first_day: dt.date, last_day: dt.date, reason: str
) -> Closure:
    require(actor, Permission.MANAGE_CLINIC)
    check_closure(first_day, last_day, reason)
    with ctx.uow() as uow:
        closure = uow.clinic_setup.add_closure(
            Closure(0, actor.clinic_id, first_day, last_day, reason.strip())
        )
        detail = f"{first_day}..{last_day}: {reason.strip()}"
        audit.record(uow, actor, "add_closure", "closure", closure.id, detail=detail)
        uow.commit()
        return closure


def remove_closure(ctx: Context, actor: Actor, closure_id: int) -> None:
    require(actor, Permission.MANAGE_CLINIC)
    with ctx.uow() as uow:
        if not uow.clinic_setup.remove_closure(actor.clinic_id, closure_id):
            raise NotFound("closure", closure_id)
        audit.record(uow, actor, "remove_closure", "closure", closure_id)
        uow.commit()


def add_room(ctx: Context, actor: Actor, name: str) -> Room:
    require(actor, Permission.MANAGE_CLINIC)
    with ctx.uow() as uow:
        room = uow.clinic_setup.add_room(Room(0, actor.clinic_id, check_name(name)))
        audit.record(uow, actor, "add_room", "room", room.id, detail=room.name)
        uow.commit()
        return room


def save_room(ctx: Context, actor: Actor, room_id: int, name: str, active: bool) -> Room:
    require(actor, Permission.MANAGE_CLINIC)
    room = Room(room_id, actor.clinic_id, check_name(name), active)
    with ctx.uow() as uow:
        if not uow.clinic_setup.save_room(room):
            raise NotFound("room", room_id)
        audit.record(uow, actor, "save_room", "room", room_id, detail=f"{name} active={active}")
        uow.commit()
        return room


def add_device(ctx: Context, actor: Actor, name: str) -> Device:
    require(actor, Permission.MANAGE_CLINIC)
    with ctx.uow() as uow:
        device = uow.clinic_setup.add_device(Device(0, actor.clinic_id, check_name(name)))
        audit.record(uow, actor, "add_device", "device", device.id, detail=device.name)
        uow.commit()
        return device


def save_device(ctx: Context, actor: Actor, device_id: int, name: str, active: bool) -> Device:
    require(actor, Permission.MANAGE_CLINIC)
    device = Device(device_id, actor.clinic_id, check_name(name), active)
    with ctx.uow() as uow:
        if not uow.clinic_setup.save_device(device):
            raise NotFound("device", device_id)
        detail = f"{name} active={active}"
        audit.record(uow, actor, "save_device", "device", device_id, detail=detail)
        uow.commit()
        return device


def set_working_days(
    ctx: Context, actor: Actor, user_id: int, weekdays: frozenset[int] | None
) -> None:
    """``None``: the clinician may be booked on any day the clinic is open."""
    require(actor, Permission.MANAGE_CLINIC)
    if weekdays is not None:
        check_weekdays(weekdays)
    with ctx.uow() as uow:
        if user_id not in {u.id for u in providers(uow, actor.clinic_id)}:
            raise NotFound("clinician", user_id)
        uow.clinic_setup.set_working_days(actor.clinic_id, user_id, weekdays)
        days = "any" if weekdays is None else ",".join(WEEKDAYS[d][:3] for d in sorted(weekdays))
        audit.record(uow, actor, "set_working_days", "user", user_id, detail=days)
        uow.commit()


def set_length(ctx: Context, actor: Actor, kind: AppointmentKind, minutes: int) -> None:
    require(actor, Permission.MANAGE_CLINIC)
    if kind not in VISIT_KINDS:
        raise InvalidInput("kind", "check-in days have no length")
    check_minutes(minutes)
    with ctx.uow() as uow:
        uow.clinic_setup.set_length(actor.clinic_id, kind.value, minutes)
        detail = f"{kind.value} {minutes} min"
        audit.record(uow, actor, "set_length", "clinic", actor.clinic_id, detail=detail)
        uow.commit()


def set_reminder_hours(ctx: Context, actor: Actor, hours: int) -> None:
    require(actor, Permission.MANAGE_CLINIC)
    if not 0 <= hours <= MAX_REMINDER_HOURS:
        raise InvalidInput("reminder_hours", f"0 (none) to {MAX_REMINDER_HOURS} hours")
    with ctx.uow() as uow:
        uow.clinic_setup.set_reminder_hours(actor.clinic_id, hours)
        detail = f"{hours} hours before"
        audit.record(uow, actor, "set_reminders", "clinic", actor.clinic_id, detail=detail)
        uow.commit()


def _clinic(uow: UnitOfWork, actor: Actor) -> Clinic:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic", actor.clinic_id)
    return clinic


__all__ = [
    "SetupView",
    "add_closure",
    "add_device",
    "add_room",
    "lengths",
    "load_setup",
    "providers",
    "remove_closure",
    "save_device",
    "save_room",
    "set_hours",
    "set_length",
    "set_reminder_hours",
    "set_working_days",
    "view_setup",
]
