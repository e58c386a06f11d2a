"""Appointment reminders through the outbox: queued once, at the clinic-set time before, never
for a cancelled appointment, again for a moved one; none without an e-mail address or when the
clinic turns them off."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from resurface.domain.messages import NotificationKind, NotificationStatus
from resurface.services.scheduling import book as booking
from resurface.services.scheduling import setup
from resurface.services.scheduling.book import MoveRequest
from resurface.services.scheduling.reminders import queue_visit_reminders
from tests.integration.services.scheduling.conftest import NOW, TODAY, Book
from tests.integration.services.scheduling.test_book import TUESDAY, review


def _with_email(book: Book) -> None:
    with book.ctx.uow() as uow:
        patient = uow.patients.get(book.seeded.clinic.id, book.patient_id)
        assert patient is not None
        uow.patients.update(replace(patient, email="sam@example.org"))
        uow.commit()


def _reminders(book: Book) -> list[str]:
    with book.ctx.uow() as uow:
        sent = uow.notifications.in_clinic(book.seeded.clinic.id, limit=100)
    return [n.subject for n in sent if n.kind is NotificationKind.VISIT_REMINDER]


def test_a_reminder_is_queued_once_a_day_before(book: Book) -> None:
    _with_email(book)
    booking.book(book.ctx, book.desk, review(book, dt.time(10)))  # Tuesday 10:00 (GMT)
    assert queue_visit_reminders(book.ctx.uow, NOW) == 0  # Monday 08:00: more than 24 h ahead
    evening = dt.datetime(2026, 3, 2, 10, 30, tzinfo=dt.UTC)
    assert queue_visit_reminders(book.ctx.uow, evening) == 1
    assert queue_visit_reminders(book.ctx.uow, evening + dt.timedelta(hours=1)) == 0
    assert _reminders(book) == ["Clinic north: your appointment on Tuesday 03 March at 10:00"]


def test_no_reminder_after_a_cancel_and_a_new_one_after_a_move(book: Book) -> None:
    _with_email(book)
    gone = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    kept = booking.book(book.ctx, book.desk, review(book, dt.time(11)))
    booking.cancel(book.ctx, book.desk, gone.id, 1, "patient called")
    late = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    assert queue_visit_reminders(book.ctx.uow, late) == 1
    booking.move(book.ctx, book.desk, kept.id, MoveRequest(1, time=dt.time(11, 30)))
    assert queue_visit_reminders(book.ctx.uow, late) == 1  # the new time gets its own
    assert len(_reminders(book)) == 2 and "11:30" in _reminders(book)[0]  # latest first


def test_a_reminder_waiting_in_the_outbox_is_withdrawn_by_a_cancel_or_a_move(book: Book) -> None:
    """SMTP down (or not set yet): the reminders wait in the outbox; a cancel or a move to
    another time withdraws the waiting one, and only the moved visit's new reminder is sent."""
    _with_email(book)
    cancelled = booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    moved = booking.book(book.ctx, book.desk, review(book, dt.time(11)))
    late = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    assert queue_visit_reminders(book.ctx.uow, late) == 2
    booking.cancel(book.ctx, book.desk, cancelled.id, 1, "patient called")
    booking.move(book.ctx, book.desk, moved.id, MoveRequest(1, time=dt.time(11, 30)))
    assert queue_visit_reminders(book.ctx.uow, late) == 1
    with book.ctx.uow() as uow:
        waiting = uow.notifications.ready_to_send(late + dt.timedelta(minutes=1))
        reminders = uow.notifications.in_clinic(book.seeded.clinic.id)
    assert [n.appointment_id for n in waiting] == [moved.id]
    assert "at 11:30" in waiting[0].subject  # the new time only
    statuses = {(n.appointment_id, n.status) for n in reminders}
    assert statuses == {
        (cancelled.id, NotificationStatus.WITHDRAWN),
        (moved.id, NotificationStatus.WITHDRAWN),
        (moved.id, NotificationStatus.PENDING),
    }


def test_the_clinic_sets_the_time_or_turns_them_off(book: Book) -> None:
    _with_email(book)
    booking.book(book.ctx, book.desk, review(book, dt.time(10), day=TUESDAY))
    setup.set_reminder_hours(book.ctx, book.director, 2)
    assert queue_visit_reminders(book.ctx.uow, dt.datetime(2026, 3, 3, 7, tzinfo=dt.UTC)) == 0
    setup.set_reminder_hours(book.ctx, book.director, 0)
    assert queue_visit_reminders(book.ctx.uow, dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC)) == 0
    setup.set_reminder_hours(book.ctx, book.director, 2)
    assert queue_visit_reminders(book.ctx.uow, dt.datetime(2026, 3, 3, 9, tzinfo=dt.UTC)) == 1


def test_no_reminder_without_an_address(book: Book) -> None:
    booking.book(book.ctx, book.desk, review(book, dt.time(10)))
    assert queue_visit_reminders(book.ctx.uow, dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)) == 0
    assert TODAY.weekday() == 0
