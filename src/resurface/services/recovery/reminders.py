"""Reminders to patients who have not checked in by their usual time on a day a check-in is due.

The usual time is the median time of day of the patient's earlier check-ins; before the first one
it is :data:`DEFAULT_REMINDER_TIME`. A reminder goes out at most once a day per patient, through
the same outbox as the clinic's alerts, and carries a fresh recovery link. No reminder is sent
for a session whose newest link the clinic revoked: that is the clinic saying "stop".
Times are stored in UTC; the usual time and "today" are read in the clinic's time zone.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Sequence

from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.chart import Chart, TreatmentSession
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Clinic, Patient, clinic_zone
from resurface.services.ports import UnitOfWork
from resurface.services.recovery.links import LinkSigner, issue_for_reminder

DEFAULT_REMINDER_TIME = dt.time(12, 0)
"""Noon: when a patient with no earlier check-in is reminded."""


def usual_time(submitted: Sequence[dt.datetime], zone: dt.tzinfo = dt.UTC) -> dt.time | None:
    """The median time of day (clinic time) of earlier submissions, or None when there are none."""
    if not submitted:
        return None
    local = [t.astimezone(zone) for t in submitted]
    minutes = [t.hour * 60 + t.minute for t in local]
    middle = int(statistics.median(minutes))
    return dt.time(middle // 60, middle % 60)


def queue_reminders(
    uow_factory: Callable[[], UnitOfWork],
    keys: LinkSigner,
    now: dt.datetime,
    default_time: dt.time = DEFAULT_REMINDER_TIME,
    zone: dt.tzinfo = dt.UTC,
) -> int:
    """Queue today's reminders that are due by ``now``; returns how many were queued.

    "Today" and the usual time are the clinic's (its own time zone, else ``zone``, the server's),
    so a reminder never goes out at night.
    """
    queued = 0
    with uow_factory() as uow:
        for clinic in uow.clinics.all():
            local = now.astimezone(clinic_zone(clinic, zone))
            sent = uow.notifications.in_clinic(clinic.id, limit=1000)
            for appointment in uow.appointments.due(clinic.id, local.date()):
                reminder = _reminder(uow, keys, clinic, appointment, sent, local, default_time)
                if reminder is not None:
                    sent.append(uow.notifications.add(reminder))
                    queued += 1
        uow.commit()
    return queued


def _reminder(
    uow: UnitOfWork,
    keys: LinkSigner,
    clinic: Clinic,
    appointment: Appointment,
    sent: Sequence[Notification],
    now: dt.datetime,
    default_time: dt.time,
) -> Notification | None:
    today = now.date()  # ``now`` is in the clinic's time zone
    if (
        appointment.kind is not AppointmentKind.CHECKIN
        or appointment.due_on != today
        or appointment.after_session_id is None
    ):
        return None
    patient = uow.patients.get(clinic.id, appointment.patient_id)
    if patient is None or not patient.email.strip():
        return None
    if sent_to_patient_on(sent, patient.id, NotificationKind.CHECKIN_REMINDER, today):
        return None
    chart = uow.charts.chart(clinic.id, patient.id)
    session = next((s for s in chart.sessions if s.id == appointment.after_session_id), None)
    if session is None or _checked_in(chart, session, today) or _withdrawn(uow, session):
        return None
    usual = usual_time([c.submitted_at for c in chart.checkins], now.tzinfo or dt.UTC)
    if now.time() < (usual or default_time):
        return None
    issued = issue_for_reminder(uow, keys, session, now)
    return Notification(
        id=0,
        clinic_id=clinic.id,
        kind=NotificationKind.CHECKIN_REMINDER,
        recipient=patient.email.strip(),
        subject=f"{clinic.name}: your recovery check-in for today",
        body=_body(clinic, patient, session, today, issued.url),
        created_at=now,
        patient_id=patient.id,
    )


def _checked_in(chart: Chart, session: TreatmentSession, day: dt.date) -> bool:
    return any(c.session_id == session.id and c.checkin.date == day for c in chart.checkins)


def _withdrawn(uow: UnitOfWork, session: TreatmentSession) -> bool:
    links = uow.recovery_links.for_session(session.clinic_id, session.id)
    return bool(links) and links[-1].revoked_at is not None


def _body(
    clinic: Clinic, patient: Patient, session: TreatmentSession, today: dt.date, url: str
) -> str:
    day = (today - session.performed_on).days
    call = f"\nIf something worries you, call the clinic: {clinic.phone}\n" if clinic.phone else ""
    return (
        f"Hello {patient.given_name},\n\n"
        f"It is day {day} after your treatment. Please take a minute to tell us how your skin "
        "is doing today:\n\n"
        f"{url}\n\n"
        "The link is your own: please do not share it.\n"
        f"{call}\n"
        f"{clinic.name}\n"
    )


def sent_to_patient_on(
    notifications: Iterable[Notification], patient_id: int, kind: NotificationKind, day: dt.date
) -> bool:
    return any(
        n.patient_id == patient_id and n.kind is kind and n.created_at.date() == day
        for n in notifications
    )
