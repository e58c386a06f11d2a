"""Pages: uploading a photo (EXIF stripped, measured at once), and a photo's analysis: the photo,
its overlay and its metrics side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import RedirectResponse

from resurface.domain.codes import Area
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.services import photos
from resurface.services.context import Context
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
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
    notes = [photos.NO_FACE_NOTE] if no_face else []
    return _analysis_page(request, ctx, session, photo_id, notes=notes)


def _analysis_page(
    request: Request,
    ctx: Context,
    session: Session,
    photo_id: int,
    *,
    notes: list[str] | None = None,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    view = photos.read_analysis(ctx, session.actor, photo_id)
    status = 409 if errors and "version" in errors else 422 if errors else 200
    return page(
        request,
        "photo_analysis.html",
        session,
        status_code=status,
        view=view,
        notes=notes or [],
        metric_words=METRIC_WORDS,
        areas=list(Area),
        values={"region": view.photo.region, "reason": ""} | (values or {}),
        errors=errors or {},
        corrected=request.query_params.get("corrected") == "1",
    )


@router.post("/photos/{photo_id}/accept")
def accept(ctx: ContextDep, session: CheckedSessionDep, photo_id: int) -> Response:
    """From the recovery page: the patient's photo becomes a clinical photo."""
    accepted = photos.accept_patient_photo(ctx, session.actor, photo_id)
    return RedirectResponse(
        f"/patients/{accepted.patient_id}/recovery#photo-{accepted.id}", status_code=303
    )


@router.post("/photos/{photo_id}/region")
def refile(
    request: Request,
    ctx: ContextDep,
    session: CheckedSessionDep,
    photo_id: int,
    region: Annotated[str, Form()],
    version: Annotated[int, Form()],
    reason: Annotated[str, Form()] = "",
) -> Response:
    """File the photo under the region it shows, with the reason."""
    try:
        photos.refile_photo(ctx, session.actor, photo_id, version, region, reason)
    except InvalidInput as error:
        values = {"region": region, "reason": reason}
        return _analysis_page(
            request, ctx, session, photo_id, values=values, errors=error.by_field()
        )
    except VersionConflict as conflict:
        errors = {"version": f"{conflict} Below is the photo as it is now."}
        return _analysis_page(request, ctx, session, photo_id, errors=errors)
    return RedirectResponse(f"/photos/{photo_id}/analysis?corrected=1", status_code=303)
