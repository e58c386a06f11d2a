"""The clinic's own settings that change how the journey runs (e.g. plan co-signature), and its
profile: name, contact details, postal address, time zone and the address patients' links use."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from resurface.domain.break_glass import minutes_problem
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.people import PROFILE_FIELDS, Clinic, clinic_profile_problems
from resurface.domain.signin import idle_minutes_problem
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork

if TYPE_CHECKING:
    from resurface.services.context import Context

# Whoever may co-sign plans (the medical director) decides whether plans need co-signing.
_MANAGE = Permission.MANAGE_CLINIC


@dataclass(frozen=True)
class ProfileEdit:
    """What the medical director typed; None leaves a field as it is (a partial API edit).
    ``version`` is the version of the clinic the edit was made on."""

    version: int
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    timezone: str | None = None
    public_url: str | None = None

    def applied_to(self, clinic: Clinic) -> Clinic:
        typed = {field: getattr(self, field) for field in PROFILE_FIELDS}
        changes = {field: value.strip() for field, value in typed.items() if value is not None}
        # Line endings of the address as the browser sends them (CRLF) are kept as LF.
        if "address" in changes:
            changes["address"] = "\n".join(
                line.rstrip() for line in changes["address"].splitlines()
            )
        return replace(clinic, **changes)


def clinic_settings(ctx: Context, actor: Actor) -> Clinic:
    require(actor, _MANAGE)
    with ctx.uow() as uow:
        clinic = _clinic(uow, actor)
        audit.record(uow, actor, "read", "clinic", clinic.id)
        uow.commit()
    return clinic


def set_require_cosign(ctx: Context, actor: Actor, required: bool) -> Clinic:
    """Turn the medical director's co-signature of treatment plans on or off."""
    require(actor, _MANAGE)
    with ctx.uow() as uow:
        clinic = _clinic(uow, actor)
        updated = uow.clinics.update(replace(clinic, require_cosign=required))
        state = "on" if required else "off"
        detail = f"require_cosign {state}"
        audit.record(uow, actor, "update", "clinic", clinic.id, detail=detail)
        uow.commit()
    return updated


def set_sign_in_rules(
    ctx: Context, actor: Actor, idle_minutes: int, require_second_factor: bool
) -> Clinic:
    """How long users may do nothing before they are signed out, and whether medical directors
    must sign in with a second factor (those without one are sent to turn it on)."""
    require(actor, _MANAGE)
    problem = idle_minutes_problem(idle_minutes)
    if problem is not None:
        raise InvalidInput.of([problem])
    with ctx.uow() as uow:
        clinic = _clinic(uow, actor)
        changed = replace(
            clinic, idle_minutes=idle_minutes, require_second_factor=require_second_factor
        )
        if changed == clinic:
            return clinic
        updated = uow.clinics.update(changed)
        state = "on" if require_second_factor else "off"
        detail = f"idle_minutes {idle_minutes}; require_second_factor {state}"
        audit.record(uow, actor, "update", "clinic", clinic.id, detail=detail)
        uow.commit()
    return updated


def set_break_glass_minutes(ctx: Context, actor: Actor, minutes: int) -> Clinic:
    """How long the front desk's emergency access to a chart lasts (``domain.break_glass``)."""
    require(actor, _MANAGE)
    problem = minutes_problem(minutes)
    if problem is not None:
        raise InvalidInput.of([problem])
    with ctx.uow() as uow:
        clinic = _clinic(uow, actor)
        if clinic.break_glass_minutes == minutes:
            return clinic
        updated = uow.clinics.update(replace(clinic, break_glass_minutes=minutes))
        detail = f"break_glass_minutes {clinic.break_glass_minutes} -> {minutes}"
        audit.record(uow, actor, "update", "clinic", clinic.id, detail=detail)
        uow.commit()
    return updated


def update_profile(ctx: Context, actor: Actor, edit: ProfileEdit) -> Clinic:
    """Save the clinic's profile as the medical director typed it. Every bad field is named at
    once (InvalidInput); an edit of a version someone else has since saved over is refused
    (VersionConflict). The audit event names each changed field, old -> new (a clinic's profile
    is not patient data). An edit that changes nothing saves and audits nothing."""
    require(actor, _MANAGE)
    with ctx.uow() as uow:
        clinic = _clinic(uow, actor)
        edited = edit.applied_to(clinic)
        problems = clinic_profile_problems(edited)
        if problems:
            raise InvalidInput.of(problems)
        if clinic.version != edit.version:
            raise VersionConflict("clinic", clinic.id, edit.version, clinic.version)
        changed = profile_changes(clinic, edited)
        if not changed:
            return clinic
        updated = uow.clinics.update(edited)
        audit.record(uow, actor, "update", "clinic", clinic.id, detail="; ".join(changed))
        uow.commit()
    return updated


def profile_changes(before: Clinic, after: Clinic) -> list[str]:
    """Each changed profile field as ``field 'old' -> 'new'``, in the form's order."""
    return [
        f"{field} {getattr(before, field)!r} -> {getattr(after, field)!r}"
        for field in PROFILE_FIELDS
        if getattr(before, field) != getattr(after, field)
    ]


def _clinic(uow: UnitOfWork, actor: Actor) -> Clinic:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic", actor.clinic_id)
    return clinic
