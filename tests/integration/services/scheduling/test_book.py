"""Booking, moving, resizing, cancelling and marking on real storage (SQLite and PostgreSQL):
clashes refused with what clashes, versions, who may do what, the audit trail, the plan's
window and its reason, a series in one step, daylight saving."""

from __future__ import annotations

import datetime as dt

import pytest

from resurface.bootstrap import Runtime
from resurface.domain.appointments import (
    AppointmentKind,
    AppointmentStatus,
    BookingClash,
    ClashKind,
    TransitionRefused,
)
from resurface.domain.audit import AuditFilter
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services.errors import NotFound, PermissionDenied
from resurface.services.scheduling import book as booking
from resurface.services.scheduling import plan_booking, setup, views
from resurface.services.scheduling.book import BookingRequest, MoveRequest
from tests.integration.services.scheduling.conftest import TODAY, Book, open_book

TUESDAY = TODAY + dt.timedelta(days=1)
REVIEW = AppointmentKind.REVIEW


def review(b: Book, at: dt.time, day: dt.date = TUESDAY, **kw: object) -> BookingRequest:
    values: dict[str, object] = {"patient_id": b.patient_id, "kind": REVIEW, "day": day,
                                 "time": at, "provider_id": b.clinician.user_id,
                                 "room_id": b.room1}  # fmt: skip
    return BookingRequest(**(values | kw))  # type: ignore[arg-type]


def test_the_front_desk_books_a_review_at_the_clinics_default_length(book: Book) -> None:
    made = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    assert made.minutes == 20  # appointments.yaml
    assert made.starts_at == dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)  # GMT in March
    assert made.status is AppointmentStatus.BOOKED and made.version == 1
    setup.set_length(book.ctx, book.director, REVIEW, 25)
    longer = booking.book(book.ctx, book.desk, review(book, dt.time(11)))
    assert longer.minutes == 25


def test_a_double_booking_is_refused_naming_the_clinician_room_and_laser(book: Book) -> None:
    first = booking.book(book.ctx, book.desk, review(book, dt.time(10), device_id=book.laser,
                                                    minutes=60))  # fmt: skip
    other = book.other_patient_id
    with pytest.raises(BookingClash) as refused:
        booking.book(book.ctx, book.desk, review(book, dt.time(10, 30), device_id=book.laser,
                                                patient_id=other))  # fmt: skip
    assert [c.kind for c in refused.value.clashes] == [
        ClashKind.PROVIDER, ClashKind.ROOM, ClashKind.DEVICE,
    ]  # fmt: skip
    assert "Room 1 is already booked 10:00-11:00" in str(refused.value)
    assert all(c.appointment_id == first.id for c in refused.value.clashes)
    other_room = review(book, dt.time(10, 30), room_id=book.room2, patient_id=other,
                        provider_id=book.director.user_id, device_id=book.laser)  # fmt: skip
    with pytest.raises(BookingClash) as laser:
        booking.book(book.ctx, book.desk, other_room)
    assert [c.kind for c in laser.value.clashes] == [ClashKind.DEVICE]


def test_the_patient_booked_twice_at_once_is_refused_naming_the_patient(book: Book) -> None:
    """Another clinician in another room is free, but the patient is with the first one."""
    first = booking.book(book.ctx, book.desk, review(book, dt.time(10), minutes=30))
    elsewhere = review(book, dt.time(10, 15), provider_id=book.director.user_id,
                       room_id=book.room2)  # fmt: skip
    with pytest.raises(BookingClash) as refused:
        booking.book(book.ctx, book.desk, elsewhere)
    assert [c.kind for c in refused.value.clashes] == [ClashKind.PATIENT]
    assert refused.value.clashes[0].appointment_id == first.id
    name = book.seeded.patient.full_name
    assert str(refused.value).startswith(f"{name} already has an appointment 10:00-10:30")
    later = booking.book(book.ctx, book.desk, replace_time(elsewhere, dt.time(10, 30)))
    with pytest.raises(BookingClash) as moved:  # a move onto the patient's other visit too
        booking.move(book.ctx, book.desk, later.id, MoveRequest(later.version, time=dt.time(10)))
    assert [c.kind for c in moved.value.clashes] == [ClashKind.PATIENT]


