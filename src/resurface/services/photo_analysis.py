"""Measuring photos in the background: the jobs an upload leaves behind.

An upload stores the photo and defers ``analyse_photo``; when a photo's analysis is done,
``compare_series`` defers a ``compare_photos`` for each pair Results shows (each region's baseline,
or its first photo, against every later photo). Each job reads what is stored, computes, and
keeps its result once: a second run of the same job (a retry after a crash, two workers) finds
the result and changes nothing. Results and the report only read what these jobs kept.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Mapping
from typing import TypeVar

from resurface.domain.chart import Photo
from resurface.domain.measurements import (
    FACE_REGIONS,
    WHOLE_FRAME,
    AnalysisFailure,
    CaptureVerdict,
    Comparability,
    FacePose,
    PhotoComparison,
    PhotoMeasurement,
    RegionChangeRecord,
    RegionMeasurement,
    region_to_measure,
)
from resurface.domain.photo_series import comparison_pairs, series_by_region
from resurface.imaging.analysis import ANALYSIS_VERSION, PhotoAnalysis, RegionSpec, analyze
from resurface.imaging.compare import Comparison, compare
from resurface.imaging.errors import ImagingError, NoFaceFound
from resurface.imaging.ingest import ANALYSIS_MAX_PIXELS, decode_photo
from resurface.imaging.landmarks import Pose
from resurface.imaging.overlay import comparison_overlay_png, overlay_png
from resurface.imaging.quality import (
    CaptureQuality,
    capture_quality,
    comparability,
    measurable_metrics,
)
from resurface.imaging.quality import (
    Comparability as ImagingComparability,
)
from resurface.services import audit
from resurface.services.context import Context
from resurface.services.errors import PhotoFileMissing
from resurface.services.ports import UnitOfWork

__all__ = [
    "ANALYSE_PHOTO",
    "COMPARE_PHOTOS",
    "COMPARE_SERIES",
    "NO_FACE_NOTE",
    "analyse_photo",
    "compare_photos",
    "compare_series",
    "measure_again_with_their_files_back",
    "measurement_of",
    "verdict_of",
    "with_face_fallback",
]

T = TypeVar("T")

ANALYSE_PHOTO = "analyse_photo"
COMPARE_SERIES = "compare_series"
COMPARE_PHOTOS = "compare_photos"

NO_FACE_NOTE = (
    "No face was found in this photo, so the whole frame was measured instead of the face regions."
)


def analyse_photo(ctx: Context, clinic_id: int, photo_id: int) -> None:
    """Measure a stored photo and keep its measurement, capture verdict and overlay (or why it
    cannot be measured); then defer the comparisons it completes. Does nothing for a photo that
    is measured already, entered in error or gone."""
    with ctx.uow() as uow:
        photo = uow.charts.photo(clinic_id, photo_id)
        if photo is None or photo.entered_in_error or _analysed(uow, clinic_id, photo_id):
            return
    measured, problem = _measured(ctx, photo)
    with ctx.uow() as uow:
        if _analysed(uow, clinic_id, photo_id):  # another worker was quicker
            return
        if measured is None:
            uow.measurements.add_failure(
                AnalysisFailure(clinic_id, photo.id, ctx.clock.now(), problem, ANALYSIS_VERSION)
            )
            audit.record(uow, None, "not_measurable", "photo", photo.id,
                         patient_id=photo.patient_id, detail=problem[:200])  # fmt: skip
        else:
            saved = uow.measurements.add(measured)
            audit.record(
                uow, None, "create", "photo_measurement", saved.id, patient_id=photo.patient_id
            )
        uow.commit()
    ctx.jobs.defer(COMPARE_SERIES, clinic_id=clinic_id, patient_id=photo.patient_id)


def measure_again_with_their_files_back(ctx: Context, intact: Collection[int]) -> list[int]:
    """Photos found not measurable because their file was missing, whose file is back and
    intact (``intact``: the photo ids the store check found whole): their failure is forgotten
    (audited) and their analysis deferred again. The photo ids, in order."""
    again: list[tuple[int, int]] = []
    with ctx.uow() as uow:
        for failure in uow.measurements.failures_because(str(PhotoFileMissing())):
            photo = uow.charts.photo(failure.clinic_id, failure.photo_id)
            if photo is None or photo.id not in intact:
                continue
            uow.measurements.forget_failure(photo.clinic_id, photo.id)
            back = "its file is back in the store"
            audit.record(uow, None, "measure_again", "photo", photo.id,
                         patient_id=photo.patient_id, detail=back)  # fmt: skip
            again.append((photo.clinic_id, photo.id))
        uow.commit()
    for clinic_id, photo_id in again:  # after the commit; lost to a crash, catch_up defers it
        ctx.jobs.defer(ANALYSE_PHOTO, clinic_id=clinic_id, photo_id=photo_id)
    return [photo_id for _clinic, photo_id in again]


def _analysed(uow: UnitOfWork, clinic_id: int, photo_id: int) -> bool:
    """Measured, or found not measurable, already."""
    measurements = uow.measurements
    return (
        measurements.for_photo(clinic_id, photo_id) is not None
        or measurements.failure_for(clinic_id, photo_id) is not None
    )


def _measured(ctx: Context, photo: Photo) -> tuple[PhotoMeasurement | None, str]:
    """The measurement of the stored photo with its verdict and overlay (the overlay file is
    stored), or why it cannot be measured (a file missing from the store is that too: `resurface
    photos check` names it). A store that fails to answer raises: the job is tried again."""
    try:
        data = ctx.photos.get(photo.storage_key)
    except PhotoFileMissing as missing:
        return None, str(missing)
    with ctx.photo_work():  # one photo decoded and measured at a time per process
        try:
            rgb = decode_photo(data, keep_pixels=ANALYSIS_MAX_PIXELS).rgb
            analysis, _spec = with_face_fallback(
                photo.region, lambda region: analyze(rgb, region=region)
            )
        except ImagingError as error:
            return None, str(error)
        verdict = verdict_of(capture_quality(analysis))
        overlay_key = ctx.photos.put(overlay_png(analysis))
    return measurement_of(analysis, photo, ctx.clock.now(), overlay_key, verdict), ""


def compare_series(ctx: Context, clinic_id: int, patient_id: int) -> None:
    """Defer a comparison for every pair Results shows of the patient's clinical photos whose
    analyses are done and that are not compared at this analysis version yet."""
    with ctx.uow() as uow:
        chart = uow.charts.chart(clinic_id, patient_id)
        clinical = [p for p in chart.photos if p.is_clinical]
        ids = [p.id for p in clinical]
        done = set(uow.measurements.for_photos(clinic_id, ids))
        done |= set(uow.measurements.failures_for(clinic_id, ids))
        kept = uow.comparisons.for_photos(clinic_id, ids, ANALYSIS_VERSION)
    for before, after in comparison_pairs(series_by_region(clinical)):
        if before.id in done and after.id in done and (before.id, after.id) not in kept:
            ctx.jobs.defer(
                COMPARE_PHOTOS, clinic_id=clinic_id, before_id=before.id, after_id=after.id
            )


def compare_photos(ctx: Context, clinic_id: int, before_id: int, after_id: int) -> None:
    """Compare two stored photos of one region and keep the comparison (or why they cannot be
    compared) under this analysis version. Does nothing when it is kept already."""
    with ctx.uow() as uow:
        if uow.comparisons.get(clinic_id, before_id, after_id, ANALYSIS_VERSION) is not None:
            return
        before = uow.charts.photo(clinic_id, before_id)
        after = uow.charts.photo(clinic_id, after_id)
    if before is None or after is None or before.region != after.region:
        return
    record = _comparison_of(ctx, before, after)
    with ctx.uow() as uow:
        if uow.comparisons.get(clinic_id, before_id, after_id, ANALYSIS_VERSION) is not None:
            return
        saved = uow.comparisons.add(record)
        audit.record(uow, None, "create", "photo_comparison", saved.id,
                     patient_id=after.patient_id, detail=f"{before_id}-{after_id}")  # fmt: skip
        uow.commit()


def _comparison_of(ctx: Context, before: Photo, after: Photo) -> PhotoComparison:
    blank = PhotoComparison(
        0, before.clinic_id, before.id, after.id, ANALYSIS_VERSION, ctx.clock.now()
    )
    for photo in (before, after):
        if not ctx.photos.exists(photo.storage_key):
            return _with_problem(blank, f"the stored file of photo {photo.id} is missing")
    before_data, after_data = ctx.photos.get(before.storage_key), ctx.photos.get(after.storage_key)
    with ctx.photo_work():
        try:
            before_rgb = decode_photo(before_data, keep_pixels=ANALYSIS_MAX_PIXELS).rgb
            after_rgb = decode_photo(after_data, keep_pixels=ANALYSIS_MAX_PIXELS).rgb
            comparison, spec = with_face_fallback(
                before.region, lambda region: compare(before_rgb, after_rgb, region=region)
            )
        except ImagingError as error:
            return _with_problem(blank, str(error))
        overlay = comparison_overlay_png(comparison)
    before_quality = capture_quality(comparison.before)
    after_quality = capture_quality(comparison.after)
    verdict = comparability(
        comparison.before.pose, comparison.after.pose, comparison.light_gains,
        grey_cards=comparison.colour_normalisation == "grey_card",
    )  # fmt: skip
    return PhotoComparison(
        0, before.clinic_id, before.id, after.id, ANALYSIS_VERSION, blank.compared_at,
        regions=_region_changes(comparison),
        alignment=comparison.alignment,
        colour_normalisation=comparison.colour_normalisation,
        region_spec=str(spec),
        length_unit=comparison.before.length_unit,
        before_quality=verdict_of(before_quality),
        after_quality=verdict_of(after_quality),
        comparability=_comparability_of(verdict),
        overlay_key=ctx.photos.put(overlay),
    )  # fmt: skip


def _with_problem(blank: PhotoComparison, problem: str) -> PhotoComparison:
    return PhotoComparison(
        blank.id, blank.clinic_id, blank.before_photo_id, blank.after_photo_id,
        blank.analysis_version, blank.compared_at, problem=problem,
    )  # fmt: skip


def _region_changes(comparison: Comparison) -> tuple[RegionChangeRecord, ...]:
    return tuple(
        RegionChangeRecord(
            name=region.name,
            before=_finite(region.before.as_dict()),
            after=_finite(region.after.as_dict()),
            change=_finite(region.change),
            change_pct=_finite(region.change_pct),
        )
        for region in comparison.regions
    )


def _finite(values: Mapping[str, object]) -> dict[str, float | int | str | None]:
    """Values fit to keep as JSON: a number that is not finite is kept as None."""
    out: dict[str, float | int | str | None] = {}
    for name, value in values.items():
        if isinstance(value, bool):
            out[name] = int(value)
        elif isinstance(value, float | int):
            out[name] = float(value) if isinstance(value, float) else value
            if isinstance(value, float) and not math.isfinite(value):
                out[name] = None
        elif isinstance(value, str):
            out[name] = value
        else:
            out[name] = None
    return out


def _pose(pose: Pose | None) -> FacePose | None:
    return None if pose is None else FacePose(pose.yaw, pose.pitch, pose.roll)


def verdict_of(quality: CaptureQuality) -> CaptureVerdict:
    """The capture verdict as it is kept with the measurement."""
    return CaptureVerdict(
        px_per_mm=quality.px_per_mm,
        not_measurable=tuple(quality.not_measurable),
        sharpness=quality.sharpness,
        in_focus=quality.in_focus,
        clipped_fraction=quality.clipped_fraction,
        exposure_ok=quality.exposure_ok,
        pose=_pose(quality.pose),
        grey_card=quality.grey_card,
        problems=tuple(quality.problems),
    )


def _comparability_of(verdict: ImagingComparability) -> Comparability:
    return Comparability(
        _pose(verdict.pose_difference),
        verdict.light_change_pct,
        verdict.comparable,
        tuple(verdict.reasons),
    )


# --- the stored form of an analysis ------------------------------------------------------------


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


def measurement_of(
    analysis: PhotoAnalysis,
    photo: Photo,
    at: dt.datetime,
    overlay_key: str | None,
    quality: CaptureVerdict | None = None,
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
        quality=quality,
        analysis_version=ANALYSIS_VERSION,
    )


def _rounded(value: float | int | str | None) -> float | int | str | None:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


def _length(value: float | None) -> float | None:
    rounded = _rounded(value)
    return rounded if isinstance(rounded, float) else None
