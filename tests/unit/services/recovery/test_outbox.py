"""The outbox: saved first, delivered through SMTP (aiosmtpd captures it), failures recorded and
retried later with a growing wait; reminders only when a check-in is due and late."""

from __future__ import annotations

import datetime as dt
import email
import socket
from dataclasses import replace
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.messages import Notification, NotificationKind, NotificationStatus
from resurface.mail import SmtpMailer, SmtpSettings
from resurface.services.context import Context
from resurface.services.recovery import outbox, reminders
from resurface.services.recovery.links import LinkSigner, hash_token
from resurface.services.recovery.outbox import retry_delay
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.fakes import FakeDatabase


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def _queue(ctx: Context, clinic_id: int, now: dt.datetime) -> Notification:
    with ctx.uow() as uow:
        saved = uow.notifications.add(
            Notification(
                0,
                clinic_id,
                NotificationKind.URGENT_ALERT,
                "desk@north.example",
                "Urgent recovery alert",
                "body",
                now,
            )
        )
        uow.commit()
    return saved


def _stored(ctx: Context, clinic_id: int) -> Notification:
    with ctx.uow() as uow:
        (found,) = uow.notifications.in_clinic(clinic_id)
    return found


def test_a_stopped_mail_server_is_recorded_and_retried_later_until_it_is_back(
    ctx: Context, north: SeededClinic
) -> None:
    now = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
    _queue(ctx, north.clinic.id, now)
    port = free_port()
    mailer = SmtpMailer(SmtpSettings("127.0.0.1", port, timeout_seconds=2))

    report = outbox.deliver_due(ctx.uow, mailer, "r@x", now)
    failed = _stored(ctx, north.clinic.id)
    assert (report.sent, report.failed) == (0, 1)
    assert failed.status is NotificationStatus.FAILED
    assert failed.attempts == 1 and "Connection" in failed.last_error
    assert failed.next_attempt_at == now + retry_delay(1)

    # Before the retry time nothing is tried; after it, a second failure waits longer.
    early = outbox.deliver_due(ctx.uow, mailer, "r@x", now)
    assert (early.sent, early.failed) == (0, 0)
    later = now + retry_delay(1)
    outbox.deliver_due(ctx.uow, mailer, "r@x", later)
    second = _stored(ctx, north.clinic.id)
    assert second.attempts == 2 and second.next_attempt_at == later + retry_delay(2)
    assert retry_delay(2) > retry_delay(1)

    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        back = later + retry_delay(2)
        report = outbox.deliver_due(ctx.uow, mailer, "r@x", back)
    finally:
        controller.stop()
    sent = _stored(ctx, north.clinic.id)
    assert (report.sent, report.failed) == (1, 0)
    assert sent.status is NotificationStatus.SENT and sent.attempts == 3 and sent.sent_at == back
    assert [m["Subject"] for m in box.messages] == ["Urgent recovery alert"]
    # Sent once: another round sends nothing.
    again = outbox.deliver_due(ctx.uow, mailer, "r@x", back)
    assert (again.sent, again.failed) == (0, 0)


def test_retry_waits_double_and_stop_growing_at_six_hours() -> None:
    waits = [retry_delay(n) for n in range(1, 15)]
    assert waits[0] == dt.timedelta(minutes=1)
    assert waits[1] == dt.timedelta(minutes=2)
    assert max(waits) == dt.timedelta(hours=6) == waits[-1]


def test_the_clinic_address_is_used_and_admins_without_e_mail_are_not_guessed(
    ctx: Context, north: SeededClinic
) -> None:
    with ctx.uow() as uow:
        assert outbox.clinic_recipients(uow, north.clinic) == []
        clinic = replace(north.clinic, email="desk@north.example")
        assert outbox.clinic_recipients(uow, clinic) == ["desk@north.example"]


def _due_checkin(ctx: Context, north: SeededClinic, day: dt.date, email_: str) -> None:
    with ctx.uow() as uow:
        uow.patients.update(replace(north.patient, email=email_))
        uow.appointments.add(
            Appointment(
                0,
                north.clinic.id,
                north.patient.id,
                AppointmentKind.CHECKIN,
                day,
                after_session_id=north.record_ids["session"],
            )
        )
        uow.commit()


def test_a_reminder_with_a_fresh_link_is_queued_once_after_the_usual_time(
    ctx: Context, north: SeededClinic
) -> None:
    keys = LinkSigner(ctx.links.secret, "https://clinic.example", 42)
    with ctx.uow() as uow:
        (earlier,) = uow.charts.chart(north.clinic.id, north.patient.id).checkins
    # The server's zone puts the seeded check-in (made now) near midday, so that five minutes
    # either side of its time stay on one clinic day whatever the hour the test runs.
    hours = round(12 - earlier.submitted_at.hour - earlier.submitted_at.minute / 60)
    zone = dt.timezone(dt.timedelta(hours=hours))
    usual = reminders.usual_time([earlier.submitted_at], zone)
    assert usual is not None and 11 <= usual.hour <= 12
    day = earlier.submitted_at.astimezone(zone).date()
    _due_checkin(ctx, north, day, "robin@example.org")
    before = dt.datetime.combine(day, usual, zone) - dt.timedelta(minutes=5)
    after = dt.datetime.combine(day, usual, zone) + dt.timedelta(minutes=5)

    assert reminders.queue_reminders(ctx.uow, keys, before, zone=zone) == 0
    assert reminders.queue_reminders(ctx.uow, keys, after, zone=zone) == 1
    assert reminders.queue_reminders(ctx.uow, keys, after, zone=zone) == 0  # once a day
    with ctx.uow() as uow:
        (reminder,) = uow.notifications.in_clinic(north.clinic.id)
        assert reminder.kind is NotificationKind.CHECKIN_REMINDER
        assert reminder.recipient == "robin@example.org"
        token = reminder.body.split("https://clinic.example/r/")[1].split()[0]
        link = uow.recovery_links.by_token_hash(hash_token(token))
        assert link is not None and link.session_id == north.record_ids["session"]


