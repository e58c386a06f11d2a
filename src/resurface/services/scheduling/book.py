"""Booking, moving, resizing, cancelling and marking appointments.

Every write checks the clash rule (``appointments.clashes``) against the one clash query, and a
treatment session booked as the plan's next one outside the plan's window needs a reason, which
is kept. Moves name the version they were read at (optimistic concurrency). The front desk may
book, move, cancel and mark arrivals and no-shows; "in treatment" and "done" are the clinician's.
Every write is audited like a chart write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resurface.domain.appointments import (
    ACTIVE,
    VISIT_KINDS,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    BookingClash,
    Slot,
    at_local,
    check_transition,
    clashes,
)
from resurface.domain.chart import PlanStatus, standing
from resurface.domain.clinic_setup import check_minutes
from resurface.domain.errors import FieldProblem, InvalidInput, VersionConflict
from resurface.domain.people import Clinic, Patient
from resurface.domain.scheduling import next_session_window
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork
from resurface.services.scheduling.setup import lengths, load_setup

if TYPE_CHECKING:
    from resurface.services.context import Context

REASON_MAX = 200
_HOLDING = frozenset(s.value for s in ACTIVE)
CLINICIAN_STATUSES = frozenset({AppointmentStatus.IN_TREATMENT, AppointmentStatus.DONE})


@dataclass(frozen=True)
class BookingRequest:
    """A new appointment, in the clinic's wall-clock time. ``minutes`` None: the clinic's length
    for the kind. ``plan_id``: a treatment session of that plan (its window applies)."""

    patient_id: int
    kind: AppointmentKind
    day: dt.date
    time: dt.time
    provider_id: int
    room_id: int | None = None
    device_id: int | None = None
    minutes: int | None = None
    plan_id: int | None = None
    outside_window_reason: str = ""


@dataclass(frozen=True)
class MoveRequest:
    """A change to a booked appointment read at ``version``; None keeps what is booked."""

    version: int
    day: dt.date | None = None
    time: dt.time | None = None
    minutes: int | None = None
    provider_id: int | None = None
    room_id: int | None = None
    device_id: int | None = None
    clear_device: bool = False
    outside_window_reason: str = ""


def book(ctx: Context, actor: Actor, request: BookingRequest) -> Appointment:
    """Book an appointment; a treatment session when the patient has one still to be given a
    time (a day entry of the book) gives that entry its time instead of adding another."""
    require(actor, Permission.BOOK)
    if request.kind not in VISIT_KINDS:
        raise InvalidInput("kind", "check-in days are booked by recording a session")
    if request.minutes is not None:
        check_minutes(request.minutes)
    with ctx.uow() as uow:
        clinic = clinic_of(uow, actor)
        patient = patient_of(uow, actor, request.patient_id)
        zone = ctx.clock.zone_of(clinic)
        minutes = request.minutes or lengths(uow, clinic.id, ctx.rules.book)[request.kind]
        start = at_local(request.day, request.time, zone)
        untimed = _untimed_session(uow, actor, patient.id) if request.kind is (
            AppointmentKind.SESSION) else None  # fmt: skip
        plan_id = request.plan_id or (untimed.plan_id if untimed else None)
        if request.kind is AppointmentKind.SESSION and plan_id is None:
            plan_id = decided_plan_id(uow, actor, patient.id)
        draft = Appointment(
            untimed.id if untimed else 0, clinic.id, patient.id, request.kind, request.day,
            after_session_id=untimed.after_session_id if untimed else None, plan_id=plan_id,
            starts_at=start, minutes=minutes, provider_id=request.provider_id,
            room_id=request.room_id, device_id=request.device_id,
            outside_window_reason=request.outside_window_reason.strip(),
            version=untimed.version if untimed else 1,
        )  # fmt: skip
        check_booking(uow, ctx, clinic, draft)
        saved = uow.appointments.save(draft) if untimed else uow.appointments.add(draft)
        audit.record(
            uow, actor, "book", "appointment", saved.id, patient_id=patient.id,
            detail=describe(saved, zone),
        )  # fmt: skip
        uow.commit()
        return saved


def move(ctx: Context, actor: Actor, appointment_id: int, request: MoveRequest) -> Appointment:
    """Move, resize or re-assign an appointment, or give a day entry its time."""
    require(actor, Permission.BOOK)
    if request.minutes is not None:
        check_minutes(request.minutes)
    with ctx.uow() as uow:
        clinic = clinic_of(uow, actor)
        current = _current(uow, actor, appointment_id, request.version)
        zone = ctx.clock.zone_of(clinic)
        if current.kind is AppointmentKind.CHECKIN:
            raise InvalidInput("kind", "a check-in day is the patient's own; it is not moved")
        changes_slot = any(
            v is not None for v in (request.day, request.time, request.provider_id, request.room_id)
        )
        if current.status is not AppointmentStatus.BOOKED and (changes_slot or not current.active):
            raise InvalidInput("status", f"an appointment {current.status.label} is not moved")
        was = current.starts_at.astimezone(zone) if current.starts_at else None
        day = request.day or (was.date() if was else current.due_on)
        time = request.time or (was.time() if was else None)
        if time is None:
            raise InvalidInput("time", "give the time of the appointment")
        minutes = request.minutes or current.minutes or lengths(uow, clinic.id, ctx.rules.book)[
            current.kind]  # fmt: skip
        device = None if request.clear_device else (request.device_id or current.device_id)
        retimed = bool(request.day or request.time)  # the patient's answers were for the old time
        moved = replace(
            current,
            due_on=day,
            starts_at=at_local(day, time, zone),
            minutes=minutes,
            provider_id=request.provider_id or current.provider_id,
            room_id=request.room_id or current.room_id,
            device_id=device,
            outside_window_reason=request.outside_window_reason.strip()
            or current.outside_window_reason,
            reminded_at=None if retimed else current.reminded_at,
            confirmed_at=None if retimed else current.confirmed_at,
            change_requested_at=None if retimed else current.change_requested_at,
        )
        check_booking(uow, ctx, clinic, moved)
        saved = uow.appointments.save(moved)
        if retimed:  # a reminder of the old time must not go out
            uow.notifications.withdraw_reminders(clinic.id, saved.id)
        audit.record(
            uow, actor, "move", "appointment", saved.id, patient_id=saved.patient_id,
            detail=describe(saved, zone),
        )  # fmt: skip
        uow.commit()
        return saved


def cancel(
    ctx: Context, actor: Actor, appointment_id: int, version: int, reason: str
) -> Appointment:
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        current = _current(uow, actor, appointment_id, version)
        check_transition(current.status, AppointmentStatus.CANCELLED, reason)
        saved = uow.appointments.save(
            replace(current, status=AppointmentStatus.CANCELLED, cancel_reason=reason.strip())
        )
        uow.notifications.withdraw_reminders(saved.clinic_id, saved.id)
        audit.record(
            uow, actor, "cancel", "appointment", saved.id, patient_id=saved.patient_id,
            detail=reason.strip(),
        )  # fmt: skip
        uow.commit()
        return saved


def mark(
    ctx: Context, actor: Actor, appointment_id: int, version: int, status: AppointmentStatus
) -> Appointment:
    """Arrived, no-show (or back to booked) at the front desk; in treatment and done by the
    clinician. Cancelling goes through ``cancel`` (it needs a reason)."""
    require(actor, Permission.BOOK)
    if status in CLINICIAN_STATUSES:
        require(actor, Permission.WRITE_CHART)
    if status is AppointmentStatus.CANCELLED:
        raise InvalidInput("status", "cancel with a reason")
    with ctx.uow() as uow:
        current = _current(uow, actor, appointment_id, version)
        if current.kind is AppointmentKind.CHECKIN:
            raise InvalidInput("kind", "a check-in day is marked by the patient's check-in")
        check_transition(current.status, status, "")
        if status.value in _HOLDING and not current.active and current.starts_at is not None:
            # a no-show who turns up after all takes the slot back only if it is still free
            check_booking(uow, ctx, clinic_of(uow, actor), replace(current, status=status))
        saved = uow.appointments.save(replace(current, status=status))
        audit.record(
            uow, actor, "mark", "appointment", saved.id, patient_id=saved.patient_id,
            detail=f"{current.status.value} -> {status.value}",
        )  # fmt: skip
        uow.commit()
        return saved


# --- shared checks -----------------------------------------------------------------------------


def check_booking(uow: UnitOfWork, ctx: Context, clinic: Clinic, draft: Appointment) -> None:
    """Refuse unknown people, rooms and devices, a clash (the patient booked elsewhere at that
    time included), or a next session outside the plan's window without a reason."""
    assert draft.starts_at is not None
    setup = load_setup(uow, clinic, ctx.clock.zone_of(clinic))
    problems: list[FieldProblem] = []
    if draft.provider_id not in setup.providers:
        problems.append(FieldProblem("provider_id", "is not a clinician of this clinic"))
    room = setup.rooms.get(draft.room_id) if draft.room_id is not None else None
    if draft.room_id is not None and (room is None or not room.active):
        problems.append(FieldProblem("room_id", "is not a room in use at this clinic"))
    device = setup.devices.get(draft.device_id) if draft.device_id is not None else None
    if draft.device_id is not None and (device is None or not device.active):
        problems.append(FieldProblem("device_id", "is not a device in use at this clinic"))
    if len(draft.outside_window_reason) > REASON_MAX:
        problems.append(FieldProblem("outside_window_reason", f"at most {REASON_MAX} characters"))
    problems.extend(_window_problems(uow, draft))
    if problems:
        raise InvalidInput.of(problems)
    patient = uow.patients.get(clinic.id, draft.patient_id)
    slot = Slot(draft.starts_at, draft.minutes, draft.provider_id, draft.room_id,
                draft.device_id, draft.id, draft.patient_id,
                patient.full_name if patient else "The patient")  # fmt: skip
    others = uow.appointments.clashing(
        clinic.id, slot.starts_at, slot.ends_at, slot.provider_id, slot.room_id, slot.device_id,
        draft.id, patient_id=draft.patient_id,
    )  # fmt: skip
    found = clashes(slot, others, setup)
    if found:
        raise BookingClash(found)


