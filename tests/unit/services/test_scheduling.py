"""The book's use cases on the in-memory fakes (fast): a booking, a refused clash naming what
clashes, a move with its version, the feed's secret kept only as a hash."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from resurface.domain.appointments import AppointmentKind, BookingClash, ClashKind
from resurface.domain.clinic_setup import FeedSubject
from resurface.domain.errors import VersionConflict
from resurface.domain.people import Clinic
from resurface.services import home
from resurface.services.scheduling import book, feeds, setup
from tests.support.contexts import fake_context, seed_clinic

DAY = dt.date(2026, 3, 3)


def test_book_refuse_a_clash_and_move_on_the_fakes() -> None:
    ctx, db = fake_context()
    clinic = seed_clinic(db)
    setup.set_hours(ctx, clinic.admin, {d: (dt.time(9), dt.time(17)) for d in range(5)})
    room = setup.add_room(ctx, clinic.admin, "Room 1")
    wanted = book.BookingRequest(clinic.patient.id, AppointmentKind.REVIEW, DAY, dt.time(10),
                                 clinic.clinician.user_id, room.id)  # fmt: skip
    made = book.book(ctx, clinic.front_desk, wanted)
    assert made.minutes == 20 and made.starts_at == dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC)
    with pytest.raises(BookingClash) as refused:
        book.book(ctx, clinic.front_desk, wanted)
    assert [c.kind for c in refused.value.clashes] == [
        ClashKind.PROVIDER, ClashKind.PATIENT, ClashKind.ROOM,
    ]  # fmt: skip
    moved = book.move(ctx, clinic.front_desk, made.id, book.MoveRequest(1, time=dt.time(11)))
    assert moved.version == 2
    with pytest.raises(VersionConflict):
        book.move(ctx, clinic.front_desk, made.id, book.MoveRequest(1, time=dt.time(12)))


def test_a_feeds_secret_is_kept_only_as_its_hash() -> None:
    ctx, db = fake_context()
    clinic = seed_clinic(db)
    made = feeds.create_feed(ctx, clinic.clinician, FeedSubject.PROVIDER, clinic.clinician.user_id)
    stored = db.state.feeds[made.feed.id]
    assert stored.token_hash == feeds.hash_token(made.token) and made.token not in repr(stored)
    assert feeds.feed_calendar(ctx, made.token).events == ()


def test_todays_page_shows_the_book_in_the_zone_of_the_clinic_it_is_given() -> None:
    """The page hands over the clinic the session check read (its time zone of the moment):
    the book is shown in that clinic's zone, not in one read again; without it, or with
    another clinic's, the clinic is read."""
    ctx, db = fake_context()  # 09:30 UTC on 2026-03-02
    clinic = seed_clinic(db)
    setup.set_hours(ctx, clinic.admin, {d: (dt.time(9), dt.time(17)) for d in range(5)})
    room = setup.add_room(ctx, clinic.admin, "Room 1")
    today = dt.date(2026, 3, 2)
    wanted = book.BookingRequest(clinic.patient.id, AppointmentKind.REVIEW, today, dt.time(10),
                                 clinic.clinician.user_id, room.id)  # fmt: skip
    book.book(ctx, clinic.front_desk, wanted)

    def times(given: Clinic | None) -> list[str]:
        _, day = home.today_page(ctx, clinic.clinician, given)
        assert day is not None
        return [f"{entry.start:%H:%M}" for entry in day.entries]

    stored = clinic.clinic
    assert times(None) == ["10:00"]
    assert times(replace(stored, timezone="Asia/Tokyo")) == ["19:00"]  # UTC+9
    assert times(replace(stored, id=stored.id + 1, timezone="Asia/Tokyo")) == ["10:00"]
