"""Chart photos: upload (metadata stripped, analysed at once) and reading the analysis back.

The original upload is never stored: only its SHA-256 is kept, for audit. The stored copy is the
re-encoded image without EXIF or GPS from ``imaging.ingest``. Face photos are measured per face
region; neck, chest and hands (and a face photo in which no face is found) over the whole frame.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TypeVar

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.codes import Area
from resurface.domain.consent import PhotoUse, photo_uses
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import (
    FACE_REGIONS,
    WHOLE_FRAME,
    PhotoMeasurement,
    RegionMeasurement,
    region_to_measure,
)
from resurface.domain.people import Patient
from resurface.domain.photo_series import RegionSeries, series_by_region
from resurface.domain.plans import current_plan
from resurface.imaging.analysis import PhotoAnalysis, RegionSpec, analyze
from resurface.imaging.errors import ImagingError, NoFaceFound
from resurface.imaging.ingest import IngestedPhoto, ingest_photo
from resurface.imaging.overlay import overlay_png
from resurface.imaging.quality import capture_quality, measurable_metrics
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context, Limits
from resurface.services.corrections import HistoryEntry, check_reason, history, keep_earlier
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient, find_patient_audited
from resurface.services.ports import UnitOfWork
from resurface.services.request_keys import checked_key, scope

T = TypeVar("T")

__all__ = [
    "MAX_PHOTOS_AT_ONCE",
    "FollowUpDesk",
    "PhotoAnalysisView",
    "PhotoRow",
    "UploadedPhoto",
    "UploadedPhotos",
    "follow_up_desk",
    "measurement_of",
    "read_analysis",
    "read_overlay",
    "refile_photo",
    "upload_photo",
    "upload_photos",
]

MAX_PHOTOS_AT_ONCE = 8
"""Rows in one upload form: every photo of a visit, and few enough that the whole form fits in
one request under the upload limit."""
_BATCH_KEY_MAX = 90

NO_FACE_NOTE = (
    "No face was found in this photo, so the whole frame was measured instead of the face regions."
)


@dataclass(frozen=True)
class UploadedPhoto:
    photo: Photo
    measurement: PhotoMeasurement | None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PhotoRow:
    """One photo of an upload form: its region and its file (``b""`` when none was chosen)."""

    region: str
    data: bytes


@dataclass(frozen=True)
class UploadedPhotos:
    """What became of each row of an upload form, by its position (0 = the first row)."""

    saved: Mapping[int, UploadedPhoto]
    refused: Mapping[int, InvalidInput]


@dataclass(frozen=True)
class FollowUpDesk:
    """The follow-up photos page: each region's photos (baseline first) with their measurement,
    and the areas of the current plan (offered first in the region choice)."""

    patient: Patient
    areas: tuple[Area, ...]
    series: tuple[RegionSeries, ...]
    measurements: Mapping[int, PhotoMeasurement | None]

    @property
    def follow_ups(self) -> int:
        return sum(1 for s in self.series for p in s.photos if p.purpose is PhotoPurpose.FOLLOW_UP)


@dataclass(frozen=True)
class PhotoAnalysisView:
    photo: Photo
    patient: Patient
    measurement: PhotoMeasurement | None
    history: tuple[HistoryEntry, ...] = ()
    """The photo's earlier versions (a region corrected, entered in error), newest first."""
    uses: dict[PhotoUse, bool] = field(default_factory=dict)
    """Which uses the photo may serve now (the patient's photo consent)."""

    @property
    def notes(self) -> tuple[str, ...]:
        """What the clinician should know about how the photo was measured."""
        if self.measurement is None:
            return ()
        measured = tuple(r.name for r in self.measurement.regions)
        face = self.photo.region in {a.value for a in Area if a.is_face}
        return (NO_FACE_NOTE,) if face and measured == (WHOLE_FRAME,) else ()