def replace_time(request: BookingRequest, at: dt.time) -> BookingRequest:
    from dataclasses import replace

    return replace(request, time=at)


def test_hours_closures_and_days_off_are_refused(book: Book) -> None:
    with pytest.raises(BookingClash) as early:
        booking.book(book.ctx, book.desk, review(book, dt.time(8, 30)))
    assert "outside opening hours" in str(early.value)
    friday = TODAY + dt.timedelta(days=4)
    with pytest.raises(BookingClash) as off:
        booking.book(book.ctx, book.desk, review(book, dt.time(10), day=friday))
    assert [c.kind for c in off.value.clashes] == [ClashKind.DAY_OFF]
    setup.add_closure(book.ctx, book.director, TUESDAY, TUESDAY, "Staff training")
    with pytest.raises(BookingClash) as closed:
        booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    assert "Staff training" in str(closed.value)


def test_unknown_rooms_providers_and_patients_are_named(runtime: Runtime) -> None:
    north = open_book(runtime, "north")
    south = open_book(runtime, "south")
    with pytest.raises(InvalidInput) as refused:
        booking.book(north.ctx, north.desk, review(north, dt.time(10), room_id=south.room1,
                                                   provider_id=north.desk.user_id))  # fmt: skip
    assert set(refused.value.by_field()) == {"provider_id", "room_id"}
    with pytest.raises(NotFound):
        booking.book(north.ctx, north.desk, review(north, dt.time(10), patient_id=south.patient_id))


def test_a_move_names_its_version_and_a_stale_one_is_refused(book: Book) -> None:
    made = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    moved = booking.move(book.ctx, book.desk, made.id, MoveRequest(1, time=dt.time(14)))
    assert moved.version == 2 and moved.starts_at == dt.datetime(2026, 3, 3, 14, tzinfo=dt.UTC)
    with pytest.raises(VersionConflict):
        booking.move(book.ctx, book.desk, made.id, MoveRequest(1, time=dt.time(15)))
    resized = booking.move(book.ctx, book.desk, made.id, MoveRequest(2, minutes=45))
    assert resized.minutes == 45 and resized.starts_at == moved.starts_at


def test_a_move_onto_a_taken_slot_is_refused_then_a_free_one_accepted(book: Book) -> None:
    booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    other = booking.book(book.ctx, book.desk, review(book, dt.time(12),
                                                    patient_id=book.other_patient_id))  # fmt: skip
    with pytest.raises(BookingClash) as refused:
        booking.move(book.ctx, book.desk, other.id, MoveRequest(1, time=dt.time(10, 10)))
    assert [c.kind for c in refused.value.clashes] == [ClashKind.PROVIDER, ClashKind.ROOM]
    ok = booking.move(book.ctx, book.desk, other.id, MoveRequest(1, time=dt.time(10, 20)))
    assert ok.starts_at is not None and ok.starts_at.hour == 10


def test_cancel_needs_a_reason_and_frees_the_slot(book: Book) -> None:
    made = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    with pytest.raises(InvalidInput):
        booking.cancel(book.ctx, book.desk, made.id, 1, " ")
    cancelled = booking.cancel(book.ctx, book.desk, made.id, 1, "patient has flu")
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert cancelled.cancel_reason == "patient has flu"
    booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    with pytest.raises(TransitionRefused):
        booking.cancel(book.ctx, book.desk, made.id, 2, "again")


def test_arrival_and_no_show_at_the_desk_treatment_and_done_by_the_clinician(book: Book) -> None:
    made = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    arrived = booking.mark(book.ctx, book.desk, made.id, 1, AppointmentStatus.ARRIVED)
    with pytest.raises(PermissionDenied):
        booking.mark(book.ctx, book.desk, made.id, 2, AppointmentStatus.IN_TREATMENT)
    treated = booking.mark(book.ctx, book.clinician, made.id, arrived.version,
                           AppointmentStatus.IN_TREATMENT)  # fmt: skip
    done = booking.mark(book.ctx, book.clinician, made.id, treated.version, AppointmentStatus.DONE)
    assert done.status is AppointmentStatus.DONE
    late = booking.book(book.ctx, book.desk, review(book, dt.time(11)))
    gone = booking.mark(book.ctx, book.desk, late.id, 1, AppointmentStatus.NO_SHOW)
    assert gone.status is AppointmentStatus.NO_SHOW
    assert booking.book(book.ctx, book.desk, review(book, dt.time(11))).id  # the slot is free
    with pytest.raises(BookingClash):  # came late after all, but the slot is taken now
        booking.mark(book.ctx, book.desk, late.id, 2, AppointmentStatus.ARRIVED)


