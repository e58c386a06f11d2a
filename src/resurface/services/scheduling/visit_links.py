"""The patient's page of one appointment, reached from the reminder e-mail: when and where, and
two answers - "I will come" or "I need another time" (with a note) - that the clinic sees in its
book. The address is signed with the server's secret for that appointment; it works while the
appointment is booked and ahead. No health details are shown."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.appointments import Appointment, AppointmentStatus
from resurface.domain.errors import InvalidInput
from resurface.domain.people import Clinic, Patient, clinic_public_url
from resurface.services import audit
from resurface.services.errors import LinkNotUsable
from resurface.services.ports import UnitOfWork
from resurface.services.scheduling.feeds import Calendar, patient_events

if TYPE_CHECKING:
    from resurface.services.context import Context

_CONTEXT = "resurface-visit-link"
NOTE_MAX = 500


def visit_token(secret: str, appointment: Appointment) -> str:
    message = f"{_CONTEXT}|{appointment.clinic_id}|{appointment.id}|{appointment.patient_id}"
    digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    signed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    return f"{appointment.clinic_id}-{appointment.id}-{signed}"


def visit_url(public_url: str, clinic: Clinic, token: str) -> str:
    return f"{clinic_public_url(clinic, public_url).rstrip('/')}/v/{token}"


@dataclass(frozen=True)
class VisitPage:
    clinic: Clinic
    patient: Patient
    appointment: Appointment
    start: dt.datetime
    """Clinic-local."""
    room: str


def _open(uow: UnitOfWork, secret: str, token: str, now: dt.datetime) -> VisitPage:
    parts = token.split("-", 2) if len(token) <= 120 else []
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        raise LinkNotUsable()
    clinic = uow.clinics.get(int(parts[0]))
    found = uow.appointments.get(int(parts[0]), int(parts[1])) if clinic else None
    if (
        clinic is None
        or found is None
        or not hmac.compare_digest(visit_token(secret, found), token)
    ):
        raise LinkNotUsable()
    patient = uow.patients.get(clinic.id, found.patient_id)
    usable = found.status is AppointmentStatus.BOOKED and found.starts_at is not None
    if patient is None or not usable or found.starts_at is None or found.starts_at <= now:
        raise LinkNotUsable()
    rooms = {r.id: r.name for r in uow.clinic_setup.rooms(clinic.id)}
    return VisitPage(clinic, patient, found, found.starts_at, rooms.get(found.room_id or 0, ""))


def open_visit(ctx: Context, token: str) -> VisitPage:
    with ctx.uow() as uow:
        page = _open(uow, ctx.links.secret, token, ctx.clock.now())
        zone = ctx.clock.zone_of(page.clinic)
        audit.record(uow, None, "patient_visit_read", "appointment", page.appointment.id,
                     patient_id=page.patient.id)  # fmt: skip
        uow.commit()
        return VisitPage(page.clinic, page.patient, page.appointment, page.start.astimezone(zone),
                         page.room)  # fmt: skip


def answer_visit(ctx: Context, token: str, *, coming: bool, note: str = "") -> None:
    """Record the patient's answer; the latest answer stands."""
    if len(note) > NOTE_MAX:
        raise InvalidInput("note", f"at most {NOTE_MAX} characters")
    now = ctx.clock.now()
    with ctx.uow() as uow:
        page = _open(uow, ctx.links.secret, token, now)
        uow.appointments.patient_answer(
            page.clinic.id, page.appointment.id,
            confirmed_at=now if coming else None,
            change_requested_at=None if coming else now,
            change_note="" if coming else note.strip(),
        )  # fmt: skip
        action = "patient_confirm" if coming else "patient_asks_change"
        audit.record(uow, None, action, "appointment", page.appointment.id,
                     patient_id=page.patient.id, detail=note.strip()[:200])  # fmt: skip
        uow.commit()


def visit_calendar(ctx: Context, token: str) -> Calendar:
    """The patient's own appointments, as a calendar file from their page."""
    with ctx.uow() as uow:
        page = _open(uow, ctx.links.secret, token, ctx.clock.now())
        calendar = patient_events(uow, ctx, page.clinic, page.patient)
        uow.commit()
        return calendar