def _window_problems(uow: UnitOfWork, draft: Appointment) -> list[FieldProblem]:
    """The plan's next session outside its window needs a reason; later ones of a series are
    spaced by the series itself."""
    if draft.kind is not AppointmentKind.SESSION or draft.plan_id is None:
        return []
    plan = uow.charts.plan(draft.clinic_id, draft.plan_id)
    if plan is None or plan.patient_id != draft.patient_id:
        return [FieldProblem("plan_id", "is not a plan of this patient")]
    if plan.status is not PlanStatus.ACCEPTED:
        return [FieldProblem("plan_id", "the plan is not decided")]
    if draft.outside_window_reason:
        return []
    earlier = [
        a
        for a in uow.appointments.for_patient(draft.clinic_id, draft.patient_id)
        if a.plan_id == plan.id and a.kind is AppointmentKind.SESSION and a.id != draft.id
        and a.active and a.due_on < draft.due_on
    ]  # fmt: skip
    if earlier:
        return []
    chart = standing(uow.charts.chart(draft.clinic_id, draft.patient_id))
    window = next_session_window(plan, chart.sessions)
    if window is None or window.holds(draft.due_on):
        return []
    return [
        FieldProblem(
            "outside_window_reason",
            f"the plan's next session falls between {window.earliest} and {window.latest}; "
            "say why it is booked outside",
        )
    ]


