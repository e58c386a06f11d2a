"""Booking from the decided plan: the next session's window (the plan's interval after the last
session), free slots proposed inside it, and the plan's remaining sessions booked as a series in
one step. The front desk uses it too: it reads dates and counts, never the plan's content."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.appointments import (
    Appointment,
    AppointmentKind,
    BookingClash,
    Clash,
    at_local,
    free_slots,
)
from resurface.domain.chart import PlanStatus, TreatmentPlan, TreatmentSession, standing
from resurface.domain.errors import InvalidInput
from resurface.domain.scheduling import (
    SessionWindow,
    next_session_window,
    remaining_sessions,
    series_days,
    series_interval,
)
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork
from resurface.services.scheduling.book import check_booking, clinic_of, describe, patient_of
from resurface.services.scheduling.setup import lengths, load_setup

if TYPE_CHECKING:
    from resurface.services.context import Context

SLOTS_SHOWN = 12
SLOTS_A_DAY = 3
"""Free slots proposed per day, so the proposals cover several days of the window."""


@dataclass(frozen=True)
class PlanWindow:
    plan_id: int
    window: SessionWindow | None
    """None: the plan has no session yet, so no interval runs (book the first when it suits)."""
    remaining: int
    interval: dt.timedelta
    booked: tuple[Appointment, ...]
    """The plan's sessions already booked ahead."""
    slots: tuple[dt.datetime, ...]
    """Free starts (UTC) inside the window for the provider and room asked about."""


def plan_window(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    *,
    provider_id: int | None = None,
    room_id: int | None = None,
    device_id: int | None = None,
) -> PlanWindow:
    """The patient's decided plan: when its next session may be, and free slots then."""
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        clinic = clinic_of(uow, actor)
        patient = patient_of(uow, actor, patient_id)
        plan, sessions = _decided_plan(uow, actor, patient.id)
        window = next_session_window(plan, sessions)
        zone = ctx.clock.zone_of(clinic)
        today = ctx.clock.today_of(clinic)
        setup = load_setup(uow, clinic, zone)
        minutes = lengths(uow, clinic.id, ctx.rules.book)[AppointmentKind.SESSION]
        slots: list[dt.datetime] = []
        if window is not None and (provider_id or room_id):
            first = max(window.earliest, today + dt.timedelta(days=1))
            days = [first + dt.timedelta(days=i) for i in range((window.latest - first).days + 1)]
            if days:
                start = at_local(days[0], dt.time(0), zone)
                end = at_local(days[-1] + dt.timedelta(days=1), dt.time(0), zone)
                booked = [
                    a for a in uow.appointments.between(clinic.id, start, end)
                    if a.provider_id == provider_id or a.room_id == room_id
                    or (device_id is not None and a.device_id == device_id)
                    or a.patient_id == patient.id
                ]  # fmt: skip
                slots = free_slots(days, minutes, provider_id, room_id, device_id, booked, setup,
                                   limit=SLOTS_SHOWN, per_day=SLOTS_A_DAY,
                                   patient_id=patient.id)  # fmt: skip
        ahead = tuple(
            a for a in uow.appointments.for_patient(clinic.id, patient.id)
            if a.plan_id == plan.id and a.kind is AppointmentKind.SESSION and a.active
        )  # fmt: skip
        audit.record(uow, actor, "plan_window_read", "plan", plan.id, patient_id=patient.id)
        uow.commit()
        return PlanWindow(
            plan.id, window, remaining_sessions(plan, sessions), series_interval(plan, sessions),
            ahead, tuple(slots),
        )  # fmt: skip


@dataclass(frozen=True)
class SeriesRequest:
    patient_id: int
    first_day: dt.date
    time: dt.time
    provider_id: int
    room_id: int | None = None
    device_id: int | None = None
    outside_window_reason: str = ""


def book_series(ctx: Context, actor: Actor, request: SeriesRequest) -> tuple[Appointment, ...]:
    """Book every remaining session of the decided plan at one time of day, the plan's interval
    apart, in one step: all of them or none (the first clash names its day)."""
    require(actor, Permission.BOOK)
    with ctx.uow() as uow:
        clinic = clinic_of(uow, actor)
        patient = patient_of(uow, actor, request.patient_id)
        plan, sessions = _decided_plan(uow, actor, patient.id)
        zone = ctx.clock.zone_of(clinic)
        already = [
            a for a in uow.appointments.for_patient(clinic.id, patient.id)
            if a.plan_id == plan.id and a.kind is AppointmentKind.SESSION and a.active
            and a.starts_at is not None
        ]  # fmt: skip
        count = remaining_sessions(plan, sessions) - len(already)
        if count <= 0:
            raise InvalidInput("patient_id", "every remaining session of the plan is booked")
        minutes = lengths(uow, clinic.id, ctx.rules.book)[AppointmentKind.SESSION]
        days = series_days(request.first_day, count, series_interval(plan, sessions))
        untimed = [
            a for a in uow.appointments.for_patient(clinic.id, patient.id)
            if a.kind is AppointmentKind.SESSION and a.active and a.starts_at is None
        ]  # fmt: skip
        booked: list[Appointment] = []
        for index, day in enumerate(days):
            reuse = untimed.pop(0) if untimed else None
            draft = Appointment(
                reuse.id if reuse else 0, clinic.id, patient.id, AppointmentKind.SESSION, day,
                after_session_id=reuse.after_session_id if reuse else None, plan_id=plan.id,
                starts_at=at_local(day, request.time, zone), minutes=minutes,
                provider_id=request.provider_id, room_id=request.room_id,
                device_id=request.device_id,
                outside_window_reason=request.outside_window_reason.strip() if index == 0 else "",
                version=reuse.version if reuse else 1,
            )  # fmt: skip
            try:
                check_booking(uow, ctx, clinic, draft)
            except BookingClash as clash:
                raise BookingClash(
                    [Clash(c.kind, f"{day}: {c.message}", c.appointment_id) for c in clash.clashes]
                ) from None
            saved = uow.appointments.save(draft) if reuse else uow.appointments.add(draft)
            booked.append(saved)
            audit.record(
                uow, actor, "book", "appointment", saved.id, patient_id=patient.id,
                detail=f"series {index + 1}/{count}; {describe(saved, zone)}",
            )  # fmt: skip
        uow.commit()
        return tuple(booked)


def _decided_plan(
    uow: UnitOfWork, actor: Actor, patient_id: int
) -> tuple[TreatmentPlan, tuple[TreatmentSession, ...]]:
    chart = standing(uow.charts.chart(actor.clinic_id, patient_id))
    decided = [p for p in chart.plans if p.status is PlanStatus.ACCEPTED]
    if not decided:
        raise NotFound("decided plan of patient", patient_id)
    plan = max(decided, key=lambda p: (p.created_on, p.id))
    return plan, chart.sessions
