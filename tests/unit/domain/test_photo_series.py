"""Which photo is a region's baseline, and how each photo is labelled."""

from __future__ import annotations

import datetime as dt

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.photo_series import baseline_of, comparison_pairs, label_of, series_by_region

DAY0 = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
BASELINE, FOLLOW_UP = PhotoPurpose.BASELINE, PhotoPurpose.FOLLOW_UP


def _photo(photo_id: int, days: int, purpose: PhotoPurpose, region: str = "cheeks") -> Photo:
    taken = DAY0 + dt.timedelta(days=days)
    return Photo(
        photo_id, 1, 1, region, taken, "a" * 64, "k", "image/jpeg", 10, 10, purpose=purpose
    )


def test_the_baseline_is_the_earliest_photo_taken_as_a_baseline() -> None:
    first, retake, later = _photo(1, 0, BASELINE), _photo(2, 0, BASELINE), _photo(3, 40, FOLLOW_UP)
    assert baseline_of([later, retake, first]) == first
    assert [label_of(p, first) for p in (first, retake, later)] == ["baseline", "", "follow-up"]


def test_a_follow_up_is_never_the_baseline_even_when_it_is_the_first_photo() -> None:
    follow_up = _photo(1, 0, FOLLOW_UP)
    baseline = _photo(2, 3, BASELINE)
    assert baseline_of([follow_up]) is None
    assert label_of(follow_up, None) == "follow-up"
    assert baseline_of([follow_up, baseline]) == baseline
    assert label_of(follow_up, baseline) == "follow-up"


def test_series_by_region_keeps_each_region_oldest_first_with_its_own_baseline() -> None:
    neck_later = _photo(4, 60, FOLLOW_UP, "neck")
    cheeks = _photo(2, 1, BASELINE)
    neck = _photo(3, 2, BASELINE, "neck")
    cheeks_later = _photo(5, 30, FOLLOW_UP)
    only_follow_ups = _photo(6, 30, FOLLOW_UP, "hands")
    series = series_by_region([neck_later, cheeks_later, neck, cheeks, only_follow_ups])
    assert [(s.region, [p.id for p in s.photos]) for s in series] == [
        ("cheeks", [2, 5]),
        ("neck", [3, 4]),
        ("hands", [6]),
    ]
    assert [s.baseline.id if s.baseline else None for s in series] == [2, 3, None]
    assert [p.id for p in series[0].after_baseline] == [5]
    assert [p.id for p in series[2].after_baseline] == [6]
    assert series[1].label(neck_later) == "follow-up"


def test_the_pairs_compared_are_each_regions_baseline_or_first_photo_against_every_later_one() -> (
    None
):
    early_follow_up = _photo(1, 0, PhotoPurpose.FOLLOW_UP)  # before the baseline: not compared
    baseline = _photo(2, 10, PhotoPurpose.BASELINE)
    retake = _photo(3, 10, PhotoPurpose.BASELINE)
    later = _photo(4, 40, PhotoPurpose.FOLLOW_UP)
    neck_first = _photo(5, 5, PhotoPurpose.FOLLOW_UP, "neck")
    neck_later = _photo(6, 50, PhotoPurpose.FOLLOW_UP, "neck")
    lone = _photo(7, 5, PhotoPurpose.BASELINE, "chest")
    series = series_by_region(
        [later, neck_later, early_follow_up, baseline, retake, neck_first, lone]
    )
    assert comparison_pairs(series) == (
        (baseline, retake),
        (baseline, later),
        (neck_first, neck_later),
    )
