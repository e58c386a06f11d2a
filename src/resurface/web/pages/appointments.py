"""The appointment book's pages: the day (one column per provider, room or device) and the week,
booking from an empty slot, one appointment with its move/resize, cancel and arrival forms, and
the plan's window with free slots and a series. Every form works without script; a refused
booking comes back filled in, with every clash and bad field named."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.appointments import (
    VISIT_KINDS,
    AppointmentKind,
    AppointmentStatus,
    BookingClash,
    week_of,
)
from resurface.domain.errors import FieldProblem, InvalidInput, VersionConflict
from resurface.services import patients as patient_service
from resurface.services.access import Permission
from resurface.services.context import Context
from resurface.services.errors import NotFound
from resurface.services.scheduling import book, plan_booking, views
from resurface.services.scheduling.views import BookEntry, BookView
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter(prefix="/book")
T = TypeVar("T")

STEP = 15
"""Minutes per row of the day grid."""
MAX_COLUMNS = 30
"""The day grid's placement classes (book-grid.css) go to 30 columns."""


@dataclass(frozen=True)
class Column:
    key: int
    name: str
    field: str
    """The booking form's field this column fills (provider_id, room_id, device_id)."""


@dataclass(frozen=True)
class Block:
    entry: BookEntry
    column: int
    row: int
    span: int


@dataclass(frozen=True)
class DayGrid:
    columns: tuple[Column, ...]
    times: tuple[dt.time, ...]
    blocks: tuple[Block, ...]
    open_rows: frozenset[int]
    """Rows inside opening hours."""
    past_rows: frozenset[int]
    """Rows already over (the whole of a past day): neither booked nor dropped onto."""

    def bookable(self, row: int) -> bool:
        return row in self.open_rows and row not in self.past_rows


def columns_of(view: BookView, by: str, first_id: int | None) -> tuple[Column, ...]:
    setup = view.setup
    if by == "room":
        return tuple(Column(r.id, r.name, "room_id") for r in setup.rooms.values() if r.active)
    if by == "device":
        return tuple(Column(d.id, d.name, "device_id") for d in setup.devices.values() if d.active)
    people = sorted(setup.providers.items(), key=lambda p: (p[0] != first_id, p[1].lower()))
    return tuple(Column(uid, name, "provider_id") for uid, name in people)


