"""Clinic administration: the clinic's users and its settings."""

from __future__ import annotations

import functools
import zoneinfo
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.people import PROFILE_FIELDS, Clinic, Role, User
from resurface.services import accounts, clinic_settings, second_factor, users
from resurface.services.context import Context
from resurface.services.passwords import MIN_LENGTH
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter(prefix="/admin")


# The new-user form offers the least powerful role first, and starts on it.
ROLES_LEAST_FIRST = (Role.STAFF, Role.CLINICIAN, Role.ADMIN)
ROLE_NAMES = {
    Role.STAFF: "front desk",
    Role.CLINICIAN: "clinician",
    Role.ADMIN: "admin (medical director)",
}


def _users_page(
    request: Request,
    ctx: Context,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The clinic's users and the form to add one; ``errors`` (field -> message) marks every
    field that was refused, all at once."""
    roster = users.roster(ctx, session.actor)
    return page(
        request,
        "users.html",
        session,
        status_code=status,
        users=roster.users,
        with_code=roster.with_second_factor,
        roles=ROLES_LEAST_FIRST,
        role_names=ROLE_NAMES,
        errors=errors or {},
        form={"role": Role.STAFF.value} | (form or {}),
        saved=request.query_params.get("saved") == "1",
        min_length=MIN_LENGTH,
    )


@router.get("/users")
def user_list(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    return _users_page(request, ctx, session)


@router.post("/users")
def add_user(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    username: Annotated[str, Form(max_length=80)],
    display_name: Annotated[str, Form(max_length=200)],
    role: Annotated[Role, Form()],
    password: Annotated[str, Form(max_length=200)],
) -> Response:
    form = {"username": username, "display_name": display_name, "role": role.value}
    try:
        users.add_colleague(ctx, session.actor, username, display_name, role, password)
    except InvalidInput as error:
        return _users_page(request, ctx, session, errors=error.by_field(), form=form, status=422)
    return RedirectResponse("/admin/users", status_code=303)


def _user_page(
    request: Request,
    ctx: Context,
    session: Session,
    user: User,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
    reset: accounts.PasswordReset | None = None,
    removal: second_factor.Removal | None = None,
    removal_errors: dict[str, str] | None = None,
) -> Response:
    """One user's name, role and whether they may sign in, as a form; ``form`` is what was typed
    when the change was refused. After a password reset, the temporary password, this once."""
    typed = {
        "display_name": user.display_name,
        "role": user.role.value,
        "active": "on" if user.active else "",
    } | (form or {})
    return page(
        request,
        "user_edit.html",
        session,
        status_code=status,
        user=user,
        roles=ROLES_LEAST_FIRST,
        role_names=ROLE_NAMES,
        errors=errors or {},
        form=typed,
        yourself=user.id == session.actor.user_id,
        reset=reset,
        removal=removal,
        removal_errors=removal_errors or {},
        view=users.colleague_view(ctx, session.actor, user.id),
    )


@router.get("/users/{user_id}")
def user_form(request: Request, ctx: ContextDep, session: SessionDep, user_id: int) -> Response:
    return _user_page(request, ctx, session, users.colleague(ctx, session.actor, user_id))


@router.post("/users/{user_id}")
def change_user(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    user_id: int,
    role: Annotated[Role, Form()],
    display_name: Annotated[str, Form(max_length=1000)] = "",
    active: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    # An empty name is refused by the rule beside the other fields, not as a missing form field.
    form = {"display_name": display_name, "role": role.value, "active": active}
    change = users.UserChange(display_name=display_name, role=role, active=active == "on")
    try:
        changed = users.change_user(ctx, session.actor, user_id, change)
    except InvalidInput as error:
        user = users.colleague(ctx, session.actor, user_id)
        errors = error.by_field()
        return _user_page(request, ctx, session, user, errors=errors, form=form, status=422)
    if changed.id == session.actor.user_id and changed.role is not Role.ADMIN:
        return RedirectResponse("/", status_code=303)  # no longer sees the users page
    return RedirectResponse("/admin/users?saved=1", status_code=303)


@router.post("/users/{user_id}/password-reset")
def reset_password(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, user_id: int
) -> Response:
    """The temporary password is on this answer and nowhere else: never cached, never redirected
    to (a reload does not show it again)."""
    try:
        reset = accounts.reset_password(ctx, session.actor, user_id)
    except InvalidInput as error:
        user = users.colleague(ctx, session.actor, user_id)
        errors = {"reset": error.message}
        return _user_page(request, ctx, session, user, errors=errors, status=422)
    user = users.colleague(ctx, session.actor, user_id)
    response = _user_page(request, ctx, session, user, reset=reset)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/users/{user_id}/second-factor-removal")
def remove_second_factor(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    user_id: int,
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """For a user who lost or replaced their phone: they enrol again with the new one."""
    try:
        removal = second_factor.remove_lost(ctx, session.actor, user_id, reason)
    except InvalidInput as error:
        user = users.colleague(ctx, session.actor, user_id)
        form = {"reason": reason}
        return _user_page(
            request, ctx, session, user, removal_errors=error.by_field(), form=form, status=422
        )
    return _user_page(request, ctx, session, removal.user, removal=removal)


# --- the clinic's settings --------------------------------------------------------------------

_STALE_PROFILE = (
    "Someone else saved the clinic's profile while you were editing it. Nothing of yours was "
    "saved: the form shows the profile as it is now - make your change again."
)


@functools.cache
def _time_zones() -> tuple[str, ...]:
    """Every IANA time zone name, for the form's suggestions."""
    return tuple(sorted(zoneinfo.available_timezones()))


def _clinic_page(
    request: Request,
    ctx: Context,
    session: Session,
    clinic: Clinic,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    """The clinic's profile and settings; ``form`` is what was typed when the profile was
    refused (``version`` included: the edit still applies to the version it began on)."""
    values = {field: getattr(clinic, field) for field in PROFILE_FIELDS}
    values["version"] = str(clinic.version)
    values["idle_minutes"] = str(clinic.idle_minutes)
    values["require_second_factor"] = "on" if clinic.require_second_factor else ""
    values["break_glass_minutes"] = str(clinic.break_glass_minutes)
    return page(
        request,
        "clinic_settings.html",
        session,
        status_code=status,
        clinic=clinic,
        form=values | (form or {}),
        errors=errors or {},
        notice=notice,
        saved=request.query_params.get("saved"),
        server_zone=str(ctx.clock.zone),
        server_url=ctx.links.public_url,
        time_zones=_time_zones(),
    )


@router.get("/clinic")
def clinic_page(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    clinic = clinic_settings.clinic_settings(ctx, session.actor)
    return _clinic_page(request, ctx, session, clinic)


@router.post("/clinic")
def save_clinic(
    ctx: ContextDep,
    session: CheckedSessionDep,
    require_cosign: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    clinic_settings.set_require_cosign(ctx, session.actor, require_cosign == "on")
    return RedirectResponse("/admin/clinic?saved=1", status_code=303)


@router.post("/clinic/break-glass")
def save_break_glass(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    break_glass_minutes: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    typed = break_glass_minutes.strip()
    try:
        if not typed.isdigit():
            raise InvalidInput("break_glass_minutes", "must be a whole number of minutes")
        clinic_settings.set_break_glass_minutes(ctx, session.actor, int(typed))
    except InvalidInput as error:
        clinic = clinic_settings.clinic_settings(ctx, session.actor)
        form = {"break_glass_minutes": break_glass_minutes}
        errors = error.by_field()
        return _clinic_page(request, ctx, session, clinic, errors=errors, form=form, status=422)
    return RedirectResponse("/admin/clinic?saved=break-glass", status_code=303)


@router.post("/clinic/profile")
def save_profile(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    version: Annotated[int, Form(ge=1)],
    name: Annotated[str, Form(max_length=1000)] = "",
    phone: Annotated[str, Form(max_length=1000)] = "",
    email: Annotated[str, Form(max_length=1000)] = "",
    address: Annotated[str, Form(max_length=2000)] = "",
    timezone: Annotated[str, Form(max_length=1000)] = "",
    public_url: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    # Bounded generously here so that an over-long value comes back on its field, with the others.
    typed = {
        "name": name,
        "phone": phone,
        "email": email,
        "address": address,
        "timezone": timezone,
        "public_url": public_url,
    }
    edit = clinic_settings.ProfileEdit(version=version, **typed)
    try:
        clinic_settings.update_profile(ctx, session.actor, edit)
    except InvalidInput as error:
        clinic = clinic_settings.clinic_settings(ctx, session.actor)
        form = typed | {"version": str(version)}
        errors = error.by_field()
        return _clinic_page(request, ctx, session, clinic, errors=errors, form=form, status=422)
    except VersionConflict:
        clinic = clinic_settings.clinic_settings(ctx, session.actor)
        return _clinic_page(request, ctx, session, clinic, notice=_STALE_PROFILE, status=409)
    return RedirectResponse("/admin/clinic?saved=profile", status_code=303)


@router.post("/clinic/sign-in")
def save_sign_in_rules(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    idle_minutes: Annotated[str, Form(max_length=100)] = "",
    require_second_factor: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    typed = {"idle_minutes": idle_minutes, "require_second_factor": require_second_factor}
    minutes = idle_minutes.strip()
    try:
        if not minutes.isdigit() or len(minutes) > 6:
            raise InvalidInput("idle_minutes", "must be a whole number of minutes")
        clinic_settings.set_sign_in_rules(
            ctx, session.actor, int(minutes), require_second_factor == "on"
        )
    except InvalidInput as error:
        clinic = clinic_settings.clinic_settings(ctx, session.actor)
        errors = error.by_field()
        return _clinic_page(request, ctx, session, clinic, errors=errors, form=typed, status=422)
    return RedirectResponse("/admin/clinic?saved=sign-in", status_code=303)
