"""My second factor: turning the authenticator-app code on (QR code, then a first code) and off."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.services import second_factor
from resurface.services.errors import Conflict
from resurface.services.second_factor import EnrolmentExpired
from resurface.services.sign_in_throttle import SignInThrottled
from resurface.web.deps import CheckedOwnSessionDep, ContextDep, OwnSessionDep, Session
from resurface.web.errors import ENROL_PAGE
from resurface.web.pages.render import page

router = APIRouter()


def _page(
    request: Request,
    ctx: ContextDep,
    session: Session,
    *,
    enrolment: second_factor.Enrolment | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    since = second_factor.enrolled_since(ctx, session.actor)
    if since is None and enrolment is None:
        enrolment = second_factor.start_enrolment(ctx, session.actor)
    qr = segno.make(enrolment.uri, error="m").svg_data_uri(scale=5) if enrolment else ""
    return page(
        request,
        "second_factor.html",
        None if session.must_enrol else session,
        status_code=status,
        since=since.astimezone(ctx.clock.zone).strftime("%d %b %Y") if since else "",
        enrolment=enrolment,
        qr=qr,
        errors=errors or {},
        must_enrol=session.must_enrol,
        own_csrf=session.csrf_token,
        saved=request.query_params.get("saved", ""),
    )


@router.get(ENROL_PAGE)
def second_factor_page(request: Request, ctx: ContextDep, session: OwnSessionDep) -> Response:
    return _page(request, ctx, session)


@router.post(ENROL_PAGE)
def turn_on(
    request: Request,
    ctx: ContextDep,
    session: CheckedOwnSessionDep,
    enrolment: Annotated[str, Form(max_length=1000)] = "",
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        second_factor.confirm_enrolment(ctx, session.actor, enrolment, code)
    except EnrolmentExpired as error:
        return _page(request, ctx, session, errors=error.by_field(), status=422)
    except InvalidInput as error:
        again = second_factor.resume_enrolment(ctx, session.actor, enrolment)
        errors = error.by_field()
        return _page(request, ctx, session, enrolment=again, errors=errors, status=422)
    except Conflict:
        pass  # turned on meanwhile, in another tab: the page shows it on
    return RedirectResponse(f"{ENROL_PAGE}?saved=on", status_code=303)


@router.post(f"{ENROL_PAGE}/off")
def turn_off(
    request: Request,
    ctx: ContextDep,
    session: CheckedOwnSessionDep,
    code: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    try:
        second_factor.turn_off(ctx, session.actor, code)
    except InvalidInput as error:
        errors = {"off_code": error.message}
        return _page(request, ctx, session, errors=errors, status=422)
    except SignInThrottled as error:
        return _page(request, ctx, session, errors={"off_code": str(error)}, status=429)
    except Conflict:
        pass
    return RedirectResponse(f"{ENROL_PAGE}?saved=off", status_code=303)
