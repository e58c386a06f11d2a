"""The clinic's users and settings, for its medical director."""

from __future__ import annotations

from fastapi import APIRouter

from resurface.services import clinic_settings, users
from resurface.web.api.schemas.admin import ClinicOut, ClinicSettingsIn, UserIn, UserOut
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = APIRouter(tags=["clinic administration"])


@router.get("/users", response_model=list[UserOut])
def list_users(ctx: ContextDep, actor: ActorDep) -> list[UserOut]:
    return [UserOut.of(user) for user in users.clinic_users(ctx, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(ctx: ContextDep, session: CheckedSessionDep, body: UserIn) -> UserOut:
    added = users.add_colleague(
        ctx, session.actor, body.username, body.display_name, body.role, body.password, body.email
    )
    return UserOut.of(added)


@router.get("/clinic", response_model=ClinicOut)
def clinic(ctx: ContextDep, actor: ActorDep) -> ClinicOut:
    return ClinicOut.of(clinic_settings.clinic_settings(ctx, actor))


@router.put("/clinic", response_model=ClinicOut)
def update_clinic(ctx: ContextDep, session: CheckedSessionDep, body: ClinicSettingsIn) -> ClinicOut:
    updated = clinic_settings.set_require_cosign(ctx, session.actor, body.require_cosign)
    return ClinicOut.of(updated)
