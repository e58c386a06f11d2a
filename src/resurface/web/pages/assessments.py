"""Pages: the assessment desk, where each area is graded on the rule base's scales and baseline
photos are uploaded (the upload itself is in ``pages/photos``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from resurface.domain.chart import Assessment, PhotoPurpose
from resurface.domain.codes import Area
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.photo_metrics import METRIC_ORDER, metric_label
from resurface.services import assessments
from resurface.services.assessments import GradeEntry, baseline_scales, suggested_scale
from resurface.services.context import Context
from resurface.services.photos import MAX_PHOTOS_AT_ONCE
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.photo_form import SentPhotos, blank_form, sent_form
from resurface.web.pages.render import page

router = APIRouter()

#: The metrics' names for people, as every page, report and CSV names them (lengths in mm).
METRIC_WORDS = {name: metric_label(name) for name in METRIC_ORDER}


@router.get("/patients/{patient_id}/assessments/new")
def new_assessment(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    assessment: Annotated[int | None, Query(ge=1)] = None,
    saved: Annotated[int, Query(ge=0, le=MAX_PHOTOS_AT_ONCE)] = 0,
) -> Response:
    return desk_page(request, ctx, session, patient_id, assessment, saved=saved)


def _typed(
    values: dict[str, str], errors: dict[str, str]
) -> tuple[list[GradeEntry], dt.date | None]:
    """The grades and the date as typed; what cannot be read is put in ``errors``."""
    entries = []
    for key, code in values.items():
        if key.startswith("grade|") and code.strip():
            _, area, scale = key.split("|", 2)
            try:
                entries.append(GradeEntry(Area(area), scale, code))
            except ValueError:
                errors[key] = "unknown area"
    assessed_on = None
    if text := values.get("assessed_on", "").strip():
        try:
            assessed_on = dt.date.fromisoformat(text)
        except ValueError:
            errors["assessed_on"] = "is not a date (year-month-day)"
    return entries, assessed_on


@router.post("/patients/{patient_id}/assessments/new")
async def record(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.multi_items()}
    errors: dict[str, str] = {}
    entries, assessed_on = _typed(values, errors)
    if not errors:
        try:
            saved = assessments.record_assessment(
                ctx,
                session.actor,
                patient_id,
                entries,
                assessed_on=assessed_on,
                notes=values.get("notes", ""),
            )
        except InvalidInput as error:
            for field, message in error.by_field().items():
                errors[_grade_key(field)] = message
        else:
            target = f"/patients/{patient_id}/assessments/new?assessment={saved.id}#photos"
            return RedirectResponse(target, status_code=303)
    return desk_page(request, ctx, session, patient_id, None, values=values, errors=errors)


@router.post("/patients/{patient_id}/assessments/{assessment_id}/amend")
async def amend(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    assessment_id: int,
) -> Response:
    """Save the corrected grades with the reason; refused, the form comes back as typed."""
    form = await request.form()
    values = {k: str(v) for k, v in form.multi_items()}
    errors: dict[str, str] = {}
    entries, assessed_on = _typed(values, errors)
    if assessed_on is None and "assessed_on" not in errors:
        errors["assessed_on"] = "is required"
    version = int(v) if (v := values.get("version", "")).isdigit() else 0
    if not errors and assessed_on is not None:
        try:
            assessments.amend_assessment(
                ctx,
                session.actor,
                assessment_id,
                version,
                entries,
                assessed_on=assessed_on,
                notes=values.get("notes", ""),
                reason=values.get("reason", ""),
            )
        except InvalidInput as error:
            for field, message in error.by_field().items():
                errors[_grade_key(field)] = message
        except VersionConflict as conflict:
            errors = {"version": f"{conflict} Below are the grades as they are now."}
            return desk_page(request, ctx, session, patient_id, assessment_id, errors=errors)
        else:
            target = (
                f"/patients/{patient_id}/assessments/new?assessment={assessment_id}&corrected=1"
            )
            return RedirectResponse(target, status_code=303)
    return desk_page(request, ctx, session, patient_id, assessment_id, values=values, errors=errors)


def _grade_key(field: str) -> str:
    """``grade cheeks glogau`` (the service's field name) -> the form's select name."""
    parts = field.split(" ")
    return f"grade|{parts[1]}|{parts[2]}" if len(parts) == 3 and parts[0] == "grade" else field


def desk_page(
    request: Request,
    ctx: Context,
    session: Session,
    patient_id: int,
    assessment_id: int | None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    sent_photos: SentPhotos | None = None,
    saved: int = 0,
) -> Response:
    """The assessment desk page, with the grades form or the photo form filled in as sent and
    every refused field marked."""
    desk = assessments.assessment_desk(ctx, session.actor, patient_id, assessment_id)
    if values is None and desk.assessment is not None:
        values = _saved_values(ctx, desk.assessment)
    areas = desk.areas or tuple(Area)
    shown = [photo for photo, _ in desk.photos]
    upload = blank_form(PhotoPurpose.BASELINE, desk.areas, assessment_id, photos=shown)
    if sent_photos is not None:
        upload = sent_form(upload, *sent_photos)
    suggested: dict[str, str] = {}
    if desk.consultation:
        for goal in desk.consultation.goals:
            suggested.setdefault(goal.area.value, suggested_scale(goal.concern))
    context: dict[str, Any] = {
        "desk": desk,
        "areas": areas,
        "all_areas": list(Area),
        "scales": baseline_scales(ctx.rules),
        "suggested": suggested,
        "values": values or {},
        "errors": errors or {},
        "today": ctx.clock.today(),
        "metric_words": METRIC_WORDS,
        "corrected": request.query_params.get("corrected") == "1",
        "upload": upload,
        "saved": saved,
        "max_bytes": ctx.limits.upload_bytes,
    }
    status = 409 if errors and "version" in errors else 422 if errors else 200
    return page(request, "assessment_new.html", session, status_code=status, **context)


def _saved_values(ctx: Context, assessment: Assessment) -> dict[str, str]:
    """A saved assessment as its correction form starts: each grade by its code."""
    scales = ctx.rules.scales.scales
    values = {
        "assessed_on": assessment.assessed_on.isoformat(),
        "notes": assessment.notes,
        "version": str(assessment.version),
    }
    for grade in assessment.grades:
        scale = scales.get(grade.scale)
        if scale is not None and 0 < grade.value <= len(scale.grades):
            code = scale.grades[grade.value - 1].code
            values[f"grade|{grade.area.value}|{grade.scale}"] = code
    return values
