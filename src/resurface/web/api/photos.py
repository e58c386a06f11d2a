"""API: upload a photo of one region (stored without EXIF, analysed at once) and read its
measurement back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile

from resurface.services import photos
from resurface.services.errors import NotFound
from resurface.web.api.consultation_schemas import MeasurementOut, UploadedPhotoOut
from resurface.web.deps import ActorDep, CheckedSessionDep, ContextDep

router = APIRouter(tags=["photos"])


@router.post("/patients/{patient_id}/photos", response_model=UploadedPhotoOut, status_code=201)
def upload(
    ctx: ContextDep,
    session: CheckedSessionDep,
    patient_id: int,
    region: Annotated[str, Form(description="the area photographed, e.g. cheeks or neck")],
    file: Annotated[UploadFile, File(description="JPEG, PNG, TIFF or HEIC")],
    assessment_id: Annotated[int | None, Form()] = None,
) -> UploadedPhotoOut:
    """Store the photo (EXIF and GPS removed; the original's SHA-256 kept), analyse it and return
    the photo with its per-region metrics."""
    data = file.file.read(ctx.limits.upload_bytes + 1)
    uploaded = photos.upload_photo(
        ctx, session.actor, patient_id, region, data, assessment_id=assessment_id
    )
    return UploadedPhotoOut.of(uploaded)


@router.get("/photos/{photo_id}/measurement", response_model=MeasurementOut)
def measurement(ctx: ContextDep, actor: ActorDep, photo_id: int) -> MeasurementOut:
    """The stored analysis of a photo; 404 when the photo was not (or could not be) analysed."""
    view = photos.read_analysis(ctx, actor, photo_id)
    if view.measurement is None:
        raise NotFound("photo measurement", photo_id)
    return MeasurementOut.of(view.measurement)