def test_no_reminder_without_an_address_or_when_the_clinic_revoked_the_link(
    ctx: Context, north: SeededClinic
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    keys = LinkSigner(ctx.links.secret, "https://clinic.example", 42)
    late = dt.datetime.combine(today, dt.time(23, 59), dt.UTC)
    _due_checkin(ctx, north, today, "")
    assert reminders.queue_reminders(ctx.uow, keys, late) == 0
    with ctx.uow() as uow:
        uow.patients.update(replace(north.patient, email="robin@example.org", version=2))
        session = uow.charts.session(north.clinic.id, north.record_ids["session"])
        assert session is not None
        from resurface.services.recovery.links import issue_for_reminder

        issued = issue_for_reminder(uow, keys, session, late - dt.timedelta(days=1))
        uow.recovery_links.revoke(north.clinic.id, issued.link.id, late - dt.timedelta(hours=1))
        uow.commit()
    assert reminders.queue_reminders(ctx.uow, keys, late) == 0


def test_usual_time_is_the_median_time_of_day() -> None:
    times = [
        dt.datetime(2025, 6, d, h, m, tzinfo=dt.UTC)
        for d, h, m in ((1, 8, 0), (2, 9, 30), (3, 21, 0))
    ]
    assert reminders.usual_time(times) == dt.time(9, 30)
    assert reminders.usual_time([]) is None


def test_usual_time_is_read_in_the_clinics_time_zone() -> None:
    from zoneinfo import ZoneInfo

    evening_in_auckland = dt.datetime(2025, 6, 1, 7, 30, tzinfo=dt.UTC)  # 19:30 NZST
    assert reminders.usual_time([evening_in_auckland], ZoneInfo("Pacific/Auckland")) == dt.time(
        19, 30
    )


def test_no_reminder_in_the_clinics_night_even_when_it_is_noon_in_utc(
    ctx: Context, db: FakeDatabase, north: SeededClinic
) -> None:
    from zoneinfo import ZoneInfo

    auckland = ZoneInfo("Pacific/Auckland")
    keys = LinkSigner(ctx.links.secret, "https://clinic.example", 42)
    noon_utc = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)  # 00:00 on 11 June in Auckland
    local_day = noon_utc.astimezone(auckland).date()
    _due_checkin(ctx, north, local_day, "robin@example.org")
    db.state.checkins.clear()  # no earlier check-ins: no usual time
    assert reminders.queue_reminders(ctx.uow, keys, noon_utc, zone=auckland) == 0
    local_noon = dt.datetime.combine(local_day, dt.time(12, 5), auckland)
    assert reminders.queue_reminders(ctx.uow, keys, local_noon, zone=auckland) == 1


class _Outbox:
    """A mailer that keeps what it was handed."""

    def __init__(self) -> None:
        self.sent: list[Message] = []

    def send(self, message: Message) -> None:
        self.sent.append(message)


def test_one_round_queues_nothing_new_and_delivers_what_is_due_through_the_context_mailer(
    ctx: Context, north: SeededClinic
) -> None:
    now = dt.datetime(2025, 6, 1, 9, 0, tzinfo=dt.UTC)
    _queue(ctx, north.clinic.id, now)
    waiting = outbox.run_once(replace(ctx.at(now), mailer=None), sender="r@x")
    assert (waiting.mail_server, waiting.sent) == (False, 0)
    assert _stored(ctx, north.clinic.id).status is NotificationStatus.PENDING
    mailer = _Outbox()
    report = outbox.run_once(replace(ctx.at(now), mailer=mailer), sender="r@x")
    assert (report.mail_server, report.sent, report.failed) == (True, 1, 0)
    assert mailer.sent[0]["From"] == "r@x"


def test_the_clinics_own_time_zone_and_address_win_over_the_servers(
    ctx: Context, db: FakeDatabase, north: SeededClinic
) -> None:
    """The server runs on UTC; the clinic set Pacific/Auckland and its own public address."""
    with ctx.uow() as uow:
        uow.clinics.update(
            replace(
                north.clinic, timezone="Pacific/Auckland", public_url="https://north.example.nz"
            )
        )
        uow.commit()
    keys = LinkSigner(ctx.links.secret, "https://server.example", 42)
    noon_utc = dt.datetime(2026, 6, 10, 12, 0, tzinfo=dt.UTC)  # 00:00 on 11 June in Auckland
    local_day = dt.date(2026, 6, 11)
    _due_checkin(ctx, north, local_day, "robin@example.org")
    db.state.checkins.clear()  # no earlier check-ins: reminded at noon, clinic time
    assert reminders.queue_reminders(ctx.uow, keys, noon_utc, zone=dt.UTC) == 0
    local_noon = dt.datetime(2026, 6, 11, 0, 5, tzinfo=dt.UTC)  # 12:05 in Auckland
    assert reminders.queue_reminders(ctx.uow, keys, local_noon, zone=dt.UTC) == 1
    with ctx.uow() as uow:
        (reminder,) = uow.notifications.in_clinic(north.clinic.id)
    assert "https://north.example.nz/r/" in reminder.body
    assert "server.example" not in reminder.body
