"""Photo measurements, one per photo, scoped by clinic."""

from __future__ import annotations

from dataclasses import asdict, replace

from sqlalchemy import select

from resurface.domain.measurements import PhotoMeasurement, RegionMeasurement
from resurface.storage.repositories._base import Repository
from resurface.storage.tables import (
    photo_measurements,
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
        }
        return replace(record, id=self._insert(photo_measurements, values))

    def for_photo(self, clinic_id: int, photo_id: int) -> PhotoMeasurement | None:
        query = select(photo_measurements).where(
            photo_measurements.c.clinic_id == clinic_id,
            photo_measurements.c.photo_id == photo_id,
        )
        row = self.connection.execute(query).first()
        if row is None:
            return None
        return PhotoMeasurement(
            id=row.id,
            clinic_id=row.clinic_id,
            photo_id=row.photo_id,
            analysed_at=row.analysed_at,
            px_per_mm=row.px_per_mm,
            length_unit=row.length_unit,
            regions=tuple(RegionMeasurement(**region) for region in row.regions),
            overlay_key=row.overlay_key,
        )