def upload_photo(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    region: str,
    data: bytes,
    *,
    purpose: PhotoPurpose = PhotoPurpose.BASELINE,
    assessment_id: int | None = None,
    request_key: str = "",
) -> UploadedPhoto:
    """Store a photo of one region of the patient, taken as a baseline or as a follow-up,
    analyse it, and keep the measurement. A resend under the same ``request_key`` is given the
    photo the first upload stored.

    Raises
    ------
    InvalidInput
        ``region`` is not an area, or ``file`` is not a photo (or too large to accept).
    NotFound
        The patient or the assessment is not in the actor's clinic.
    """
    require(actor, Permission.WRITE_CHART)
    area = _area(region)
    key = checked_key(request_key)
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        if assessment_id is not None:
            assessment = uow.charts.assessment(actor.clinic_id, assessment_id)
            if assessment is None or assessment.patient_id != patient.id:
                raise NotFound("assessment", assessment_id)
    notes: list[str] = []
    with ctx.photo_work():  # decoded and measured outside any transaction, one at a time
        ingested = _ingest(data, ctx.limits)
        analysis = _analyse(ingested, area, notes)
        overlay = overlay_png(analysis) if analysis is not None else None
    with ctx.uow() as uow:
        taken = ctx.clock.now()
        keys = scope("photo", "patient", patient.id)
        earlier = uow.request_keys.claim(keys, key, taken) if key else None
        if earlier is not None:
            return _uploaded(uow, actor, earlier)
        photo = uow.charts.add_photo(
            Photo(
                id=0,
                clinic_id=actor.clinic_id,
                patient_id=patient.id,
                region=area.value,
                captured_at=taken,
                sha256=ingested.sha256_original,
                storage_key=ctx.photos.put(ingested.stored_bytes),
                media_type=ingested.media_type,
                width=ingested.width,
                height=ingested.height,
                assessment_id=assessment_id,
                purpose=purpose,
            )
        )
        detail = f"{area.value} {purpose.value}"
        audit.record(uow, actor, "create", "photo", photo.id, patient_id=patient.id, detail=detail)
        measurement = None
        if analysis is not None and overlay is not None:
            measured = measurement_of(analysis, photo, taken, ctx.photos.put(overlay))
            measurement = uow.measurements.add(measured)
            audit.record(
                uow, actor, "create", "photo_measurement", measurement.id, patient_id=patient.id
            )
        if key:
            uow.request_keys.settle(keys, key, photo.id)
        uow.commit()
        return UploadedPhoto(photo, measurement, tuple(notes))


def upload_photos(
    ctx: Context,
    actor: Actor,
    patient_id: int,
    rows: Mapping[int, PhotoRow],
    *,
    purpose: PhotoPurpose = PhotoPurpose.BASELINE,
    assessment_id: int | None = None,
    request_key: str = "",
) -> UploadedPhotos:
    """Several photos, each of its own region, from one form: each is stored and analysed as
    ``upload_photo`` does, on its own. A refused row does not stop the others; the form may be
    sent again and a row already saved under ``request_key`` is not saved twice (each row's key
    is ``request_key`` and its position).

    Raises
    ------
    InvalidInput
        No row has a file, or there are more than ``MAX_PHOTOS_AT_ONCE``; nothing is saved.
    NotFound
        The patient or the assessment is not in the actor's clinic; nothing is saved.
    """
    require(actor, Permission.WRITE_CHART)
    key = checked_key(request_key, "request_key")
    if len(key) > _BATCH_KEY_MAX:  # room for ":<position>" within a request key's 100 characters
        raise InvalidInput("request_key", f"use at most {_BATCH_KEY_MAX} characters")
    chosen = {position: row for position, row in sorted(rows.items()) if row.data}
    if not chosen:
        raise InvalidInput("file", "choose a photo")
    if len(chosen) > MAX_PHOTOS_AT_ONCE:
        raise InvalidInput("file", f"send at most {MAX_PHOTOS_AT_ONCE} photos at once")
    saved: dict[int, UploadedPhoto] = {}
    refused: dict[int, InvalidInput] = {}
    for position, row in chosen.items():
        try:
            saved[position] = upload_photo(
                ctx, actor, patient_id, row.region, row.data, purpose=purpose,
                assessment_id=assessment_id, request_key=f"{key}:{position}" if key else "",
            )  # fmt: skip
        except InvalidInput as error:
            refused[position] = error
    return UploadedPhotos(saved, refused)


