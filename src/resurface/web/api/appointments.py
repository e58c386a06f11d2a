"""API: the appointment book. Read a range (with provider, room and patient filters), book,
move or resize (PATCH naming the ``version``), cancel with a reason, mark arrived / no-show /
in treatment / done; the plan's next-session window with free slots, and a series. A clash is a
409 problem naming every clash (``clashes``); a stale version a 409 too."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Response

from resurface.interop.icalendar_files import ics
from resurface.services.scheduling import book, feeds, plan_booking, views
from resurface.web.api.schemas.appointments import (
    BookedAppointmentOut,
    BookedSeriesOut,
    BookingIn,
    BookOut,
    CancelIn,
    MoveIn,
    PlanWindowOut,
    SeriesIn,
    StatusIn,
)
from resurface.web.api.schemas.common import IsoDate
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(prefix="/appointments", tags=["appointments"])

Id = Annotated[int | None, Query(ge=1)]


@router.get("", response_model=BookOut)
def list_appointments(
    ctx: ContextDep,
    actor: ActorDep,
    first: Annotated[IsoDate, Query(alias="from", description="first clinic-local day")],
    last: Annotated[
        IsoDate | None, Query(alias="to", description="last day (default: from)")
    ] = None,
    provider_id: Id = None,
    room_id: Id = None,
    patient_id: Id = None,
) -> BookOut:
    """At most 42 days at a time; times in UTC and in the clinic's wall clock."""
    view = views.read_book(
        ctx, actor, first, last or first,
        provider_id=provider_id, room_id=room_id, patient_id=patient_id,
    )  # fmt: skip
    return BookOut.of(view)


@router.post("", response_model=BookedAppointmentOut, status_code=201)
def create(ctx: ContextDep, session: CheckedSessionDep, body: BookingIn) -> BookedAppointmentOut:
    made = book.book(ctx, session.actor, body.to_request())
    return BookedAppointmentOut.of(views.entry_of(ctx, session.actor, made.id))


@router.get("/plan-window", response_model=PlanWindowOut)
def plan_window(
    ctx: ContextDep,
    actor: ActorDep,
    patient_id: Annotated[int, Query(ge=1)],
    provider_id: Id = None,
    room_id: Id = None,
    device_id: Id = None,
) -> PlanWindowOut:
    """The decided plan's next-session window and free slots in it for the provider/room."""
    found = plan_booking.plan_window(
        ctx, actor, patient_id, provider_id=provider_id, room_id=room_id, device_id=device_id
    )
    return PlanWindowOut.of(found)


@router.post("/series", response_model=BookedSeriesOut, status_code=201)
def series(ctx: ContextDep, session: CheckedSessionDep, body: SeriesIn) -> BookedSeriesOut:
    """Book the plan's remaining sessions in one step: all of them, or none."""
    made = plan_booking.book_series(ctx, session.actor, body.to_request())
    return BookedSeriesOut(ids=[a.id for a in made], days=[a.due_on for a in made])


@router.get("/{appointment_id}", response_model=BookedAppointmentOut)
def one(ctx: ContextDep, actor: ActorDep, appointment_id: int) -> BookedAppointmentOut:
    return BookedAppointmentOut.of(views.entry_of(ctx, actor, appointment_id))


@router.patch("/{appointment_id}", response_model=BookedAppointmentOut)
def move(
    ctx: ContextDep, session: CheckedSessionDep, appointment_id: int, body: MoveIn
) -> BookedAppointmentOut:
    """Move (day, time, provider, room, device) or resize (minutes); fields left out stay."""
    moved = book.move(ctx, session.actor, appointment_id, body.to_request())
    return BookedAppointmentOut.of(views.entry_of(ctx, session.actor, moved.id))


@router.post("/{appointment_id}/cancel", response_model=BookedAppointmentOut)
def cancel(
    ctx: ContextDep, session: CheckedSessionDep, appointment_id: int, body: CancelIn
) -> BookedAppointmentOut:
    done = book.cancel(ctx, session.actor, appointment_id, body.version, body.reason)
    return BookedAppointmentOut.of(views.entry_of(ctx, session.actor, done.id))


@router.post("/{appointment_id}/status", response_model=BookedAppointmentOut)
def mark(
    ctx: ContextDep, session: CheckedSessionDep, appointment_id: int, body: StatusIn
) -> BookedAppointmentOut:
    done = book.mark(ctx, session.actor, appointment_id, body.version, body.status)
    return BookedAppointmentOut.of(views.entry_of(ctx, session.actor, done.id))


@router.get(
    "/patients/{patient_id}.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}}},
)
def patient_ics(ctx: ContextDep, actor: ActorDep, patient_id: int) -> Response:
    """The patient's own appointments from today on, as an iCalendar file to give them."""
    calendar = feeds.patient_calendar(ctx, actor, patient_id)
    return Response(ics(calendar, now=ctx.clock.now()), media_type="text/calendar; charset=utf-8")
