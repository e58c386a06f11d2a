"""Photo measurements: the stored analysis of one photo, region by region."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field

from resurface.domain.codes import Area


@dataclass(frozen=True)
class RegionMeasurement:
    """The metrics of one region of one photo (names as in the imaging metrics)."""

    name: str
    area_mm2: float | None
    metrics: dict[str, float | int | str] = field(default_factory=dict)


@dataclass(frozen=True)
class FacePose:
    """Yaw, pitch and roll of the face in degrees (from the face mesh)."""

    yaw: float
    pitch: float
    roll: float


@dataclass(frozen=True)
class CaptureVerdict:
    """How well the photo was taken, as ``imaging.quality.capture_quality`` judged it: the scale
    and the metrics it is too coarse for, focus, exposure, the face's pose, the grey card, and
    the problems in plain words (none: a good photo)."""

    px_per_mm: float | None
    not_measurable: tuple[str, ...]
    sharpness: float
    in_focus: bool
    clipped_fraction: float
    exposure_ok: bool
    pose: FacePose | None
    grey_card: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


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
    quality: CaptureVerdict | None = None
    """The capture verdict (None for photos measured before it was kept)."""
    analysis_version: str = ""


@dataclass(frozen=True)
class AnalysisFailure:
    """A photo that could not be measured, and why (the analysis is not tried again)."""

    clinic_id: int
    photo_id: int
    failed_at: dt.datetime
    reason: str
    analysis_version: str


class AnalysisStatus(enum.StrEnum):
    """Where a photo's analysis stands: measuring happens in the background after an upload."""

    PENDING = "pending"
    MEASURED = "measured"
    NOT_MEASURABLE = "not_measurable"


@dataclass(frozen=True)
class RegionChangeRecord:
    """One region of two compared photos: each photo's metrics and the change."""

    name: str
    before: dict[str, float | int | str | None]
    after: dict[str, float | int | str | None]
    change: dict[str, float | int | str | None]
    change_pct: dict[str, float | int | str | None]


@dataclass(frozen=True)
class Comparability:
    """Whether two photos can be compared: the pose (after minus before) and light difference,
    and why not in plain words."""

    pose_difference: FacePose | None
    light_change_pct: float | None
    comparable: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PhotoComparison:
    """Two photos of one region compared once, by a background job, and kept: the measured
    facts only; whether a change is better or worse is judged when it is read (the rule base
    may change). ``problem`` says why the pair could not be compared (then ``regions`` is empty).
    """

    id: int
    clinic_id: int
    before_photo_id: int
    after_photo_id: int
    analysis_version: str
    compared_at: dt.datetime
    regions: tuple[RegionChangeRecord, ...] = ()
    alignment: str = ""
    colour_normalisation: str = ""
    region_spec: str = ""
    length_unit: str = "mm"
    before_quality: CaptureVerdict | None = None
    after_quality: CaptureVerdict | None = None
    comparability: Comparability | None = None
    overlay_key: str | None = None
    problem: str = ""


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