def test_every_write_and_read_of_the_book_is_audited(book: Book) -> None:
    made = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    booking.move(book.ctx, book.desk, made.id, MoveRequest(1, time=dt.time(11)))
    booking.cancel(book.ctx, book.desk, made.id, 2, "moved away")
    views.read_book(book.ctx, book.desk, TUESDAY, TUESDAY)
    with book.ctx.uow() as uow:
        events, _ = uow.audit.search(book.seeded.clinic.id, AuditFilter(), 0, 500)
    entries = [e.entry for e in events]
    actions = [e.action for e in entries if e.record_type in ("appointment", "clinic")]
    assert {"book", "move", "cancel", "book_read", "set_hours"} <= set(actions)
    booked = next(e for e in entries if e.action == "book")
    assert (
        booked.patient_id == book.patient_id and "review; 2026-03-03 10:00 20 min" in booked.detail
    )


def test_the_week_across_the_spring_change_keeps_wall_clock_times(book: Book) -> None:
    monday_after = dt.date(2026, 3, 30)  # British Summer Time from 29 March
    before = booking.book(book.ctx, book.desk, review(book, dt.time(9), day=dt.date(2026, 3, 26)))
    after = booking.book(book.ctx, book.desk, review(book, dt.time(9), day=monday_after))
    assert before.starts_at == dt.datetime(2026, 3, 26, 9, tzinfo=dt.UTC)
    assert after.starts_at == dt.datetime(2026, 3, 30, 8, tzinfo=dt.UTC)
    week = views.read_book(book.ctx, book.desk, dt.date(2026, 3, 23), dt.date(2026, 4, 5))
    assert [(e.start.date(), e.start.time()) for e in week.entries] == [
        (dt.date(2026, 3, 26), dt.time(9)), (monday_after, dt.time(9)),
    ]  # fmt: skip
    with pytest.raises(BookingClash):  # 08:30 BST is before opening, though 07:30 UTC
        booking.book(book.ctx, book.desk, review(book, dt.time(8, 30), day=monday_after))


def test_the_book_reads_a_range_and_filters(book: Book) -> None:
    a = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    b = booking.book(book.ctx, book.desk, review(book, dt.time(10), room_id=book.room2,
                                                provider_id=book.director.user_id,
                                                patient_id=book.other_patient_id))  # fmt: skip
    whole = views.read_book(book.ctx, book.clinician, TODAY, TODAY + dt.timedelta(days=6))
    assert [e.appointment.id for e in whole.entries] == [a.id, b.id]
    assert whole.entries[0].room == "Room 1" and whole.entries[0].provider
    mine = views.read_book(book.ctx, book.clinician, TODAY, TUESDAY,
                           provider_id=book.clinician.user_id)  # fmt: skip
    assert [e.appointment.id for e in mine.entries] == [a.id]
    room2 = views.read_book(book.ctx, book.desk, TUESDAY, TUESDAY, room_id=book.room2)
    assert [e.appointment.id for e in room2.entries] == [b.id]
    with pytest.raises(InvalidInput):
        views.read_book(book.ctx, book.desk, TUESDAY, TODAY)


def test_the_set_up_is_the_medical_directors(book: Book) -> None:
    for who in (book.desk, book.clinician):
        with pytest.raises(PermissionDenied):
            setup.add_room(book.ctx, who, "Room 3")
        with pytest.raises(PermissionDenied):
            setup.view_setup(book.ctx, who)
    seen = setup.view_setup(book.ctx, book.director)
    assert [r.name for r in seen.rooms] == ["Room 1", "Room 2"]
    assert seen.working_days == {book.clinician.user_id: frozenset({0, 1, 2, 3})}
    assert seen.lengths[AppointmentKind.SESSION] == 60


