"""Photo measurements (one per photo), photos that could not be measured, and the stored
comparisons of pairs of photos; scoped by clinic."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Row, and_, exists, or_, select

from resurface.domain.measurements import (
    AnalysisFailure,
    CaptureVerdict,
    Comparability,
    FacePose,
    PhotoComparison,
    PhotoMeasurement,
    RegionChangeRecord,
    RegionMeasurement,
)
from resurface.storage.repositories._base import Repository
from resurface.storage.tables import (
    photo_analysis_failures,
    photo_comparisons,
    photo_measurements,
    photos,
)


class SqlPhotoMeasurements(Repository):
    def add(self, record: PhotoMeasurement) -> PhotoMeasurement:
        values = {
            "clinic_id": record.clinic_id,
            "photo_id": record.photo_id,
            "analysed_at": record.analysed_at,
            "px_per_mm": record.px_per_mm,
            "length_unit": record.length_unit,
            "regions": [asdict(region) for region in record.regions],
            "overlay_key": record.overlay_key,
            "quality": verdict_json(record.quality),
            "analysis_version": record.analysis_version or None,
        }
        return replace(record, id=self._insert(photo_measurements, values))

    def for_photo(self, clinic_id: int, photo_id: int) -> PhotoMeasurement | None:
        return self.for_photos(clinic_id, [photo_id]).get(photo_id)

    def for_photos(self, clinic_id: int, photo_ids: Collection[int]) -> dict[int, PhotoMeasurement]:
        if not photo_ids:
            return {}
        query = select(photo_measurements).where(
            photo_measurements.c.clinic_id == clinic_id,
            photo_measurements.c.photo_id.in_(list(photo_ids)),
        )
        return {row.photo_id: _measurement(row) for row in self.connection.execute(query)}

    def add_failure(self, record: AnalysisFailure) -> None:
        self._insert(photo_analysis_failures, asdict(record))

    def failure_for(self, clinic_id: int, photo_id: int) -> AnalysisFailure | None:
        return self.failures_for(clinic_id, [photo_id]).get(photo_id)

    def failures_for(
        self, clinic_id: int, photo_ids: Collection[int]
    ) -> dict[int, AnalysisFailure]:
        if not photo_ids:
            return {}
        table = photo_analysis_failures
        query = select(table).where(
            table.c.clinic_id == clinic_id, table.c.photo_id.in_(list(photo_ids))
        )
        return {
            row.photo_id: AnalysisFailure(
                row.clinic_id, row.photo_id, row.failed_at, row.reason, row.analysis_version
            )
            for row in self.connection.execute(query)
        }

    def failures_because(self, reason: str) -> list[AnalysisFailure]:
        table = photo_analysis_failures
        query = select(table).where(table.c.reason == reason).order_by(table.c.photo_id)
        return [
            AnalysisFailure(
                row.clinic_id, row.photo_id, row.failed_at, row.reason, row.analysis_version
            )
            for row in self.connection.execute(query)
        ]

    def forget_failure(self, clinic_id: int, photo_id: int) -> None:
        table = photo_analysis_failures
        self.connection.execute(
            table.delete().where(table.c.clinic_id == clinic_id, table.c.photo_id == photo_id)
        )

    def unanalysed(self, limit: int) -> list[tuple[int, int]]:
        measured = exists().where(photo_measurements.c.photo_id == photos.c.id)
        failed = exists().where(photo_analysis_failures.c.photo_id == photos.c.id)
        query = (
            select(photos.c.clinic_id, photos.c.id)
            .where(_clinical(photos), ~measured, ~failed)
            .order_by(photos.c.id)
            .limit(limit)
        )
        return [(row.clinic_id, row.id) for row in self.connection.execute(query)]

    def uncompared_patients(self, version: str, limit: int) -> list[tuple[int, int]]:
        later, earlier = photos, photos.alias("earlier")
        measured = exists().where(photo_measurements.c.photo_id == later.c.id)
        has_earlier = exists().where(
            earlier.c.patient_id == later.c.patient_id,
            earlier.c.region == later.c.region,
            _clinical(earlier),
            or_(
                earlier.c.captured_at < later.c.captured_at,
                and_(earlier.c.captured_at == later.c.captured_at, earlier.c.id < later.c.id),
            ),
        )
        compared = exists().where(
            photo_comparisons.c.after_photo_id == later.c.id,
            photo_comparisons.c.analysis_version == version,
        )
        query = (
            select(later.c.clinic_id, later.c.patient_id)
            .where(_clinical(later), measured, has_earlier, ~compared)
            .group_by(later.c.clinic_id, later.c.patient_id)
            .order_by(later.c.patient_id)
            .limit(limit)
        )
        return [(row.clinic_id, row.patient_id) for row in self.connection.execute(query)]


def _clinical(table: FromClause) -> ColumnElement[bool]:
    """Taken by the clinic or accepted from the patient, and not entered in error
    (``domain.chart.Photo.is_clinical``)."""
    columns = table.c
    return and_(
        columns.entered_in_error == "",
        or_(columns.checkin_id.is_(None), columns.accepted_by.is_not(None)),
    )


class SqlPhotoComparisons(Repository):
    def add(self, record: PhotoComparison) -> PhotoComparison:
        values = {
            "clinic_id": record.clinic_id,
            "before_photo_id": record.before_photo_id,
            "after_photo_id": record.after_photo_id,
            "analysis_version": record.analysis_version,
            "compared_at": record.compared_at,
            "result": None if record.problem else _result_json(record),
            "overlay_key": record.overlay_key,
            "problem": record.problem,
        }
        return replace(record, id=self._insert(photo_comparisons, values))

    def get(
        self, clinic_id: int, before_id: int, after_id: int, version: str
    ) -> PhotoComparison | None:
        table = photo_comparisons
        query = select(table).where(
            table.c.clinic_id == clinic_id,
            table.c.before_photo_id == before_id,
            table.c.after_photo_id == after_id,
            table.c.analysis_version == version,
        )
        row = self.connection.execute(query).first()
        return None if row is None else _comparison(row)

    def for_photos(
        self, clinic_id: int, photo_ids: Collection[int], version: str
    ) -> dict[tuple[int, int], PhotoComparison]:
        if not photo_ids:
            return {}
        table = photo_comparisons
        query = select(table).where(
            table.c.clinic_id == clinic_id,
            table.c.after_photo_id.in_(list(photo_ids)),
            table.c.analysis_version == version,
        )
        found = (_comparison(row) for row in self.connection.execute(query))
        return {(c.before_photo_id, c.after_photo_id): c for c in found}


# --- JSON forms ---------------------------------------------------------------------------------


def verdict_json(verdict: CaptureVerdict | None) -> dict[str, Any] | None:
    return None if verdict is None else asdict(verdict)


def verdict_from(data: Mapping[str, Any] | None) -> CaptureVerdict | None:
    if not data:
        return None
    pose = data.get("pose")
    return CaptureVerdict(
        px_per_mm=data.get("px_per_mm"),
        not_measurable=tuple(data.get("not_measurable") or ()),
        sharpness=float(data.get("sharpness", 0.0)),
        in_focus=bool(data.get("in_focus")),
        clipped_fraction=float(data.get("clipped_fraction", 0.0)),
        exposure_ok=bool(data.get("exposure_ok")),
        pose=FacePose(**pose) if pose else None,
        grey_card=bool(data.get("grey_card")),
        problems=tuple(data.get("problems") or ()),
    )


def _measurement(row: Row[Any]) -> PhotoMeasurement:
    return PhotoMeasurement(
        id=row.id,
        clinic_id=row.clinic_id,
        photo_id=row.photo_id,
        analysed_at=row.analysed_at,
        px_per_mm=row.px_per_mm,
        length_unit=row.length_unit,
        regions=tuple(RegionMeasurement(**region) for region in row.regions),
        overlay_key=row.overlay_key,
        quality=verdict_from(row.quality),
        analysis_version=row.analysis_version or "",
    )


def _result_json(record: PhotoComparison) -> dict[str, Any]:
    return {
        "regions": [asdict(region) for region in record.regions],
        "alignment": record.alignment,
        "colour_normalisation": record.colour_normalisation,
        "region_spec": record.region_spec,
        "length_unit": record.length_unit,
        "before_quality": verdict_json(record.before_quality),
        "after_quality": verdict_json(record.after_quality),
        "comparability": asdict(record.comparability) if record.comparability else None,
    }


def _comparison(row: Row[Any]) -> PhotoComparison:
    result: dict[str, Any] = row.result or {}
    fit = result.get("comparability")
    pose = fit.get("pose_difference") if fit else None
    comparability = (
        Comparability(
            FacePose(**pose) if pose else None,
            fit.get("light_change_pct"),
            bool(fit.get("comparable")),
            tuple(fit.get("reasons") or ()),
        )
        if fit
        else None
    )
    return PhotoComparison(
        id=row.id,
        clinic_id=row.clinic_id,
        before_photo_id=row.before_photo_id,
        after_photo_id=row.after_photo_id,
        analysis_version=row.analysis_version,
        compared_at=row.compared_at,
        regions=tuple(RegionChangeRecord(**region) for region in result.get("regions", ())),
        alignment=result.get("alignment", ""),
        colour_normalisation=result.get("colour_normalisation", ""),
        region_spec=result.get("region_spec", ""),
        length_unit=result.get("length_unit", "mm"),
        before_quality=verdict_from(result.get("before_quality")),
        after_quality=verdict_from(result.get("after_quality")),
        comparability=comparability,
        overlay_key=row.overlay_key,
        problem=row.problem,
    )