def follow_up_desk(ctx: Context, actor: Actor, patient_id: int) -> FollowUpDesk:
    """The patient, the current plan's areas, and every clinical photo by region with its
    measurement. Audited as a chart read."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        patient = find_patient_audited(uow, actor, patient_id)
        chart = uow.charts.chart(actor.clinic_id, patient.id)
        plan = current_plan(chart.plans)
        areas = tuple(dict.fromkeys(item.area for item in plan.items)) if plan else ()
        clinical = [p for p in chart.photos if p.is_clinical]
        measurements = {p.id: uow.measurements.for_photo(actor.clinic_id, p.id) for p in clinical}
        audit.record(uow, actor, "chart_read", "patient", patient.id, patient_id=patient.id)
        uow.commit()
    return FollowUpDesk(patient, areas, series_by_region(clinical), measurements)


def _uploaded(uow: UnitOfWork, actor: Actor, photo_id: int) -> UploadedPhoto:
    """What the first upload under a request key answered: its photo and measurement."""
    photo = uow.charts.photo(actor.clinic_id, photo_id)
    if photo is None:
        raise NotFound("photo", photo_id)
    audit.record(uow, actor, "read", "photo", photo.id, patient_id=photo.patient_id)
    uow.commit()
    return UploadedPhoto(photo, uow.measurements.for_photo(actor.clinic_id, photo.id))


def accept_patient_photo(ctx: Context, actor: Actor, photo_id: int) -> Photo:
    """A clinician makes a photo the patient sent with a check-in a clinical photo: from now on
    Results may compare it and the re-estimate may use it. Audited; once is enough."""
    require(actor, Permission.WRITE_CHART)
    with ctx.uow() as uow:
        photo = uow.charts.photo(actor.clinic_id, photo_id)
        if photo is None:
            raise NotFound("photo", photo_id)
        if not photo.sent_by_patient:
            raise InvalidInput("photo", "only a photo the patient sent needs accepting")
        if photo.accepted_by is not None:
            return photo
        accepted = uow.charts.accept_photo(
            replace(photo, accepted_by=actor.user_id, accepted_at=ctx.clock.now())
        )
        audit.record(
            uow, actor, "accept_as_clinical", "photo", photo.id, patient_id=photo.patient_id
        )
        uow.commit()
        return accepted


def refile_photo(
    ctx: Context, actor: Actor, photo_id: int, version: int, region: str, reason: str
) -> Photo:
    """File a photo under the region it shows (it was filed under the wrong one); the earlier
    version is kept with the reason. Results compare it under its new region from now on."""
    require(actor, Permission.WRITE_CHART)
    problems = reason_problems(reason)
    try:
        area = _area(region)
    except InvalidInput as error:
        problems = [*error.problems, *problems]
    if problems:
        raise InvalidInput.of(problems)
    with ctx.uow() as uow:
        photo = uow.charts.photo(actor.clinic_id, photo_id)
        if photo is None or photo.entered_in_error:
            audit.record(uow, actor, "write_not_found", "photo", photo_id)
            uow.commit()
            raise NotFound("photo", photo_id)
        check_reason(reason, version, photo, "photo")
        if photo.region == area.value:
            raise InvalidInput("region", "the photo is already filed under this region")
        saved = uow.charts.amend_photo(replace(photo, region=area.value))
        words = ({"Region": Area(photo.region).label}, {"Region": area.label})
        keep_earlier(uow, actor, RecordKind.PHOTO, photo, words, reason)
        uow.commit()
        return saved


def read_analysis(ctx: Context, actor: Actor, photo_id: int) -> PhotoAnalysisView:
    """A photo, its patient and its stored measurement (``None`` if it was not analysed)."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        photo = uow.charts.photo(actor.clinic_id, photo_id)
        patient = uow.patients.get(actor.clinic_id, photo.patient_id) if photo else None
        if photo is None or patient is None:
            audit.record(uow, actor, "read_not_found", "photo", photo_id)
            uow.commit()
            raise NotFound("photo", photo_id)
        measurement = uow.measurements.for_photo(actor.clinic_id, photo.id)
        found = history(uow, actor, RecordKind.PHOTO, photo.id)
        uses = photo_uses(uow.consents.photo_consents(actor.clinic_id, patient.id))
        audit.record(uow, actor, "read", "photo_measurement", photo.id, patient_id=patient.id)
        uow.commit()
        return PhotoAnalysisView(photo, patient, measurement, found, uses)


