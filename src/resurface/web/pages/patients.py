"""The patient list, the chart timeline, and the patient's details as the front desk keeps them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.journey import Stage
from resurface.domain.people import Sex
from resurface.services import break_glass, charts, patients
from resurface.services.access import Permission
from resurface.services.context import Context
from resurface.services.scheduling import views
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.consultations import parse_patient
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/patients")
def patient_list(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    q: Annotated[str, Query(max_length=100)] = "",
    stage: Annotated[str, Query(description="a stage, or empty for all")] = "",
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
    cursor: Annotated[str, Query(max_length=patients.CURSOR_MAX)] = "",
) -> Response:
    """The page links carry the cursor of the page they are on: a page deep in the list is
    found from the one before it, not by walking every row before it."""
    chosen = _stage(stage)
    query = patients.PatientQuery(q, chosen, page_number, per_page=25, cursor=cursor)
    found = patients.list_patients(ctx, session.actor, query)
    return page(
        request,
        "patients.html",
        session,
        found=found,
        q=q,
        stage=chosen,
        stages=list(Stage),
        can_view_chart=session.actor.may(Permission.VIEW_CHART),
    )


def _stage(value: str) -> Stage | None:
    """The form's "All stages" sends an empty value."""
    if not value:
        return None
    try:
        return Stage(value)
    except ValueError:
        choices = ", ".join(s.value for s in Stage)
        raise InvalidInput("stage", f"must be one of {choices}") from None


@router.get("/patients/{patient_id:int}")
def chart(request: Request, ctx: ContextDep, session: SessionDep, patient_id: int) -> Response:
    view, coming = charts.chart_page(ctx, session.actor, patient_id, session.clinic)
    now = ctx.clock.now()
    return page(
        request, "chart.html", session, view=view, coming=coming, today=ctx.clock.today(), now=now
    )


@router.get("/patients/{patient_id:int}/break-glass")
def break_glass_form(
    request: Request, ctx: ContextDep, session: SessionDep, patient_id: int
) -> Response:
    return _break_glass_page(request, ctx, session, patient_id)


@router.post("/patients/{patient_id:int}/break-glass")
def open_break_glass(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Open the chart in an emergency; refused, the form comes back with the reason as typed."""
    try:
        break_glass.open_break_glass(ctx, session.actor, patient_id, reason)
    except InvalidInput as error:
        errors = error.by_field()
        return _break_glass_page(request, ctx, session, patient_id, reason, errors)
    return RedirectResponse(f"/patients/{patient_id}", status_code=303)


def _break_glass_page(
    request: Request,
    ctx: Context,
    session: Session,
    patient_id: int,
    reason: str = "",
    errors: dict[str, str] | None = None,
) -> Response:
    if session.actor.may(Permission.VIEW_CHART):
        return RedirectResponse(f"/patients/{patient_id}", status_code=303)
    found = patients.patient_details(ctx, session.actor, patient_id)
    return page(
        request,
        "break_glass.html",
        session,
        status_code=422 if errors else 200,
        patient=found.patient,
        status=break_glass.emergency_status(ctx, session.actor, patient_id),
        now=ctx.clock.now(),
        reason=reason,
        errors=errors or {},
    )


@router.get("/patients/{patient_id:int}/details")
def details(request: Request, ctx: ContextDep, session: SessionDep, patient_id: int) -> Response:
    return _details_page(request, ctx, session, patient_id)


@router.post("/patients/{patient_id:int}/details")
async def amend_details(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    """Save the corrected details with the reason; refused, the form comes back as typed."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    parsed = parse_patient(form)
    errors = dict(parsed.errors)
    version = int(v) if (v := values.get("version", "")).isdigit() else 0
    if not errors and parsed.patient is not None:
        try:
            patients.amend_details(
                ctx, session.actor, patient_id, version, parsed.patient, values.get("reason", "")
            )
        except InvalidInput as error:
            errors = error.by_field()
        except VersionConflict as conflict:
            notice = f"{conflict} Below are the details as they are now."
            return _details_page(request, ctx, session, patient_id, errors={"version": notice})
        else:
            return RedirectResponse(f"/patients/{patient_id}/details?saved=1", status_code=303)
    return _details_page(request, ctx, session, patient_id, values, errors)


def _details_page(
    request: Request,
    ctx: Context,
    session: Session,
    patient_id: int,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    found = patients.patient_details(ctx, session.actor, patient_id)
    p = found.patient
    current = {
        "given_name": p.given_name,
        "family_name": p.family_name,
        "date_of_birth": p.date_of_birth.isoformat(),
        "sex": p.sex.value,
        "phone": p.phone,
        "email": p.email,
        "version": str(p.version),
        "reason": "",
    }
    status = 409 if errors and "version" in errors else 422 if errors else 200
    return page(
        request,
        "patient_details.html",
        session,
        status_code=status,
        details=found,
        coming=views.coming_visits(ctx, session.actor, patient_id),
        values=current | (values or {}),
        errors=errors or {},
        sexes=list(Sex),
        today=ctx.clock.today(),
        saved=request.query_params.get("saved") == "1",
    )


@router.get("/photos/{photo_id:int}")
def photo(ctx: ContextDep, session: SessionDep, photo_id: int) -> Response:
    record, data = charts.read_photo_bytes(ctx, session.actor, photo_id)
    return Response(data, media_type=record.media_type, headers={"Cache-Control": "private"})