# --- the plan: the next session's window, free slots, a reason outside it, a series -----------


def session_at(b: Book, day: dt.date, at: dt.time, **kw: object) -> BookingRequest:
    values: dict[str, object] = {
        "provider_id": b.clinician.user_id,
        "room_id": b.room1,
        "plan_id": b.seeded.record_ids.get("plan") or _plan(b),
    }
    return BookingRequest(b.patient_id, AppointmentKind.SESSION, day, at,
                          **(values | kw))  # type: ignore[arg-type]  # fmt: skip


def _plan(b: Book) -> int:
    with b.ctx.uow() as uow:
        return uow.charts.chart(b.seeded.clinic.id, b.patient_id).plans[0].id


def test_the_window_comes_from_the_plans_interval_with_free_slots(book: Book) -> None:
    found = plan_booking.plan_window(
        book.ctx, book.desk, book.patient_id, provider_id=book.clinician.user_id, room_id=book.room1
    )
    assert found.window is not None
    last = TODAY - dt.timedelta(days=5)
    assert (found.window.earliest, found.window.latest) == (
        last + dt.timedelta(weeks=4), last + dt.timedelta(weeks=8),
    )  # fmt: skip
    assert found.remaining == 1 and found.slots
    first = found.slots[0].astimezone(book.ctx.clock.zone_of(_clinic(book)))
    assert first.date() >= found.window.earliest and first.time() == dt.time(9)


def _clinic(b: Book):  # type: ignore[no-untyped-def]
    with b.ctx.uow() as uow:
        return uow.clinics.get(b.seeded.clinic.id)


def test_outside_the_window_needs_a_reason_which_is_kept(book: Book) -> None:
    too_soon = TODAY + dt.timedelta(days=2)
    with pytest.raises(InvalidInput) as refused:
        booking.book(book.ctx, book.desk, session_at(book, too_soon, dt.time(10)))
    assert "outside_window_reason" in refused.value.by_field()
    made = booking.book(
        book.ctx,
        book.desk,
        session_at(
            book, too_soon, dt.time(10), outside_window_reason="travelling abroad for two months"
        ),
    )
    assert made.outside_window_reason == "travelling abroad for two months"
    inside = TODAY - dt.timedelta(days=5) + dt.timedelta(weeks=5)
    booking.cancel(book.ctx, book.desk, made.id, made.version, "rebooked")
    assert booking.book(book.ctx, book.desk, session_at(book, inside, dt.time(10))).id


def test_a_session_to_be_timed_gets_its_time_instead_of_a_second_entry(book: Book) -> None:
    from resurface.domain.appointments import Appointment

    due = TODAY - dt.timedelta(days=5) + dt.timedelta(weeks=4)
    with book.ctx.uow() as uow:
        entry = uow.appointments.add(
            Appointment(
                0, book.seeded.clinic.id, book.patient_id, AppointmentKind.SESSION, due,
                plan_id=_plan(book),
            )
        )  # fmt: skip
        uow.commit()
    timed = booking.book(book.ctx, book.desk, session_at(book, due, dt.time(11)))
    assert timed.id == entry.id and timed.starts_at is not None
    with book.ctx.uow() as uow:
        sessions = [a for a in uow.appointments.for_patient(book.seeded.clinic.id, book.patient_id)
                    if a.kind is AppointmentKind.SESSION]  # fmt: skip
    assert len(sessions) == 1


def test_the_remaining_sessions_are_booked_as_a_series_in_one_step(runtime: Runtime) -> None:
    b = open_book(runtime)
    with b.ctx.uow() as uow:  # a plan of four sessions: three to go
        from dataclasses import replace

        plan = uow.charts.chart(b.seeded.clinic.id, b.patient_id).plans[0]
        item = replace(plan.items[0], chosen_sessions=4)
        uow.charts.update_plan(replace(plan, items=(item,)))
        uow.commit()
    window = plan_booking.plan_window(b.ctx, b.desk, b.patient_id)
    assert window.window is not None
    first = window.window.earliest
    request = plan_booking.SeriesRequest(b.patient_id, first, dt.time(10), b.clinician.user_id,
                                         b.room1, b.laser)  # fmt: skip
    series = plan_booking.book_series(b.ctx, b.desk, request)
    assert len(series) == window.remaining
    assert [s.due_on for s in series] == [first + window.interval * i for i in range(len(series))]
    with pytest.raises(InvalidInput):
        plan_booking.book_series(b.ctx, b.desk, request)


