"""Pages: uploading photos (several in one form, each with its region; EXIF stripped, measured
in the background) as baselines from the assessment page or as follow-ups from their own page, and a
photo's analysis: the photo, its overlay and its metrics side by side."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.codes import Area
from resurface.domain.errors import InvalidInput, VersionConflict
from resurface.domain.photo_metrics import metric_label, region_label
from resurface.services import photos
from resurface.services.context import Context
from resurface.services.photos import MAX_PHOTOS_AT_ONCE, PhotoRow
from resurface.web.deps import CheckedSessionDep, ContextDep, Session, SessionDep
from resurface.web.pages.assessments import METRIC_WORDS, desk_page
from resurface.web.pages.photo_form import (
    SentPhotos,
    blank_form,
    field_of,
    read_rows,
    sent_form,
)
from resurface.web.pages.render import page

router = APIRouter()


@router.get("/patients/{patient_id}/photos/follow-up")
def follow_up_page(
    request: Request,
    ctx: ContextDep,
    session: SessionDep,
    patient_id: int,
    saved: Annotated[int, Query(ge=0, le=MAX_PHOTOS_AT_ONCE)] = 0,
) -> Response:
    return follow_up_desk_page(request, ctx, session, patient_id, saved=saved)


@router.post("/patients/{patient_id}/photos")
async def upload(
    request: Request, ctx: ContextDep, session: CheckedSessionDep, patient_id: int
) -> Response:
    """The rows of a photo form: every photo is saved on its own, a refused one is shown on its
    row with the others marked saved, and the form goes back with its request key."""
    form = await request.form()
    follow_up = form.get("purpose") == PhotoPurpose.FOLLOW_UP.value
    purpose = PhotoPurpose.FOLLOW_UP if follow_up else PhotoPurpose.BASELINE
    linked_text = str(form.get("assessment_id") or "")
    linked = int(linked_text) if linked_text.isdigit() and len(linked_text) < 10 else None
    request_key = str(form.get("request_key") or "")[:100]
    rows, regions = await read_rows(form, ctx.limits.upload_bytes)
    sent: SentPhotos = (request_key, regions, {})
    # Decoding and re-encoding takes a moment a photo: off the event loop.
    return await run_in_threadpool(
        _save, request, ctx, session, patient_id, rows, purpose, linked, sent
    )


def _save(
    request: Request,
    ctx: Context,
    session: Session,
    patient_id: int,
    rows: dict[int, PhotoRow],
    purpose: PhotoPurpose,
    linked: int | None,
    sent: SentPhotos,
) -> Response:
    request_key, regions, _ = sent
    errors: dict[str, str] = {}
    saved: dict[int, Photo] = {}
    try:
        uploaded = photos.upload_photos(
            ctx, session.actor, patient_id, rows,
            purpose=purpose, assessment_id=linked, request_key=request_key,
        )  # fmt: skip
    except InvalidInput as error:
        errors = {field_of(0, field): message for field, message in error.by_field().items()}
    else:
        saved = {i: u.photo for i, u in uploaded.saved.items()}
        for index, refused in sorted(uploaded.refused.items()):
            for field, message in refused.by_field().items():
                errors[field_of(index, field)] = message
    if not errors:
        return RedirectResponse(_back(patient_id, purpose, linked, len(saved)), status_code=303)
    sent = (request_key, regions, saved)
    if purpose is PhotoPurpose.FOLLOW_UP:
        return follow_up_desk_page(request, ctx, session, patient_id, sent=sent, errors=errors)
    return desk_page(request, ctx, session, patient_id, linked, errors=errors, sent_photos=sent)


def _back(patient_id: int, purpose: PhotoPurpose, assessment_id: int | None, saved: int) -> str:
    """Back to the page of the form, its photos listed with the number just saved."""
    if purpose is PhotoPurpose.FOLLOW_UP:
        return f"/patients/{patient_id}/photos/follow-up?saved={saved}#photos"
    query = f"assessment={assessment_id}&" if assessment_id is not None else ""
    return f"/patients/{patient_id}/assessments/new?{query}saved={saved}#photos"


def follow_up_desk_page(
    request: Request,
    ctx: Context,
    session: Session,
    patient_id: int,
    *,
    saved: int = 0,
    sent: SentPhotos | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    desk = photos.follow_up_desk(ctx, session.actor, patient_id)
    shown = [photo for series in desk.series for photo in series.photos]
    upload_form = blank_form(PhotoPurpose.FOLLOW_UP, desk.areas, photos=shown)
    if sent is not None:
        upload_form = sent_form(upload_form, *sent)
    return page(
        request,
        "photos_follow_up.html",
        session,
        status_code=422 if errors else 200,
        desk=desk,
        upload=upload_form,
        errors=errors or {},
        saved=saved,
        max_bytes=ctx.limits.upload_bytes,
    )


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
    return _analysis_page(request, ctx, session, photo_id, no_face=bool(no_face))


def _analysis_page(
    request: Request,
    ctx: Context,
    session: Session,
    photo_id: int,
    *,
    no_face: bool = False,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    view = photos.read_analysis(ctx, session.actor, photo_id)
    notes = list(view.notes) or ([photos.NO_FACE_NOTE] if no_face else [])
    status = 409 if errors and "version" in errors else 422 if errors else 200
    return page(
        request,
        "photo_analysis.html",
        session,
        status_code=status,
        view=view,
        notes=notes or [],
        metric_words=METRIC_WORDS,
        metric_labels_px={name: metric_label(name, "px") for name in METRIC_WORDS},
        region_labels={
            r.name: region_label(r.name)
            for r in (view.measurement.regions if view.measurement else ())
        },
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
