"""API: the clinic's set-up for its appointment book (the medical director's): opening hours,
closures, rooms, devices, clinicians' working days and the length of each kind of visit."""

from __future__ import annotations

import datetime as dt

from fastapi import Response

from resurface.domain.appointments import AppointmentKind
from resurface.services.scheduling import setup
from resurface.web.api.schemas.appointments import (
    ClosureIn,
    ClosureOut,
    HoursIn,
    LengthIn,
    NamedIn,
    NamedOut,
    NameIn,
    RemindersIn,
    SetupOut,
    WorkingDaysIn,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(prefix="/clinic/setup", tags=["clinic set-up"])


def _view(ctx: ContextDep, session: CheckedSessionDep) -> SetupOut:
    return SetupOut.of(setup.view_setup(ctx, session.actor))


@router.get("", response_model=SetupOut)
def read(ctx: ContextDep, actor: ActorDep) -> SetupOut:
    return SetupOut.of(setup.view_setup(ctx, actor))


@router.put("/hours", response_model=SetupOut)
def set_hours(ctx: ContextDep, session: CheckedSessionDep, body: HoursIn) -> SetupOut:
    """The whole week; a weekday left out is closed."""
    week = {
        d.weekday: (dt.time.fromisoformat(d.opens), dt.time.fromisoformat(d.closes))
        for d in body.days
    }
    setup.set_hours(ctx, session.actor, dict(week))
    return _view(ctx, session)


@router.post("/closures", response_model=ClosureOut, status_code=201)
def add_closure(ctx: ContextDep, session: CheckedSessionDep, body: ClosureIn) -> ClosureOut:
    made = setup.add_closure(ctx, session.actor, body.first_day, body.last_day, body.reason)
    return ClosureOut(id=made.id, first_day=made.first_day, last_day=made.last_day,
                      reason=made.reason)  # fmt: skip


@router.delete("/closures/{closure_id}", status_code=204)
def remove_closure(ctx: ContextDep, session: CheckedSessionDep, closure_id: int) -> Response:
    setup.remove_closure(ctx, session.actor, closure_id)
    return Response(status_code=204)


@router.post("/rooms", response_model=NamedOut, status_code=201)
def add_room(ctx: ContextDep, session: CheckedSessionDep, body: NameIn) -> NamedOut:
    room = setup.add_room(ctx, session.actor, body.name)
    return NamedOut(id=room.id, name=room.name, active=room.active)


@router.patch("/rooms/{room_id}", response_model=NamedOut)
def save_room(ctx: ContextDep, session: CheckedSessionDep, room_id: int, body: NamedIn) -> NamedOut:
    room = setup.save_room(ctx, session.actor, room_id, body.name, body.active)
    return NamedOut(id=room.id, name=room.name, active=room.active)


@router.post("/devices", response_model=NamedOut, status_code=201)
def add_device(ctx: ContextDep, session: CheckedSessionDep, body: NameIn) -> NamedOut:
    device = setup.add_device(ctx, session.actor, body.name)
    return NamedOut(id=device.id, name=device.name, active=device.active)


@router.patch("/devices/{device_id}", response_model=NamedOut)
def save_device(
    ctx: ContextDep, session: CheckedSessionDep, device_id: int, body: NamedIn
) -> NamedOut:
    device = setup.save_device(ctx, session.actor, device_id, body.name, body.active)
    return NamedOut(id=device.id, name=device.name, active=device.active)


@router.put("/working-days/{user_id}", response_model=SetupOut)
def set_working_days(
    ctx: ContextDep, session: CheckedSessionDep, user_id: int, body: WorkingDaysIn
) -> SetupOut:
    days = None if body.weekdays is None else frozenset(body.weekdays)
    setup.set_working_days(ctx, session.actor, user_id, days)
    return _view(ctx, session)


@router.put("/lengths/{kind}", response_model=SetupOut)
def set_length(
    ctx: ContextDep, session: CheckedSessionDep, kind: AppointmentKind, body: LengthIn
) -> SetupOut:
    setup.set_length(ctx, session.actor, kind, body.minutes)
    return _view(ctx, session)


@router.put("/reminders", response_model=SetupOut)
def set_reminders(ctx: ContextDep, session: CheckedSessionDep, body: RemindersIn) -> SetupOut:
    """How long before an appointment the patient is e-mailed a reminder (0: none)."""
    setup.set_reminder_hours(ctx, session.actor, body.hours)
    return _view(ctx, session)
