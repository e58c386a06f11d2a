"""The photos API's shapes."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated

from pydantic import BaseModel, Field

from resurface.domain.chart import (
    Photo,
    PhotoPurpose,
)
from resurface.domain.measurements import AnalysisStatus, PhotoMeasurement
from resurface.services.photos import PhotoAnalysisView, UploadedPhoto
from resurface.web.api.schemas.common import InputModel, Text, Whole
from resurface.web.api.schemas.results import CaptureQualityOut


class PhotoOut(BaseModel):
    id: int
    patient_id: int
    region: str
    captured_at: dt.datetime
    sha256: str
    media_type: str
    width: int
    height: int
    assessment_id: int | None
    session_id: int | None
    checkin_id: int | None
    sent_by_patient: bool = Field(description="sent with a check-in through the patient's link")
    accepted_by: int | None = Field(description="the clinician who made it a clinical photo")
    accepted_at: dt.datetime | None
    clinical: bool = Field(description="compared on Results and used to re-estimate sessions")
    purpose: PhotoPurpose = Field(description="taken as a baseline or as a follow-up")
    content_url: str
    version: int
    entered_in_error: str = Field(
        description="why the record was marked entered in error; empty while it stands"
    )

    @classmethod
    def of(cls, record: Photo) -> PhotoOut:
        values = asdict(record)
        del values["storage_key"], values["clinic_id"]
        return cls(
            **values,
            sent_by_patient=record.sent_by_patient,
            clinical=record.is_clinical,
            content_url=f"/api/v1/photos/{record.id}/content",
        )


class RegionMeasurementOut(BaseModel):
    name: str
    area_mm2: float | None
    metrics: dict[str, float | int | str]


class MeasurementOut(BaseModel):
    photo_id: int
    analysed_at: dt.datetime
    px_per_mm: float | None
    length_unit: str
    regions: list[RegionMeasurementOut]
    overlay_url: str | None
    quality: CaptureQualityOut | None = Field(
        default=None, description="the capture verdict; null for photos measured before it was kept"
    )
    analysis_version: str = Field(default="", description="the measuring method's version")

    @classmethod
    def of(cls, record: PhotoMeasurement) -> MeasurementOut:
        return cls(
            quality=CaptureQualityOut.of(record.quality),
            analysis_version=record.analysis_version,
            photo_id=record.photo_id,
            analysed_at=record.analysed_at,
            px_per_mm=record.px_per_mm,
            length_unit=record.length_unit,
            regions=[
                RegionMeasurementOut(name=r.name, area_mm2=r.area_mm2, metrics=dict(r.metrics))
                for r in record.regions
            ],
            overlay_url=f"/photos/{record.photo_id}/overlay.png" if record.overlay_key else None,
        )


_STATUS = (
    "pending: the photo is stored and is being measured in the background (ask "
    "`analysis_api_url` again shortly); measured; not_measurable: `notes` say why"
)


class UploadedPhotoOut(BaseModel):
    photo: PhotoOut
    analysis_status: AnalysisStatus = Field(description=_STATUS)
    measurement: MeasurementOut | None = Field(description="null until the photo is measured")
    notes: list[str]
    analysis_url: str = Field(description="the analysis page")
    analysis_api_url: str = Field(description="the analysis in this API")

    @classmethod
    def of(cls, uploaded: UploadedPhoto) -> UploadedPhotoOut:
        return cls(
            photo=PhotoOut.of(uploaded.photo),
            analysis_status=uploaded.status,
            measurement=MeasurementOut.of(uploaded.measurement) if uploaded.measurement else None,
            notes=list(uploaded.notes),
            analysis_url=f"/photos/{uploaded.photo.id}/analysis",
            analysis_api_url=f"/api/v1/photos/{uploaded.photo.id}/analysis",
        )


class AnalysisOut(BaseModel):
    """Where a photo's analysis stands, and the measurement with its capture verdict once done."""

    photo_id: int
    status: AnalysisStatus = Field(description=_STATUS)
    measurement: MeasurementOut | None
    quality: CaptureQualityOut | None = Field(description="the capture verdict, once measured")
    notes: list[str] = Field(description="a face not found, capture problems, or why not measured")

    @classmethod
    def of(cls, view: PhotoAnalysisView) -> AnalysisOut:
        measured = view.measurement
        return cls(
            photo_id=view.photo.id,
            status=view.status,
            measurement=MeasurementOut.of(measured) if measured else None,
            quality=CaptureQualityOut.of(measured.quality) if measured else None,
            notes=list(view.notes),
        )


class PhotoCorrectionIn(InputModel):
    """File the photo under the region it shows, with the version and the reason."""

    region: Annotated[str, Field(max_length=40, description="an area, e.g. cheeks")]
    version: Whole
    reason: Text
