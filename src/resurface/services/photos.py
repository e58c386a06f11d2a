"""Chart photos: upload (metadata stripped, measured in the background) and reading the
analysis back.

The original upload is never stored: only its SHA-256 is kept, for audit. The stored copy is the
re-encoded image without EXIF or GPS from ``imaging.ingest``. The upload answers as soon as the
photo is stored; a background job (``services.photo_analysis``) measures it: face photos per face
region; neck, chest and hands (and a face photo in which no face is found) over the whole frame.
Until then its analysis is "pending".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.codes import Area
from resurface.domain.consent import PhotoUse, photo_uses
from resurface.domain.corrections import RecordKind, reason_problems
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import (
    WHOLE_FRAME,
    AnalysisFailure,
    AnalysisStatus,
    PhotoMeasurement,
)
from resurface.domain.people import Patient
from resurface.domain.photo_series import RegionSeries, series_by_region
from resurface.domain.plans import current_plan
from resurface.imaging.errors import ImagingError
from resurface.imaging.ingest import IngestedPhoto, ingest_photo
from resurface.services import audit
from resurface.services.access import Actor, Permission, require
from resurface.services.context import Context, Limits
from resurface.services.corrections import HistoryEntry, check_reason, history, keep_earlier
from resurface.services.errors import NotFound
from resurface.services.patients import find_patient, find_patient_audited
from resurface.services.photo_analysis import ANALYSE_PHOTO, COMPARE_SERIES, NO_FACE_NOTE
from resurface.services.ports import UnitOfWork
from resurface.services.request_keys import checked_key, scope

__all__ = [
    "MAX_PHOTOS_AT_ONCE",
    "FollowUpDesk",
    "PhotoAnalysisView",
    "PhotoRow",
    "UploadedPhoto",
    "UploadedPhotos",
    "follow_up_desk",
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


@dataclass(frozen=True)
class UploadedPhoto:
    photo: Photo
    measurement: PhotoMeasurement | None
    """None until the background job has measured the photo (``status`` pending)."""
    notes: tuple[str, ...] = ()
    status: AnalysisStatus = AnalysisStatus.PENDING


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
    failures: Mapping[int, AnalysisFailure] = field(default_factory=dict)

    def status(self, photo: Photo) -> AnalysisStatus:
        return _status(self.measurements.get(photo.id), self.failures.get(photo.id))

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
    failure: AnalysisFailure | None = None
    """Why the photo could not be measured, when it could not."""

    @property
    def status(self) -> AnalysisStatus:
        return _status(self.measurement, self.failure)

    @property
    def notes(self) -> tuple[str, ...]:
        """What the clinician should know about how the photo was measured: a face not found,
        the capture verdict's problems, or why it could not be measured."""
        if self.failure is not None:
            return (f"The photo was saved but could not be measured: {self.failure.reason}",)
        if self.measurement is None:
            return ()
        notes: list[str] = []
        measured = tuple(r.name for r in self.measurement.regions)
        face = self.photo.region in {a.value for a in Area if a.is_face}
        if face and measured == (WHOLE_FRAME,):
            notes.append(NO_FACE_NOTE)
        quality = self.measurement.quality
        if quality is not None and quality.problems:
            notes.append("Capture quality: " + "; ".join(quality.problems) + ".")
        return tuple(notes)


def _status(
    measurement: PhotoMeasurement | None, failure: AnalysisFailure | None
) -> AnalysisStatus:
    if measurement is not None:
        return AnalysisStatus.MEASURED
    if failure is not None:
        return AnalysisStatus.NOT_MEASURABLE
    return AnalysisStatus.PENDING


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
    """Store a photo of one region of the patient, taken as a baseline or as a follow-up, and
    leave its analysis to a background job: the photo comes back with its analysis pending. A
    resend under the same ``request_key`` is given the photo the first upload stored.

    Raises
    ------
    InvalidInput
        ``region`` is not an area, or ``file`` is not a photo (or too large to accept).
    NotFound
        The patient or the assessment is not in the actor's clinic.
    """
    require(actor, Permission.WRITE_CHART)
    area = photo_area(region)
    key = checked_key(request_key)
    with ctx.uow() as uow:
        patient = find_patient(uow, actor, patient_id)
        if assessment_id is not None:
            assessment = uow.charts.assessment(actor.clinic_id, assessment_id)
            if assessment is None or assessment.patient_id != patient.id:
                raise NotFound("assessment", assessment_id)
    with ctx.photo_intake():  # decoded outside any transaction, in an intake slot
        ingested = ingest_upload(data, ctx.limits)
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
        if key:
            uow.request_keys.settle(keys, key, photo.id)
        uow.commit()
    # After the commit: a worker must find the photo. Lost here (a crash), ``jobs.catch_up``
    # defers it again.
    ctx.jobs.defer(ANALYSE_PHOTO, clinic_id=photo.clinic_id, photo_id=photo.id)
    return UploadedPhoto(photo, None)


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
        ids = [p.id for p in clinical]
        measured = uow.measurements.for_photos(actor.clinic_id, ids)
        failures = uow.measurements.failures_for(actor.clinic_id, ids)
        audit.record(uow, actor, "chart_read", "patient", patient.id, patient_id=patient.id)
        uow.commit()
    measurements = {photo_id: measured.get(photo_id) for photo_id in ids}
    return FollowUpDesk(patient, areas, series_by_region(clinical), measurements, failures)


