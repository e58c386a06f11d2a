"""API: upload a photo of one region (stored without EXIF; the answer is 202, the analysis
follows in the background) and read its analysis back. One photo per request: a client with
several photos of a visit sends one request for each, each with its own Idempotency-Key."""

from __future__ import annotations

from typing import Annotated

from fastapi import File, Form, Response, UploadFile

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.corrections import RecordKind
from resurface.services import charts, photos
from resurface.services.errors import NotFound
from resurface.web.api.chart_records import read_record
from resurface.web.api.schemas.photos import (
    AnalysisOut,
    MeasurementOut,
    PhotoCorrectionIn,
    PhotoOut,
    UploadedPhotoOut,
)
from resurface.web.api.v1 import v1_router
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep, IdempotencyKey

router = v1_router(tags=["photos"])


@router.post("/patients/{patient_id}/photos", response_model=UploadedPhotoOut, status_code=202)
def upload(
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    region: Annotated[str, Form(description="the area photographed, e.g. cheeks or neck")],
    file: Annotated[UploadFile, File(description="JPEG, PNG, TIFF or HEIC")],
    assessment_id: Annotated[int | None, Form()] = None,
    purpose: Annotated[
        PhotoPurpose,
        Form(
            description="baseline: before treatment (the earliest baseline photo of a region is "
            "what later photos are measured against); follow_up: at a review or before a later "
            "session, to measure the change"
        ),
    ] = PhotoPurpose.BASELINE,
    request_key: IdempotencyKey = "",
) -> UploadedPhotoOut:
    """Store the photo (EXIF and GPS removed; the original's SHA-256 kept) and answer at once
    (202): the photo with its analysis `pending`. A background job measures it; read
    `analysis_api_url` until its status is `measured` (or `not_measurable`). Several photos are
    sent one request each."""
    data = file.file.read(ctx.limits.upload_bytes + 1)
    uploaded = photos.upload_photo(
        ctx,
        session.actor,
        patient_id,
        region,
        data,
        purpose=purpose,
        assessment_id=assessment_id,
        request_key=request_key,
    )
    return UploadedPhotoOut.of(uploaded)


@router.get("/photos/{photo_id}/analysis", response_model=AnalysisOut)
def analysis(ctx: ContextDep, actor: ActorDep, photo_id: int) -> AnalysisOut:
    """Where the photo's analysis stands (pending, measured, not measurable), with the
    measurement and its capture verdict once measured."""
    return AnalysisOut.of(photos.read_analysis(ctx, actor, photo_id))


@router.get("/photos/{photo_id}/measurement", response_model=MeasurementOut)
def measurement(ctx: ContextDep, actor: ActorDep, photo_id: int) -> MeasurementOut:
    """The stored analysis of a photo with its capture verdict; 404 while it is being measured
    or when it could not be (``/analysis`` says which)."""
    view = photos.read_analysis(ctx, actor, photo_id)
    if view.measurement is None:
        raise NotFound("photo measurement", photo_id)
    return MeasurementOut.of(view.measurement)


@router.get("/photos/{photo_id}", response_model=PhotoOut)
def photo(ctx: ContextDep, actor: ActorDep, photo_id: int) -> PhotoOut:
    return PhotoOut.of(read_record(ctx, actor, RecordKind.PHOTO, photo_id, Photo))


@router.get("/photos/{photo_id}/content", response_class=Response)
def photo_content(ctx: ContextDep, actor: ActorDep, photo_id: int) -> Response:
    """The stored photo (metadata stripped), as uploaded by the clinic or the patient."""
    record, data = charts.read_photo_bytes(ctx, actor, photo_id)
    return Response(data, media_type=record.media_type, headers={"Cache-Control": "private"})


@router.post("/photos/{photo_id}/accept", response_model=PhotoOut)
def accept(ctx: ContextDep, session: CheckedSessionDep, photo_id: int) -> PhotoOut:
    """Make a photo the patient sent a clinical photo (compared on Results from now on)."""
    return PhotoOut.of(photos.accept_patient_photo(ctx, session.actor, photo_id))


@router.patch("/photos/{photo_id}", response_model=PhotoOut)
def refile(
    ctx: ContextDep, session: CheckedSessionDep, photo_id: int, body: PhotoCorrectionIn
) -> PhotoOut:
    """File the photo under the region it shows, with the ``version`` you corrected and the
    ``reason``; the earlier version is kept."""
    saved = photos.refile_photo(
        ctx, session.actor, photo_id, body.version, body.region, body.reason
    )
    return PhotoOut.of(saved)
