"""The patient's page of one appointment (from the reminder e-mail): when and where, "I will
come" or "I need another time", and their appointments as a calendar file. No sign-in: the
signed address is the key; a refused or outdated address gets the same page as any other."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.interop.icalendar_files import ics
from resurface.services.errors import LinkNotUsable
from resurface.services.scheduling import visit_links
from resurface.web.deps import ContextDep
from resurface.web.pages.render import page
from resurface.web.patient_link import PATIENT_HEADERS
from resurface.web.security import CSRF_FIELD, tokens_match

router = APIRouter()


def _patient_page(
    request: Request, template: str, status_code: int = 200, **context: object
) -> Response:
    response = page(request, template, None, status_code=status_code, **context)
    response.headers.update(PATIENT_HEADERS)
    return response


def _not_usable(request: Request) -> Response:
    return _patient_page(request, "patient_link_invalid.html", status_code=404)


@router.get("/v/{token}")
def visit(request: Request, ctx: ContextDep, token: str, answered: str = "") -> Response:
    try:
        found = visit_links.open_visit(ctx, token)
    except LinkNotUsable:
        return _not_usable(request)
    return _patient_page(
        request, "patient_visit.html", visit=found, token=token,
        patient_csrf=ctx.links.patient_csrf(token), answered=answered[:10], errors={},
    )  # fmt: skip


@router.post("/v/{token}")
def answer(
    request: Request,
    ctx: ContextDep,
    token: str,
    coming: Annotated[str, Form(max_length=3)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD, max_length=200)] = "",
) -> Response:
    try:
        if not tokens_match(ctx.links.patient_csrf(token), csrf_token or None):
            raise LinkNotUsable()
        visit_links.answer_visit(ctx, token, coming=coming == "yes", note=note)
    except LinkNotUsable:
        return _not_usable(request)
    except InvalidInput as error:
        found = visit_links.open_visit(ctx, token)
        return _patient_page(
            request, "patient_visit.html", status_code=422, visit=found, token=token,
            patient_csrf=ctx.links.patient_csrf(token), answered="", errors=error.by_field(),
        )  # fmt: skip
    return RedirectResponse(f"/v/{token}?answered={'yes' if coming == 'yes' else 'change'}",
                            status_code=303)  # fmt: skip


@router.get("/v/{token}/appointments.ics")
def calendar_file(request: Request, ctx: ContextDep, token: str) -> Response:
    try:
        calendar = visit_links.visit_calendar(ctx, token)
    except LinkNotUsable:
        return _not_usable(request)
    headers = dict(PATIENT_HEADERS) | {
        "Content-Disposition": 'attachment; filename="appointments.ics"'
    }
    return Response(ics(calendar, now=ctx.clock.now()), media_type="text/calendar; charset=utf-8",
                    headers=headers)  # fmt: skip