def _uploaded(uow: UnitOfWork, actor: Actor, photo_id: int) -> UploadedPhoto:
    """What the first upload under a request key answered: its photo and measurement."""
    photo = uow.charts.photo(actor.clinic_id, photo_id)
    if photo is None:
        raise NotFound("photo", photo_id)
    audit.record(uow, actor, "read", "photo", photo.id, patient_id=photo.patient_id)
    uow.commit()
    measurement = uow.measurements.for_photo(actor.clinic_id, photo.id)
    failure = uow.measurements.failure_for(actor.clinic_id, photo.id)
    return UploadedPhoto(photo, measurement, status=_status(measurement, failure))


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
    ctx.jobs.defer(ANALYSE_PHOTO, clinic_id=photo.clinic_id, photo_id=photo.id)
    return accepted


def refile_photo(
    ctx: Context, actor: Actor, photo_id: int, version: int, region: str, reason: str
) -> Photo:
    """File a photo under the region it shows (it was filed under the wrong one); the earlier
    version is kept with the reason. Results compare it under its new region from now on."""
    require(actor, Permission.WRITE_CHART)
    problems = reason_problems(reason)
    try:
        area = photo_area(region)
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
    ctx.jobs.defer(COMPARE_SERIES, clinic_id=photo.clinic_id, patient_id=photo.patient_id)
    return saved


def read_analysis(ctx: Context, actor: Actor, photo_id: int) -> PhotoAnalysisView:
    """A photo, its patient and its stored measurement (``None`` while its analysis is pending
    or when it could not be measured: ``failure`` says why)."""
    require(actor, Permission.VIEW_CHART)
    with ctx.uow() as uow:
        photo = uow.charts.photo(actor.clinic_id, photo_id)
        patient = uow.patients.get(actor.clinic_id, photo.patient_id) if photo else None
        if photo is None or patient is None:
            audit.record(uow, actor, "read_not_found", "photo", photo_id)
            uow.commit()
            raise NotFound("photo", photo_id)
        measurement = uow.measurements.for_photo(actor.clinic_id, photo.id)
        failure = uow.measurements.failure_for(actor.clinic_id, photo.id)
        found = history(uow, actor, RecordKind.PHOTO, photo.id)
        uses = photo_uses(uow.consents.photo_consents(actor.clinic_id, patient.id))
        audit.record(uow, actor, "read", "photo_measurement", photo.id, patient_id=patient.id)
        uow.commit()
        return PhotoAnalysisView(photo, patient, measurement, found, uses, failure)


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


def photo_area(region: str) -> Area:
    """The area a photo is of, from a form's or request's field (``region``)."""
    if not region.strip():
        raise InvalidInput("region", "choose the region of this photo")
    try:
        return Area(region.strip())
    except ValueError:
        choices = ", ".join(a.value for a in Area)
        raise InvalidInput("region", f"must be one of {choices}") from None


def ingest_upload(data: bytes, limits: Limits) -> IngestedPhoto:
    """An uploaded photo decoded, EXIF removed, within the clinic's size limits (``file``)."""
    if len(data) > limits.upload_bytes:
        limit = limits.upload_bytes // (1024 * 1024)
        raise InvalidInput("file", f"is larger than {limit} MB")
    try:
        return ingest_photo(data, max_pixels=limits.photo_pixels)
    except ImagingError as error:
        raise InvalidInput("file", str(error)) from None


__all__ += ["NO_FACE_NOTE"]
