"""The clinic's users and settings, for its medical director."""

from __future__ import annotations

from fastapi import Response

from resurface.services import accounts, clinic_settings, second_factor, users
from resurface.web.api.schemas.admin import (
    ClinicOut,
    ClinicProfileIn,
    ClinicSettingsIn,
    PasswordResetOut,
    SecondFactorRemovalIn,
    SecondFactorRemovalOut,
    SignInRulesIn,
    UserChangeIn,
    UserIn,
    UserOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = v1_router(tags=["clinic administration"])


@router.get("/users", response_model=list[UserOut])
def list_users(ctx: ContextDep, actor: ActorDep) -> list[UserOut]:
    return [UserOut.of(user) for user in users.clinic_users(ctx, actor)]


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(ctx: ContextDep, session: CheckedSessionDep, body: UserIn) -> UserOut:
    added = users.add_colleague(
        ctx, session.actor, body.username, body.display_name, body.role, body.password, body.email
    )
    return UserOut.of(added)


@router.get("/users/{user_id}", response_model=UserOut)
def user(ctx: ContextDep, actor: ActorDep, user_id: int) -> UserOut:
    return UserOut.of(users.colleague(ctx, actor, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def change_user(
    ctx: ContextDep, session: CheckedSessionDep, user_id: int, body: UserChangeIn
) -> UserOut:
    """Rename a user, change their role, deactivate or reactivate them. A change that would
    leave the clinic with no active admin is refused (422, naming the field)."""
    return UserOut.of(users.change_user(ctx, session.actor, user_id, body.change()))


@router.post("/users/{user_id}/password-reset", response_model=PasswordResetOut)
def reset_password(
    ctx: ContextDep, session: CheckedSessionDep, user_id: int, response: Response
) -> PasswordResetOut:
    """Give a user of your clinic a temporary password, answered this once: they must change it
    at their next sign-in, and every session of theirs ends now. Your own password is changed
    with POST /api/v1/me/password instead (422)."""
    reset = accounts.reset_password(ctx, session.actor, user_id)
    response.headers["Cache-Control"] = "no-store"
    return PasswordResetOut.of(reset)


@router.post("/users/{user_id}/second-factor-removal", response_model=SecondFactorRemovalOut)
def remove_second_factor(
    ctx: ContextDep, session: CheckedSessionDep, user_id: int, body: SecondFactorRemovalIn
) -> SecondFactorRemovalOut:
    """Remove the second factor of a user of your clinic who lost or replaced their phone, with
    a reason: every session of theirs ends, and they turn it on again with the new phone. 409 if
    they have none; your own is turned off on your account page, with a code (422)."""
    removal = second_factor.remove_lost(ctx, session.actor, user_id, body.reason)
    return SecondFactorRemovalOut.of(removal)


@router.get("/clinic", response_model=ClinicOut)
def clinic(ctx: ContextDep, actor: ActorDep) -> ClinicOut:
    return ClinicOut.of(clinic_settings.clinic_settings(ctx, actor))


@router.put("/clinic", response_model=ClinicOut)
def update_clinic(ctx: ContextDep, session: CheckedSessionDep, body: ClinicSettingsIn) -> ClinicOut:
    """The clinic's settings: plan co-signature, and how long emergency chart access lasts
    (``break_glass_minutes``, 5-240; 422 naming the field otherwise)."""
    if body.break_glass_minutes is not None:
        clinic_settings.set_break_glass_minutes(ctx, session.actor, body.break_glass_minutes)
    updated = clinic_settings.set_require_cosign(ctx, session.actor, body.require_cosign)
    return ClinicOut.of(updated)


@router.put("/clinic/sign-in", response_model=ClinicOut)
def update_sign_in_rules(
    ctx: ContextDep, session: CheckedSessionDep, body: SignInRulesIn
) -> ClinicOut:
    """Set the idle time after which users are signed out, and whether medical directors must
    use a second factor (those without one are then sent to turn it on before anything else)."""
    updated = clinic_settings.set_sign_in_rules(
        ctx, session.actor, body.idle_minutes, body.require_second_factor
    )
    return ClinicOut.of(updated)


@router.patch("/clinic", response_model=ClinicOut)
def edit_clinic_profile(
    ctx: ContextDep, session: CheckedSessionDep, body: ClinicProfileIn
) -> ClinicOut:
    """Edit the clinic's profile. Every refused field is named at once (422); an edit of a
    version someone else has saved over since is refused (409)."""
    return ClinicOut.of(clinic_settings.update_profile(ctx, session.actor, body.edit()))
