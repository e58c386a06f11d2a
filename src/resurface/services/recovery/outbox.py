"""E-mail to the clinic and to patients through an outbox.

Every message is first saved as a pending :class:`Notification` in the same unit of work as the
change that caused it (an urgent alert, a due check-in), so nothing is lost if the mail server is
down. :func:`deliver_due` (the outbox loop, ``resurface notify run``) then sends what is due, one
message per transaction; an urgent alert's message is also sent at once by a background job
(:func:`deliver_message`, run by whichever process runs jobs). A failure is recorded
(``attempts``, ``last_error``) and the message is tried again later, waiting longer each time
(:func:`retry_delay`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from email.message import EmailMessage
from email.utils import make_msgid

from resurface.domain.alerts import ClinicAlert
from resurface.domain.messages import UNSENT, Notification, NotificationKind, NotificationStatus
from resurface.domain.people import Clinic, Role
from resurface.services.context import Context
from resurface.services.ports import Mailer, UnitOfWork
from resurface.services.recovery.reminders import queue_reminders
from resurface.services.scheduling.reminders import queue_visit_reminders

FIRST_RETRY = dt.timedelta(minutes=1)
LONGEST_RETRY = dt.timedelta(hours=6)


@dataclass(frozen=True)
class DeliveryReport:
    """One round of the outbox. ``mail_server`` False: no mailer, messages wait in the outbox."""

    sent: int
    failed: int
    reminders_queued: int = 0
    mail_server: bool = True


def run_once(ctx: Context, *, sender: str) -> DeliveryReport:
    """One round, for ``resurface notify run`` and the web app's loop alike: queue the check-in
    and appointment reminders due by now (the clinic's day and time), then deliver every message
    that is due through ``ctx.mailer`` from the address ``sender``."""
    now = ctx.clock.now()
    queued = queue_reminders(ctx.uow, ctx.links, now, zone=ctx.clock.zone)
    queued += queue_visit_reminders(ctx.uow, now, zone=ctx.clock.zone, links=ctx.links)
    if ctx.mailer is None:
        return DeliveryReport(0, 0, queued, mail_server=False)
    delivery = deliver_due(ctx.uow, ctx.mailer, sender, now)
    return replace(delivery, reminders_queued=queued)


def retry_delay(attempts: int) -> dt.timedelta:
    """Wait before the next try after ``attempts`` failures: 1, 2, 4 … minutes, at most 6 hours."""
    delay: dt.timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 20))
    return min(delay, LONGEST_RETRY)


def clinic_recipients(uow: UnitOfWork, clinic: Clinic) -> list[str]:
    """The clinic's own address; without one, the e-mail of every active admin."""
    if clinic.email.strip():
        return [clinic.email.strip()]
    admins = uow.users.in_clinic(clinic.id)
    return sorted(
        {u.email.strip() for u in admins if u.role is Role.ADMIN and u.active and u.email.strip()}
    )


def queue_urgent_alert(
    uow: UnitOfWork, clinic: Clinic, alert: ClinicAlert, public_url: str, now: dt.datetime
) -> list[Notification]:
    """Save one pending e-mail per clinic recipient. The body names no patient (e-mail is not a
    safe place for health data); it says what was found and links to the chart."""
    subject = f"Urgent recovery alert: {alert.code.value.replace('_', ' ')} (day {alert.day})"
    chart = f"{public_url.rstrip('/')}/patients/{alert.patient_id}"
    body = (
        "A patient's recovery check-in raised an urgent alert.\n\n"
        f"{alert.message}\n\n"
        f"Open the chart (patient #{alert.patient_id}) to see who and to act on it:\n{chart}\n\n"
        "The patient was told to call the clinic now.\n"
        "This e-mail names no patient on purpose.\n"
    )
    return [
        uow.notifications.add(
            Notification(
                id=0,
                clinic_id=clinic.id,
                kind=NotificationKind.URGENT_ALERT,
                recipient=recipient,
                subject=subject,
                body=body,
                created_at=now,
                patient_id=alert.patient_id,
                alert_id=alert.id,
            )
        )
        for recipient in clinic_recipients(uow, clinic)
    ]


def as_email(notification: Notification, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.recipient
    message["Subject"] = notification.subject
    message["Message-ID"] = make_msgid(idstring=f"resurface-{notification.id}")
    message["X-Resurface-Notification"] = str(notification.id)
    message.set_content(notification.body)
    return message


#: How long a sender holds a message it is sending before others may try it again.
SENDING_LEASE = dt.timedelta(minutes=10)


def deliver_due(
    uow_factory: Callable[[], UnitOfWork],
    mailer: Mailer,
    sender: str,
    now: dt.datetime,
    limit: int = 50,
) -> DeliveryReport:
    """Send every message that is pending or whose retry time has come; record each outcome."""
    with uow_factory() as uow:
        due = uow.notifications.ready_to_send(now, limit)
    sent = failed = 0
    for notification in due:
        outcome = deliver(uow_factory, mailer, sender, notification, now)
        if outcome is None:
            continue  # another sender (the loop, a job, another web process) has it
        if outcome.status is NotificationStatus.SENT:
            sent += 1
        else:
            failed += 1
    return DeliveryReport(sent, failed)


def deliver(
    uow_factory: Callable[[], UnitOfWork],
    mailer: Mailer,
    sender: str,
    notification: Notification,
    now: dt.datetime,
) -> Notification | None:
    """Claim one due message, send it and record how it went; None when it is not due (sent
    already, waiting for its retry) or another sender has it."""
    with uow_factory() as uow:
        claimed = uow.notifications.claim(notification.id, now, now + SENDING_LEASE)
        uow.commit()
    if not claimed:
        return None
    outcome = _attempt(mailer, sender, notification, now)
    with uow_factory() as uow:
        uow.notifications.save_delivery(outcome)
        uow.commit()
    return outcome


DELIVER_MESSAGE = "deliver_message"
"""The background job that sends one message at once (an urgent alert's)."""


def deliver_message(ctx: Context, notification_id: int) -> None:
    """The job: send one message now, through the same delivery as the outbox loop. A message
    sent already (or withdrawn, or waiting for its retry, or held by another sender) is left as
    it is; a failure is recorded on the message and retried by the loop, not by the job. Without
    a mail server the message waits in the outbox."""
    if ctx.mailer is None:
        return
    with ctx.uow() as uow:
        message = uow.notifications.get(notification_id)
    if message is None or message.status not in UNSENT:
        return
    deliver(ctx.uow, ctx.mailer, ctx.mail_sender, message, ctx.clock.now())


def _attempt(
    mailer: Mailer, sender: str, notification: Notification, now: dt.datetime
) -> Notification:
    attempts = notification.attempts + 1
    try:
        mailer.send(as_email(notification, sender))
    except OSError as error:  # smtplib.SMTPException is an OSError
        reason = f"{type(error).__name__}: {error}".strip()[:500]
        return replace(
            notification,
            status=NotificationStatus.FAILED,
            attempts=attempts,
            last_error=reason,
            next_attempt_at=now + retry_delay(attempts),
        )
    return replace(
        notification,
        status=NotificationStatus.SENT,
        attempts=attempts,
        last_error="",
        next_attempt_at=None,
        sent_at=now,
    )