def day_grid(view: BookView, day: dt.date, by: str, first_id: int | None) -> DayGrid:
    """The day as rows of ``STEP`` minutes from the earliest opening (or the earliest
    appointment) to the latest closing, and one column per provider, room or device."""
    columns = columns_of(view, by, first_id)[:MAX_COLUMNS]
    hours = view.hours_of(day)
    entries = [e for e in view.on(day) if e.appointment.status is not AppointmentStatus.CANCELLED]
    opens = hours.opens if hours else dt.time(9)
    closes = hours.closes if hours else dt.time(17)
    start = min([_floor(opens), *(_floor(e.start.time()) for e in entries)])
    end = max([closes, *(e.end.time() for e in entries if e.end.date() == day)])
    base = dt.datetime.combine(day, start)
    count = max(int((dt.datetime.combine(day, end) - base).total_seconds() // (STEP * 60)), 1)
    times = tuple((base + dt.timedelta(minutes=STEP * i)).time() for i in range(count))
    index = {c.key: i for i, c in enumerate(columns)}
    blocks = []
    for entry in entries:
        key = _key_of(entry, by)
        if key not in index:
            continue
        offset = dt.datetime.combine(day, entry.start.time()) - base
        row = int(offset.total_seconds() // (STEP * 60))
        span = max(-(-entry.appointment.minutes // STEP), 1)
        blocks.append(Block(entry, index[key], row, min(span, count - row)))
    open_rows = frozenset(
        i for i, t in enumerate(times) if hours is not None and hours.opens <= t < hours.closes
    )
    now = view.now.replace(tzinfo=None)
    past_rows = frozenset(
        i for i, t in enumerate(times)
        if dt.datetime.combine(day, t) + dt.timedelta(minutes=STEP) <= now
    )  # fmt: skip
    return DayGrid(columns, times, tuple(blocks), open_rows, past_rows)


def _key_of(entry: BookEntry, by: str) -> int | None:
    a = entry.appointment
    return {"provider": a.provider_id, "room": a.room_id, "device": a.device_id}[by]


def _floor(time: dt.time) -> dt.time:
    return time.replace(minute=time.minute - time.minute % STEP, second=0, microsecond=0)


def _given_day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _day(value: str | None, fallback: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value) if value else fallback
    except ValueError:
        return fallback


@router.get("")
def book_page(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    day: Annotated[str | None, Query(max_length=10)] = None,
    view: Annotated[str, Query(pattern="^(day|week)$")] = "day",
    by: Annotated[str, Query(pattern="^(provider|room|device)$")] = "provider",
) -> Response:
    """The day (a grid) or the week (a table) of the book."""
    actor = session.actor
    shown = _given_day(day) or views.clinic_today(ctx, actor)
    days = week_of(shown) if view == "week" else (shown,)
    found = views.read_book(ctx, actor, days[0], days[-1])
    mine = actor.user_id if actor.user_id in found.setup.providers else None
    grid = day_grid(found, shown, by, mine) if view == "day" else None
    cells: dict[tuple[int | None, dt.date], list[BookEntry]] = {}
    if view == "week":
        for entry in found.entries:
            cells.setdefault((_key_of(entry, by), entry.start.date()), []).append(entry)
    return page(
        request,
        "book.html",
        session,
        book=found,
        shown=shown,
        mode=view,
        by=by,
        grid=grid,
        columns=columns_of(found, by, mine),
        days=days,
        step=STEP,
        previous=shown - dt.timedelta(days=7 if view == "week" else 1),
        following=shown + dt.timedelta(days=7 if view == "week" else 1),
        cells=cells,
        saved=request.query_params.get("saved", ""),
    )


# --- booking from an empty slot ----------------------------------------------------------------


def _form_page(
    request: Request,
    ctx: Context,
    session: Session,
    form: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    clashes: list[str] | None = None,
    status: int = 200,
) -> Response:
    actor = session.actor
    day = _day(form.get("day"), views.clinic_today(ctx, actor))
    found = views.read_book(ctx, actor, day, day)
    people = patient_service.list_patients(
        ctx, actor, patient_service.PatientQuery(text="", page=1, per_page=200)
    )
    window = None
    patient_id = _int(form.get("patient_id"))
    if form.get("kind") == AppointmentKind.SESSION.value and patient_id:
        try:
            window = plan_booking.plan_window(
                ctx,
                actor,
                patient_id,
                provider_id=_int(form.get("provider_id")),
                room_id=_int(form.get("room_id")),
                device_id=_int(form.get("device_id")),
            )
        except NotFound:
            window = None
    return page(
        request,
        "book_form.html",
        session,
        status_code=status,
        book=found,
        form=form,
        errors=errors or {},
        clashes=clashes or [],
        kinds=VISIT_KINDS,
        patients=[s.patient for s in people.items],
        window=window,
    )


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number is not None and 0 < number < 2**31 else None


@router.get("/new")
def new_booking(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    wanted = ("patient_id", "kind", "day", "time", "minutes", "provider_id", "room_id", "device_id")
    form = {k: request.query_params.get(k, "")[:20] for k in wanted}
    form["kind"] = form["kind"] or AppointmentKind.SESSION.value
    return _form_page(request, ctx, session, form)


@router.post("/new")
def create_booking(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: Annotated[str, Form(max_length=12)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=8)] = "",
    minutes: Annotated[str, Form(max_length=4)] = "",
    provider_id: Annotated[str, Form(max_length=12)] = "",
    room_id: Annotated[str, Form(max_length=12)] = "",
    device_id: Annotated[str, Form(max_length=12)] = "",
    outside_window_reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {
        "patient_id": patient_id,
        "kind": kind,
        "day": day,
        "time": time,
        "minutes": minutes,
        "provider_id": provider_id,
        "room_id": room_id,
        "device_id": device_id,
        "outside_window_reason": outside_window_reason,
    }
    try:
        read = _Fields()
        request_ = book.BookingRequest(
            patient_id=read.whole(patient_id, "patient_id"),
            kind=read.kind(kind),
            day=read.day(day),
            time=read.time(time),
            provider_id=read.whole(provider_id, "provider_id"),
            room_id=_int(room_id),
            device_id=_int(device_id),
            minutes=read.minutes(minutes),
            outside_window_reason=outside_window_reason,
        )
        read.check()
        made = book.book(ctx, session.actor, request_)
    except InvalidInput as error:
        return _form_page(request, ctx, session, form, errors=error.by_field(), status=422)
    except BookingClash as clash:
        messages = [c.message for c in clash.clashes]
        return _form_page(request, ctx, session, form, clashes=messages, status=409)
    return RedirectResponse(f"/book?day={made.due_on}&saved=booked", status_code=303)


class _Fields:
    """Reads a form's fields, collecting every problem so the page names them all at once."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def _try(self, read: Callable[[], T], fallback: T) -> T:
        try:
            return read()
        except InvalidInput as error:
            self.problems.extend(error.problems)
            return fallback

    def whole(self, value: str, field: str) -> int:
        return self._try(lambda: _need_int(value, field), 0)

    def day(self, value: str) -> dt.date:
        return self._try(lambda: _need_date(value), dt.date.min)

    def time(self, value: str) -> dt.time:
        return self._try(lambda: _need_time(value), dt.time(0))

    def kind(self, value: str) -> AppointmentKind:
        return self._try(lambda: _kind(value), AppointmentKind.OTHER)

    def minutes(self, value: str) -> int | None:
        return self._try(lambda: _minutes(value), None)

    def check(self) -> None:
        if self.problems:
            raise InvalidInput.of(self.problems)


def _need_int(value: str, field: str) -> int:
    number = _int(value)
    if number is None:
        raise InvalidInput(field, "choose one")
    return number


def _need_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("day", "give a date like 2026-12-05") from None


def _need_time(value: str) -> dt.time:
    try:
        return dt.time.fromisoformat(value).replace(second=0, microsecond=0)
    except ValueError:
        raise InvalidInput("time", "give a time like 10:30") from None


def _kind(value: str) -> AppointmentKind:
    try:
        return AppointmentKind(value)
    except ValueError:
        raise InvalidInput("kind", "choose a kind of appointment") from None


def _minutes(value: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise InvalidInput("minutes", "a whole number of minutes") from None


@router.post("/series")
def create_series(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: Annotated[str, Form(max_length=12)] = "",
    day: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=8)] = "",
    provider_id: Annotated[str, Form(max_length=12)] = "",
    room_id: Annotated[str, Form(max_length=12)] = "",
    device_id: Annotated[str, Form(max_length=12)] = "",
    outside_window_reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {
        "patient_id": patient_id,
        "kind": AppointmentKind.SESSION.value,
        "day": day,
        "time": time,
        "provider_id": provider_id,
        "room_id": room_id,
        "device_id": device_id,
        "outside_window_reason": outside_window_reason,
    }
    try:
        read = _Fields()
        series = plan_booking.SeriesRequest(
            read.whole(patient_id, "patient_id"),
            read.day(day),
            read.time(time),
            read.whole(provider_id, "provider_id"),
            _int(room_id),
            _int(device_id),
            outside_window_reason,
        )
        read.check()
        made = plan_booking.book_series(ctx, session.actor, series)
    except InvalidInput as error:
        return _form_page(request, ctx, session, form, errors=error.by_field(), status=422)
    except BookingClash as clash:
        messages = [c.message for c in clash.clashes]
        return _form_page(request, ctx, session, form, clashes=messages, status=409)
    return RedirectResponse(f"/book?day={made[0].due_on}&view=week&saved=series", status_code=303)


# --- one appointment: move, resize, cancel, mark ------------------------------------------------


def _appointment_page(
    request: Request,
    ctx: Context,
    session: Session,
    appointment_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    clashes: list[str] | None = None,
    status: int = 200,
) -> Response:
    entry = views.entry_of(ctx, session.actor, appointment_id)
    found = views.read_book(ctx, session.actor, entry.start.date(), entry.start.date())
    a = entry.appointment
    filled = {
        "day": entry.start.date().isoformat(),
        "time": f"{entry.start:%H:%M}" if a.starts_at else "",
        "minutes": str(a.minutes or found.lengths.get(a.kind, 30)),
        "provider_id": str(a.provider_id or ""),
        "room_id": str(a.room_id or ""),
        "device_id": str(a.device_id or ""),
        "reason": "",
        "outside_window_reason": "",
    } | (form or {})
    marks = _marks(session, a.status)
    return page(
        request,
        "book_appointment.html",
        session,
        status_code=status,
        entry=entry,
        book=found,
        form=filled,
        errors=errors or {},
        clashes=clashes or [],
        marks=marks,
        saved=request.query_params.get("saved", ""),
    )


def _marks(session: Session, current: AppointmentStatus) -> list[tuple[str, str]]:
    from resurface.domain.appointments import TRANSITIONS

    labels = [
        (AppointmentStatus.ARRIVED, "Arrived"),
        (AppointmentStatus.NO_SHOW, "No-show"),
        (AppointmentStatus.IN_TREATMENT, "In treatment"),
        (AppointmentStatus.DONE, "Done"),
        (AppointmentStatus.BOOKED, "Back to booked"),
    ]
    clinical = session.actor.may(Permission.WRITE_CHART)
    return [
        (s.value, label)
        for s, label in labels
        if s in TRANSITIONS[current] and (clinical or s not in book.CLINICIAN_STATUSES)
    ]


@router.get("/appointments/{appointment_id}")
def appointment(
    request: Request, ctx: ContextDep, session: SessionDep, appointment_id: int
) -> Response:
    return _appointment_page(request, ctx, session, appointment_id)


@router.post("/appointments/{appointment_id}/move")
def move(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    appointment_id: int,
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    day: Annotated[str, Form(max_length=10)] = "",
    time: Annotated[str, Form(max_length=8)] = "",
    minutes: Annotated[str, Form(max_length=4)] = "",
    provider_id: Annotated[str, Form(max_length=12)] = "",
    room_id: Annotated[str, Form(max_length=12)] = "",
    device_id: Annotated[str, Form(max_length=12)] = "",
    outside_window_reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {
        "day": day,
        "time": time,
        "minutes": minutes,
        "provider_id": provider_id,
        "room_id": room_id,
        "device_id": device_id,
        "outside_window_reason": outside_window_reason,
    }
    try:
        read = _Fields()
        wanted = book.MoveRequest(
            version,
            read.day(day),
            read.time(time),
            read.minutes(minutes),
            _int(provider_id),
            _int(room_id),
            _int(device_id),
            clear_device=not device_id,
            outside_window_reason=outside_window_reason,
        )
        read.check()
        moved = book.move(ctx, session.actor, appointment_id, wanted)
    except InvalidInput as error:
        return _appointment_page(
            request, ctx, session, appointment_id, form=form, errors=error.by_field(), status=422
        )
    except BookingClash as clash:
        return _appointment_page(
            request,
            ctx,
            session,
            appointment_id,
            form=form,
            clashes=[c.message for c in clash.clashes],
            status=409,
        )
    except VersionConflict as stale:
        return _appointment_page(
            request, ctx, session, appointment_id, form=form, clashes=[str(stale)], status=409
        )
    return RedirectResponse(f"/book?day={moved.due_on}&saved=moved", status_code=303)


@router.post("/appointments/{appointment_id}/cancel")
def cancel(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    appointment_id: int,
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        done = book.cancel(ctx, session.actor, appointment_id, version, reason)
    except InvalidInput as error:
        return _appointment_page(
            request,
            ctx,
            session,
            appointment_id,
            form={"reason": reason},
            errors=error.by_field(),
            status=422,
        )
    except VersionConflict as stale:
        return _appointment_page(
            request, ctx, session, appointment_id, clashes=[str(stale)], status=409
        )
    return RedirectResponse(f"/book?day={done.due_on}&saved=cancelled", status_code=303)


@router.post("/appointments/{appointment_id}/status")
def mark(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    appointment_id: int,
    version: Annotated[int, Form(ge=1, le=2**31 - 1)],
    status: Annotated[AppointmentStatus, Form()],
    back: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    try:
        done = book.mark(ctx, session.actor, appointment_id, version, status)
    except VersionConflict as stale:
        return _appointment_page(
            request, ctx, session, appointment_id, clashes=[str(stale)], status=409
        )
    target = "/" if back == "today" else f"/book/appointments/{done.id}?saved={status.value}"
    return RedirectResponse(target, status_code=303)
