"""The clinic's own settings that change how the journey runs (e.g. plan co-signature)."""

from __future__ import annotations

from dataclasses import replace

from resurface.domain.people import Clinic
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context
from resurface.services.errors import NotFound
from resurface.services.ports import UnitOfWork

# Whoever may co-sign plans (the medical director) decides whether plans need co-signing.
_MANAGE = Permission.MANAGE_CLINIC


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


def _clinic(uow: UnitOfWork, actor: Actor) -> Clinic:
    clinic = uow.clinics.get(actor.clinic_id)
    if clinic is None:
        raise NotFound("clinic", actor.clinic_id)
    return clinic
