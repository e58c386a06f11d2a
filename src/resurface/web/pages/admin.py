"""Clinic administration: the clinic's users and its settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.domain.people import Role
from resurface.services import clinic_settings, users
from resurface.services.context import Context
from resurface.services.errors import Conflict
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
    staff = users.clinic_users(ctx, session.actor)
    return page(
        request,
        "users.html",
        session,
        status_code=status,
        users=staff,
        roles=ROLES_LEAST_FIRST,
        role_names=ROLE_NAMES,
        errors=errors or {},
        form={"role": Role.STAFF.value} | (form or {}),
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
    except Conflict as error:
        errors = {"username": str(error)}
        return _users_page(request, ctx, session, errors=errors, form=form, status=409)
    return RedirectResponse("/admin/users", status_code=303)


# --- the clinic's settings --------------------------------------------------------------------


@router.get("/clinic")
def clinic_page(request: Request, ctx: ContextDep, session: SessionDep) -> Response:
    clinic = clinic_settings.clinic_settings(ctx, session.actor)
    saved = request.query_params.get("saved") == "1"
    return page(request, "clinic_settings.html", session, clinic=clinic, saved=saved)


@router.post("/clinic")
def save_clinic(
    ctx: ContextDep,
    session: CheckedSessionDep,
    require_cosign: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    clinic_settings.set_require_cosign(ctx, session.actor, require_cosign == "on")
    return RedirectResponse("/admin/clinic?saved=1", status_code=303)