def decided_plan_id(uow: UnitOfWork, actor: Actor, patient_id: int) -> int | None:
    """The patient's decided plan a treatment session belongs to (the latest), if any."""
    chart = standing(uow.charts.chart(actor.clinic_id, patient_id))
    decided = [p for p in chart.plans if p.status is PlanStatus.ACCEPTED]
    return max(decided, key=lambda p: (p.created_on, p.id)).id if decided else None


def _untimed_session(uow: UnitOfWork, actor: Actor, patient_id: int) -> Appointment | None:
    return next(
        (a for a in uow.appointments.for_patient(actor.clinic_id, patient_id)
         if a.kind is AppointmentKind.SESSION and a.status is AppointmentStatus.BOOKED
         and a.starts_at is None),
        None,
    )  # fmt: skip


def _current(uow: UnitOfWork, actor: Actor, appointment_id: int, version: int) -> Appointment:
    current = uow.appointments.get(actor.clinic_id, appointment_id)
    if current is None:
        raise NotFound("appointment", appointment_id)
    if current.version != version:
        raise VersionConflict("appointment", appointment_id, version, current.version)
    return current


def clinic_of(uow: UnitOfWork, actor: Actor) -> Clinic:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic", actor.clinic_id)
    return clinic


def patient_of(uow: UnitOfWork, actor: Actor, patient_id: int) -> Patient:
    patient = uow.patients.get(actor.clinic_id, patient_id)
    if patient is None:
        raise NotFound("patient", patient_id)
    return patient


def describe(appointment: Appointment, zone: dt.tzinfo) -> str:
    assert appointment.starts_at is not None
    start = appointment.starts_at.astimezone(zone)
    parts = [
        appointment.kind.value,
        f"{start:%Y-%m-%d %H:%M} {appointment.minutes} min",
        f"provider {appointment.provider_id}",
    ]
    if appointment.room_id:
        parts.append(f"room {appointment.room_id}")
    if appointment.device_id:
        parts.append(f"device {appointment.device_id}")
    if appointment.outside_window_reason:
        parts.append(f"outside the plan's window: {appointment.outside_window_reason}")
    return "; ".join(parts)