def read_overlay(ctx: Context, actor: Actor, photo_id: int) -> bytes:
    """The analysis overlay PNG of a photo (regions, wrinkles, spots and red areas drawn)."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        photo = uow.charts.photo(actor.clinic_id, photo_id)
        measurement = uow.measurements.for_photo(actor.clinic_id, photo_id) if photo else None
        if photo is None or measurement is None or measurement.overlay_key is None:
            audit.record(uow, actor, "read_not_found", "photo_overlay", photo_id)
            uow.commit()
            raise NotFound("photo overlay", photo_id)
        audit.record(uow, actor, "read", "photo_overlay", photo.id, patient_id=photo.patient_id)
        uow.commit()
        return ctx.photos.get(measurement.overlay_key)


def _area(region: str) -> Area:
    if not region.strip():
        raise InvalidInput("region", "choose the region of this photo")
    try:
        return Area(region.strip())
    except ValueError:
        choices = ", ".join(a.value for a in Area)
        raise InvalidInput("region", f"must be one of {choices}") from None


def _ingest(data: bytes, limits: Limits) -> IngestedPhoto:
    if len(data) > limits.upload_bytes:
        limit = limits.upload_bytes // (1024 * 1024)
        raise InvalidInput("file", f"is larger than {limit} MB")
    try:
        return ingest_photo(data, max_pixels=limits.photo_pixels)
    except ImagingError as error:
        raise InvalidInput("file", str(error)) from None


def with_face_fallback(region: str, measure: Callable[[RegionSpec], T]) -> tuple[T, RegionSpec]:
    """Measure a photo of ``region`` as ``domain.measurements.region_to_measure`` says, over the
    whole frame when no face is found; returns the result and the region spec used."""
    spec = _spec(region_to_measure(region))
    try:
        return measure(spec), spec
    except NoFaceFound:
        if spec == WHOLE_FRAME:
            raise
        return measure("whole"), "whole"


def _spec(choice: str) -> RegionSpec:
    return "auto" if choice == FACE_REGIONS else "whole"


def _analyse(ingested: IngestedPhoto, area: Area, notes: list[str]) -> PhotoAnalysis | None:
    try:
        analysis, spec = with_face_fallback(
            area.value, lambda region: analyze(ingested.rgb, region=region)
        )
    except ImagingError as error:
        notes.append(f"The photo was saved but could not be measured: {error}")
        return None
    if spec == WHOLE_FRAME and area.is_face:
        notes.append(NO_FACE_NOTE)
    quality = capture_quality(analysis)
    if quality.problems:
        # Said right after the shot, so that a retake can happen in the room.
        notes.append("Capture quality: " + "; ".join(quality.problems) + ".")
    return analysis


def measurement_of(
    analysis: PhotoAnalysis, photo: Photo, at: dt.datetime, overlay_key: str | None
) -> PhotoMeasurement:
    """The stored form of an analysis: per region its area and metrics, rounded to 4 places;
    a metric that could not be computed (not finite), or that the photo is too coarse for
    (``imaging.quality``), is left out: it is shown as not measurable, never as 0."""
    unmeasurable = set(measurable_metrics(analysis.analysis_px_per_mm))
    regions = tuple(
        RegionMeasurement(
            name=region.name,
            area_mm2=_length(region.area_mm2),
            metrics={
                name: kept
                for name, value in region.metrics.as_dict().items()
                if (kept := _rounded(value)) is not None and name not in unmeasurable
            },
        )
        for region in analysis.regions
    )
    return PhotoMeasurement(
        id=0,
        clinic_id=photo.clinic_id,
        photo_id=photo.id,
        analysed_at=at,
        px_per_mm=_length(analysis.px_per_mm),
        length_unit=analysis.length_unit,
        regions=regions,
        overlay_key=overlay_key,
    )


def _rounded(value: float | int | str | None) -> float | int | str | None:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


def _length(value: float | None) -> float | None:
    rounded = _rounded(value)
    return rounded if isinstance(rounded, float) else None
