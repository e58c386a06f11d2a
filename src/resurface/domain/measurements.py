"""Photo measurements: the stored analysis of one photo, region by region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from resurface.domain.codes import Area


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


FACE_REGIONS = "auto"
"""Find the face and measure its regions (forehead, cheeks, ...)."""
WHOLE_FRAME = "whole"
"""Measure the whole frame: neck, chest and hands, and any photo in which no face is found."""


def region_to_measure(region: str) -> str:
    """Face areas are measured region by region on the found face; every other area, or a
    region that names no area, over the whole frame. When no face is found in a face photo
    (a close-up), the caller measures ``WHOLE_FRAME`` instead: that fallback is the rule here.
    ``Area.is_face`` is the one face test."""
    try:
        return FACE_REGIONS if Area(region).is_face else WHOLE_FRAME
    except ValueError:
        return WHOLE_FRAME
