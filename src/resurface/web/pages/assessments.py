"""Pages: the assessment (each area graded on the rule base's scales) with baseline photo upload,
and a photo's analysis (photo, overlay and metrics side by side)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from resurface.bootstrap import Runtime
from resurface.domain.codes import Area
from resurface.domain.errors import InvalidInput
from resurface.services import assessments, photos
from resurface.services.assessments import GradeEntry, baseline_scales, suggested_scale
from resurface.services.context import Context
from resurface.web.deps import CheckedSessionDep, ContextDep, RuntimeDep, Session, SessionDep
from resurface.web.pages.render import page

router = APIRouter()

METRIC_WORDS = {
    "a_star_mean": "Redness (mean a*)",
    "erythema_index": "Erythema index",
    "red_area_pct": "Red area (%)",
    "l_star_mean": "Lightness (mean L*)",
    "b_star_mean": "Yellowness (mean b*)",
    "ita_deg": "ITA° (skin tone angle)",
    "ita_category": "Tone category",
    "spot_count": "Spots (count)",
    "spot_area_pct": "Spot area (%)",
    "wrinkle_length_mm": "Wrinkle length",
    "wrinkle_density": "Wrinkle density",
    "texture_roughness": "Texture roughness",
    "tone_evenness": "Tone unevenness (std of L*)",
}


@router.get("/patients/{patient_id}/assessments/new")
def new_assessment(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    assessment: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    return _desk(request, ctx, session, patient_id, assessment)


@router.post("/patients/{patient_id}/assessments/new")
async def record(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    form = await request.form()
    values = {k: str(v) for k, v in form.multi_items()}
    errors: dict[str, str] = {}
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
    return _desk(request, ctx, session, patient_id, None, values=values, errors=errors)


@router.post("/patients/{patient_id}/photos")
def upload(
    request: Request,
    ctx: ContextDep,
    runtime: RuntimeDep,
    session: CheckedSessionDep,
    patient_id: int,
    region: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    assessment_id: Annotated[str, Form()] = "",
) -> Response:
    linked = int(assessment_id) if assessment_id.isdigit() else None
    data = file.file.read(ctx.limits.upload_bytes + 1)
    try:
        uploaded = photos.upload_photo(
            ctx, session.actor, patient_id, region, data, assessment_id=linked
        )
    except InvalidInput as error:
        values = {"region": region}
        errors = {f"photo_{error.field}": error.message}
        return _desk(request, runtime, session, patient_id, linked, values=values, errors=errors)
    notes = "?no_face=1" if uploaded.notes and uploaded.notes[0] == photos.NO_FACE_NOTE else ""
    return RedirectResponse(f"/photos/{uploaded.photo.id}/analysis{notes}", status_code=303)


@router.get("/photos/{photo_id}/overlay.png")
def overlay(ctx: ContextDep, session: SessionDep, photo_id: int) -> Response:
    data = photos.read_overlay(ctx, session.actor, photo_id)
    return Response(data, media_type="image/png", headers={"Cache-Control": "private"})


@router.get("/photos/{photo_id}/analysis")
def analysis(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    photo_id: int,
    no_face: Annotated[int, Query(ge=0, le=1)] = 0,
) -> Response:
    view = photos.read_analysis(ctx, session.actor, photo_id)
    notes = [photos.NO_FACE_NOTE] if no_face else []
    return page(
        request,
        "photo_analysis.html",
        session,
        view=view,
        notes=notes,
        metric_words=METRIC_WORDS,
    )


def _grade_key(field: str) -> str:
    """``grade cheeks glogau`` (the service's field name) -> the form's select name."""
    parts = field.split(" ")
    return f"grade|{parts[1]}|{parts[2]}" if len(parts) == 3 and parts[0] == "grade" else field


def _desk(
    request: Request,
    source: Context | Runtime,
    session: Session,
    patient_id: int,
    assessment_id: int | None,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    """The assessment desk page. ``source`` is the context; the photo-upload route (moving to
    pages/photos.py) still hands over the runtime until it is converted."""
    ctx = source.context if isinstance(source, Runtime) else source
    desk = assessments.assessment_desk(ctx, session.actor, patient_id, assessment_id)
    areas = desk.areas or tuple(Area)
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
    }
    return page(
        request, "assessment_new.html", session, status_code=422 if errors else 200, **context
    )
