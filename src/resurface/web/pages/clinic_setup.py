"""The medical director's set-up of the clinic's book: opening hours, closures, rooms, devices,
clinicians' working days, lengths of appointments. A refused change comes back with every error
on its field."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.appointments import AppointmentKind
from resurface.domain.clinic_setup import WEEKDAYS
from resurface.domain.errors import InvalidInput
from resurface.services.context import Context
from resurface.services.scheduling import setup
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter(prefix="/admin/book-setup")


def _page(
    request: Request,
    ctx: Context,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    view = setup.view_setup(ctx, session.actor)
    return page(
        request,
        "book_setup.html",
        session,
        status_code=status,
        setup=view,
        weekdays=WEEKDAYS,
        errors=errors or {},
        saved=request.query_params.get("saved") == "1",
    )


def _saved() -> Response:
    return RedirectResponse("/admin/book-setup?saved=1", status_code=303)


@router.get("")
def setup_page(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    return _page(request, ctx, session)


@router.post("/hours")
async def set_hours(request: Request, ctx: ContextDep, session: CheckedSessionDep) -> Response:
    form = await request.form()
    week: dict[int, tuple[dt.time, dt.time] | None] = {}
    errors: dict[str, str] = {}
    for day in range(7):
        if form.get(f"open_{day}") != "1":
            week[day] = None
            continue
        try:
            week[day] = (
                dt.time.fromisoformat(str(form.get(f"opens_{day}", ""))[:5]),
                dt.time.fromisoformat(str(form.get(f"closes_{day}", ""))[:5]),
            )
        except ValueError:
            errors[f"hours[{day}]"] = f"give {WEEKDAYS[day]}'s times like 09:00"
    if not errors:
        try:
            setup.set_hours(ctx, session.actor, week)
        except InvalidInput as error:
            errors = error.by_field()
    if errors:
        return _page(request, ctx, session, errors=errors, status=422)
    return _saved()


@router.post("/rooms")
def add_room(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        setup.add_room(ctx, session.actor, name)
    except InvalidInput as error:
        return _page(request, ctx, session, errors={"room_name": error.message}, status=422)
    return _saved()


@router.post("/rooms/{room_id}")
def save_room(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    room_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    active: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    try:
        setup.save_room(ctx, session.actor, room_id, name, active == "1")
    except InvalidInput as error:
        return _page(request, ctx, session, errors={f"room_{room_id}": error.message}, status=422)
    return _saved()


@router.post("/devices")
def add_device(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        setup.add_device(ctx, session.actor, name)
    except InvalidInput as error:
        return _page(request, ctx, session, errors={"device_name": error.message}, status=422)
    return _saved()


@router.post("/devices/{device_id}")
def save_device(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    device_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    active: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    try:
        setup.save_device(ctx, session.actor, device_id, name, active == "1")
    except InvalidInput as error:
        errors = {f"device_{device_id}": error.message}
        return _page(request, ctx, session, errors=errors, status=422)
    return _saved()


@router.post("/closures")
def add_closure(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    first_day: Annotated[str, Form(max_length=10)] = "",
    last_day: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        first = _date(first_day, "first_day")
        setup.add_closure(
            ctx, session.actor, first, _date(last_day or first_day, "last_day"), reason
        )
    except InvalidInput as error:
        return _page(request, ctx, session, errors=error.by_field(), status=422)
    return _saved()


@router.post("/closures/{closure_id}/remove")
def remove_closure(ctx: ContextDep, session: CheckedSessionDep, closure_id: int) -> Response:
    setup.remove_closure(ctx, session.actor, closure_id)
    return _saved()


@router.post("/working-days/{user_id}")
async def working_days(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, user_id: int
) -> Response:
    form = await request.form()
    days = None
    if form.get("any") != "1":
        days = frozenset(d for d in range(7) if form.get(f"day_{d}") == "1")
    setup.set_working_days(ctx, session.actor, user_id, days)
    return _saved()


@router.post("/lengths")
async def lengths(request: Request, ctx: ContextDep, session: CheckedSessionDep) -> Response:
    form = await request.form()
    errors: dict[str, str] = {}
    view = setup.view_setup(ctx, session.actor)
    for kind, current in view.lengths.items():
        text = str(form.get(f"length_{kind.value}", ""))[:4]
        try:
            minutes = int(text)
        except ValueError:
            errors[f"length_{kind.value}"] = "a whole number of minutes"
            continue
        if minutes != current:
            try:
                setup.set_length(ctx, session.actor, AppointmentKind(kind), minutes)
            except InvalidInput as error:
                errors[f"length_{kind.value}"] = error.message
    if errors:
        return _page(request, ctx, session, errors=errors, status=422)
    return _saved()


def _date(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(field, "give a date like 2026-12-24") from None


@router.post("/reminders")
def reminders(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    hours: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    try:
        setup.set_reminder_hours(ctx, session.actor, _hours(hours))
    except InvalidInput as error:
        return _page(request, ctx, session, errors=error.by_field(), status=422)
    return _saved()


def _hours(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidInput("reminder_hours", "a whole number of hours") from None
