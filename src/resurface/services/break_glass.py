"""Emergency ("break-glass") access to one chart by the front desk (see ``domain.break_glass``).

Opening it is audited with the reason and e-mails the clinic's medical directors through the
outbox; every read of the chart during it is audited with the reason too; it ends by itself after
the clinic's time limit. Clinicians and medical directors see every chart of their clinic
already and cannot open one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from resurface.domain.break_glass import BreakGlass, open_access, reason_problems
from resurface.domain.errors import InvalidInput
from resurface.domain.messages import Notification, NotificationKind
from resurface.domain.people import Clinic, Patient, Role, User
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound, PermissionDenied
from resurface.services.patients import find_patient
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

ALREADY_SEE_CHARTS = "you see this clinic's charts already: emergency access is for the front desk"
RECENT = dt.timedelta(days=7)
"""How far back the medical director's Today page lists emergency accesses."""


def open_break_glass(ctx: Context, actor: Actor, patient_id: int, reason: str) -> BreakGlass:
    """Open the patient's chart to the front-desk ``actor``, read-only, for the clinic's time
    limit, because of ``reason``; the medical directors are e-mailed at once."""
    if actor.may(Permission.VIEW_CHART):
        raise PermissionDenied(ALREADY_SEE_CHARTS)
    require(actor, Permission.VIEW_PATIENT_LIST)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        problems = reason_problems(reason)
        if problems:
            raise InvalidInput.of(problems)
        clinic = uow.clinics.get(actor.clinic_id)
        if clinic is None:
            raise NotFound("clinic", actor.clinic_id)
        access = uow.break_glass.add(
            open_access(
                clinic.id, patient.id, actor.user_id, reason, now, clinic.break_glass_minutes
            )
        )
        detail = f"until {access.expires_at:%Y-%m-%d %H:%M} UTC; reason: {access.reason}"
        audit.record(
            uow,
            actor,
            "break_glass_opened",
            "patient",
            patient.id,
            patient_id=patient.id,
            detail=detail,
            at=now,
        )
        _tell_the_directors(uow, clinic, actor, access, ctx.links.public_url, ctx.clock.zone)
        uow.commit()
        return access


def emergency_access(
    uow: UnitOfWork, actor: Actor, patient_id: int, now: dt.datetime
) -> BreakGlass | None:
    """None when the actor may see the chart anyway; the open emergency access that lets them
    see it now; else PermissionDenied, as for anyone who may not see the chart."""
    if actor.may(Permission.VIEW_CHART):
        return None
    access = uow.break_glass.open_for(actor.clinic_id, actor.user_id, patient_id, now)
    if access is None:
        require(actor, Permission.VIEW_CHART)  # raises, saying who may not see what
    return access


@dataclass(frozen=True)
class EmergencyStatus:
    """For the page that asks for emergency access: one already open, and the time limit."""

    open_access: BreakGlass | None
    minutes: int


def emergency_status(ctx: Context, actor: Actor, patient_id: int) -> EmergencyStatus:
    with ctx.uow() as uow:
        clinic = uow.clinics.get(actor.clinic_id)
        now = ctx.clock.now()
        found = uow.break_glass.open_for(actor.clinic_id, actor.user_id, patient_id, now)
        return EmergencyStatus(found, clinic.break_glass_minutes if clinic else 0)


@dataclass(frozen=True)
class EmergencyAccessSeen:
    """One emergency access as the medical director reviews it."""

    access: BreakGlass
    user: User | None
    patient: Patient | None


def recent_accesses(
    uow: UnitOfWork, actor: Actor, now: dt.datetime
) -> tuple[EmergencyAccessSeen, ...]:
    """The clinic's emergency accesses of the last week, latest first (medical directors only:
    others get none)."""
    if not actor.may(Permission.VIEW_AUDIT):
        return ()
    found = uow.break_glass.since(actor.clinic_id, now - RECENT)
    people = {u.id: u for u in uow.users.in_clinic(actor.clinic_id)}
    return tuple(
        EmergencyAccessSeen(
            a, people.get(a.user_id), uow.patients.get(actor.clinic_id, a.patient_id)
        )
        for a in found
    )


def _tell_the_directors(
    uow: UnitOfWork,
    clinic: Clinic,
    actor: Actor,
    access: BreakGlass,
    public_url: str,
    zone: dt.tzinfo,
) -> None:
    """One e-mail to each active medical director with an address (else the clinic's own). Like
    every e-mail Resurface sends, it names no patient and carries no reason (health data): both
    are on the director's Today page and in the audit trail."""
    directors = [
        u.email.strip()
        for u in uow.users.in_clinic(clinic.id)
        if u.role is Role.ADMIN and u.active and u.email.strip()
    ]
    recipients = sorted(set(directors)) or ([clinic.email.strip()] if clinic.email.strip() else [])
    until = access.expires_at.astimezone(zone)
    chart = f"{public_url.rstrip('/')}/patients/{access.patient_id}"
    body = (
        f"{actor.name} (front desk) opened the clinical chart of patient #{access.patient_id} "
        f"with emergency (break-glass) access, read-only until {until:%H:%M on %d %b %Y}.\n\n"
        "The reason they gave and every read are on your Today page in Resurface and in the "
        f"audit trail. The chart: {chart}\n\n"
        "If this was not an emergency, deactivate the user on the Users page.\n"
        "This e-mail names no patient on purpose.\n"
    )
    for recipient in recipients:
        uow.notifications.add(
            Notification(
                id=0,
                clinic_id=clinic.id,
                kind=NotificationKind.BREAK_GLASS,
                recipient=recipient,
                subject=f"Emergency chart access by {actor.name}",
                body=body,
                created_at=access.opened_at,
                patient_id=access.patient_id,
            )
        )
