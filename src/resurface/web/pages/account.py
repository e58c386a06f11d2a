"""The signed-in user's own account: changing their password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.services import accounts
from resurface.services.passwords import MIN_LENGTH
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter(prefix="/account")


def _password_page(
    request: Request,
    session: Session,
    *,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    """The form; refused, every field's problem is on it (passwords are never sent back)."""
    return page(
        request,
        "account_password.html",
        session,
        status_code=status,
        errors=errors or {},
        min_length=MIN_LENGTH,
        required=session.actor.must_change_password,
        changed=request.query_params.get("changed"),
    )


@router.get("/password")
def password_form(request: Request, session: SessionDep) -> Response:
    return _password_page(request, session)


@router.post("/password")
def change_password(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    new_password_again: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    try:
        ended = accounts.change_own_password(
            ctx,
            session.actor,
            session.token,
            current_password,
            new_password,
            new_password_again,
        )
    except InvalidInput as error:
        return _password_page(request, session, errors=error.by_field(), status=422)
    return RedirectResponse(f"/account/password?changed={ended}", status_code=303)