def test_a_series_that_clashes_books_nothing_and_names_the_day(book: Book) -> None:
    window = plan_booking.plan_window(book.ctx, book.desk, book.patient_id)
    assert window.window is not None
    first = window.window.earliest
    while first.weekday() > 3:
        first += dt.timedelta(days=1)
    booking.book(book.ctx, book.desk, review(book, dt.time(10), day=first))
    request = plan_booking.SeriesRequest(book.patient_id, first, dt.time(10),
                                         book.clinician.user_id, book.room1)  # fmt: skip
    with pytest.raises(BookingClash) as refused:
        plan_booking.book_series(book.ctx, book.desk, request)
    assert str(first) in str(refused.value)
    with book.ctx.uow() as uow:
        sessions = [a for a in uow.appointments.for_patient(book.seeded.clinic.id, book.patient_id)
                    if a.kind is AppointmentKind.SESSION]  # fmt: skip
    assert sessions == []


def test_a_series_refuses_a_day_the_patient_is_booked_elsewhere(book: Book) -> None:
    window = plan_booking.plan_window(book.ctx, book.desk, book.patient_id)
    assert window.window is not None
    first = window.window.earliest
    while first.weekday() > 3:
        first += dt.timedelta(days=1)
    booking.book(book.ctx, book.desk, review(book, dt.time(10), day=first, room_id=book.room2,
                                            provider_id=book.director.user_id))  # fmt: skip
    request = plan_booking.SeriesRequest(book.patient_id, first, dt.time(10),
                                         book.clinician.user_id, book.room1)  # fmt: skip
    with pytest.raises(BookingClash) as refused:
        plan_booking.book_series(book.ctx, book.desk, request)
    assert [c.kind for c in refused.value.clashes] == [ClashKind.PATIENT]
    assert str(refused.value).startswith(f"{first}: {book.seeded.patient.full_name} already has")


def test_recording_a_session_keeps_the_timed_series_ahead(book: Book, runtime: Runtime) -> None:
    """The session booked at a time today is done; those booked later stay; no day entry is
    added for the next session when one is booked at a time already."""
    from resurface.services import sessions

    with book.ctx.uow() as uow:  # a plan of four: three to go
        from dataclasses import replace

        plan = uow.charts.chart(book.seeded.clinic.id, book.patient_id).plans[0]
        uow.charts.update_plan(replace(plan, items=(replace(plan.items[0], chosen_sessions=4),)))
        uow.commit()
    window = plan_booking.plan_window(book.ctx, book.desk, book.patient_id)
    assert window.window is not None
    first = window.window.earliest
    while first.weekday() > 3:
        first += dt.timedelta(days=1)
    series = plan_booking.book_series(book.ctx, book.desk, plan_booking.SeriesRequest(
        book.patient_id, first, dt.time(10), book.clinician.user_id, book.room1))  # fmt: skip
    on_the_day = book.ctx.at(dt.datetime.combine(first, dt.time(11), tzinfo=dt.UTC))
    area = sessions.AreaEntry("perioral", "fractional_ablative_co2", energy_mj=15.0,
                              density_pct=10.0, passes=2)  # fmt: skip
    entry = sessions.SessionEntry(first, "Test CO2", (area,), proceed_reason="test")
    sessions.record_session(on_the_day, book.clinician, book.patient_id, entry)
    with book.ctx.uow() as uow:
        after = {a.id: a for a in uow.appointments.for_patient(book.seeded.clinic.id,
                                                                book.patient_id)}  # fmt: skip
    assert after[series[0].id].status is AppointmentStatus.DONE
    assert [after[s.id].status for s in series[1:]] == [AppointmentStatus.BOOKED] * 2
    untimed = [a for a in after.values() if a.kind is AppointmentKind.SESSION and not a.timed]
    assert untimed == []
