"""E-mail reminders of appointments: a clinic-set time before each booked appointment (24 hours
unless the medical director sets another; 0 turns them off), through the same outbox as every
other e-mail, with its retries. Queued once per booking - a move to another time queues a new
one - and never for a cancelled appointment; a reminder still waiting in the outbox when its
appointment is cancelled or moved to another time is withdrawn (``services.scheduling.book``).
The e-mail names the time, the place and the kind of visit, nothing clinical."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Clinic, Patient, clinic_zone
from resurface.services.ports import UnitOfWork
from resurface.services.recovery.links import LinkSigner
from resurface.services.scheduling.setup import reminder_hours
from resurface.services.scheduling.visit_links import visit_token, visit_url


def queue_visit_reminders(
    uow_factory: Callable[[], UnitOfWork],
    now: dt.datetime,
    zone: dt.tzinfo = dt.UTC,
    links: LinkSigner | None = None,
) -> int:
    """Queue the reminders of appointments starting within each clinic's lead time from
    ``now``; returns how many were queued."""
    queued = 0
    with uow_factory() as uow:
        for clinic in uow.clinics.all():
            hours = reminder_hours(uow, clinic.id)
            if hours <= 0:
                continue
            ahead = uow.appointments.between(clinic.id, now, now + dt.timedelta(hours=hours))
            for appointment in ahead:
                url = (
                    visit_url(links.public_url, clinic, visit_token(links.secret, appointment))
                    if links is not None
                    else ""
                )
                reminder = _reminder(uow, clinic, appointment, now, clinic_zone(clinic, zone), url)
                if reminder is not None:
                    uow.notifications.add(reminder)
                    uow.appointments.mark_reminded(clinic.id, appointment.id, now)
                    queued += 1
        uow.commit()
    return queued


def _reminder(
    uow: UnitOfWork,
    clinic: Clinic,
    appointment: Appointment,
    now: dt.datetime,
    zone: dt.tzinfo,
    url: str,
) -> Notification | None:
    if (
        appointment.status is not AppointmentStatus.BOOKED
        or appointment.kind is AppointmentKind.CHECKIN
        or appointment.starts_at is None
        or appointment.starts_at <= now
        or appointment.reminded_at is not None
    ):
        return None
    patient = uow.patients.get(clinic.id, appointment.patient_id)
    if patient is None or not patient.email.strip():
        return None
    start = appointment.starts_at.astimezone(zone)
    return Notification(
        id=0,
        clinic_id=clinic.id,
        kind=NotificationKind.VISIT_REMINDER,
        recipient=patient.email.strip(),
        subject=f"{clinic.name}: your appointment on {start:%A %d %B at %H:%M}",
        body=_body(clinic, patient, appointment, start, url),
        created_at=now,
        patient_id=patient.id,
        appointment_id=appointment.id,
    )


def _body(
    clinic: Clinic, patient: Patient, appointment: Appointment, start: dt.datetime, url: str
) -> str:
    place = f"\n{clinic.address}\n" if clinic.address else ""
    answer = (
        f"Please tell us you will come, or that you need another time, here:\n{url}\n\n"
        if url
        else ""
    )
    change = (
        f"If you cannot come or need another time, please call us: {clinic.phone}\n"
        if clinic.phone
        else "If you cannot come or need another time, please tell the clinic.\n"
    )
    return (
        f"Hello {patient.given_name},\n\n"
        f"This is a reminder of your appointment ({appointment.kind.label.lower()}) at "
        f"{clinic.name} on {start:%A %d %B %Y at %H:%M} ({appointment.minutes} minutes).\n"
        f"{place}\n{answer}{change}\n{clinic.name}\n"
    )
