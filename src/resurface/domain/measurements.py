"""Photo measurements: the stored analysis of one photo, region by region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class RegionMeasurement:
    """The metrics of one region of one photo (names as in the imaging metrics)."""

    name: str
    area_mm2: float | None
    metrics: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class PhotoMeasurement:
    """The stored analysis of one photo; the overlay picture is kept in the photo store."""

    id: int
    clinic_id: int
    photo_id: int
    analysed_at: dt.datetime
    px_per_mm: float | None
    length_unit: str
    regions: tuple[RegionMeasurement, ...]
    overlay_key: str | None = None
