"""A region's photos over time: its baseline, and the follow-ups measured against it.

The baseline of a region is the earliest photo of it taken as a baseline (``PhotoPurpose``).
A follow-up photo is never a baseline, even when it is the first photo of its region (a patient
who started treatment elsewhere): such a region has no baseline, and Results still lets the
clinician compare any two of its photos. Every page, the API and the re-estimate ask here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from resurface.domain.chart import Photo, PhotoPurpose

__all__ = ["RegionSeries", "baseline_of", "comparison_pairs", "label_of", "series_by_region"]


@dataclass(frozen=True)
class RegionSeries:
    region: str
    photos: tuple[Photo, ...]
    """Oldest first."""
    baseline: Photo | None

    def label(self, photo: Photo) -> str:
        return label_of(photo, self.baseline)

    @property
    def after_baseline(self) -> tuple[Photo, ...]:
        """The photos taken after the baseline (all of them when there is none)."""
        if self.baseline is None:
            return self.photos
        return tuple(p for p in self.photos if _order(p) > _order(self.baseline))


def _order(photo: Photo) -> tuple[dt.datetime, int]:
    return (photo.captured_at, photo.id)


def baseline_of(photos: Iterable[Photo]) -> Photo | None:
    """The earliest photo taken as a baseline, of photos of one region; ``None`` if none was."""
    baselines = [p for p in photos if p.purpose is PhotoPurpose.BASELINE]
    return min(baselines, key=_order) if baselines else None


def label_of(photo: Photo, baseline: Photo | None) -> str:
    """How a photo is labelled in its region: "baseline" for the region's baseline,
    "follow-up" for a follow-up photo, and "" for a further photo taken at the baseline visit (a
    retake), which is neither."""
    if baseline is not None and photo.id == baseline.id:
        return PhotoPurpose.BASELINE.label
    if photo.purpose is PhotoPurpose.FOLLOW_UP:
        return PhotoPurpose.FOLLOW_UP.label
    return ""


def series_by_region(photos: Sequence[Photo]) -> tuple[RegionSeries, ...]:
    """Photos grouped by region, each region oldest first with its baseline, regions in the
    order of their first photo."""
    by_region: dict[str, list[Photo]] = {}
    for photo in sorted(photos, key=_order):
        by_region.setdefault(photo.region, []).append(photo)
    return tuple(
        RegionSeries(region, tuple(items), baseline_of(items))
        for region, items in by_region.items()
    )


def comparison_pairs(series: Iterable[RegionSeries]) -> tuple[tuple[Photo, Photo], ...]:
    """The pairs Results shows and the re-estimate uses, (before, after): in each region its
    baseline (its first photo when it has none) against every later photo. A background job
    compares each pair once, when both photos are measured."""
    pairs: list[tuple[Photo, Photo]] = []
    for region in series:
        anchor = region.baseline or (region.photos[0] if region.photos else None)
        if anchor is None:
            continue
        pairs.extend((anchor, p) for p in region.photos if _order(p) > _order(anchor))
    return tuple(pairs)
