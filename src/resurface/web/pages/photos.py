"""Pages: uploading a photo (EXIF stripped, measured at once), and a photo's analysis: the photo,
its overlay and its metrics side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from resurface.domain.errors import InvalidInput
from resurface.services import photos
from resurface.web.deps import CheckedSessionDep, ContextDep, SessionDep
from resurface.web.pages.assessments import METRIC_WORDS, desk_page
from resurface.web.pages.render import page

router = APIRouter()


@router.post("/patients/{patient_id}/photos")
def upload(
    request: Request,
    ctx: ContextDep,
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
        return desk_page(request, ctx, session, patient_id, linked, values=values, errors=errors)
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


@router.post("/photos/{photo_id}/accept")
def accept(ctx: ContextDep, session: CheckedSessionDep, photo_id: int) -> Response:
    """From the recovery page: the patient's photo becomes a clinical photo."""
    accepted = photos.accept_patient_photo(ctx, session.actor, photo_id)
    return RedirectResponse(
        f"/patients/{accepted.patient_id}/recovery#photo-{accepted.id}", status_code=303
    )
