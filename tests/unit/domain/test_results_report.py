"""When the report calls a change across the series better or worse: only beyond the least
repeatable kind of region the area is measured in."""

from __future__ import annotations

import pytest

from resurface.domain.codes import Area
from resurface.domain.photo_metrics import ChangeVerdict, DetectableChange, RepeatabilityRules
from resurface.domain.results_report import series_noise_pct, series_verdict
from tests.support.contexts import shipped_rules

RULES = RepeatabilityRules(
    {
        ("spot_area_pct", "forehead"): DetectableChange(8.0, relative=True, floor=0.05),
        ("spot_area_pct", "periorbital"): DetectableChange(9.0, relative=True),
        ("spot_area_pct", "perioral"): DetectableChange(12.0, relative=True),
        ("spot_area_pct", "cheek"): DetectableChange(10.0, relative=True),
        ("spot_area_pct", "drawn"): DetectableChange(1.0, relative=True),
        ("a_star_mean", "cheek"): DetectableChange(0.7, relative=False),
    }
)


def test_an_area_is_as_noisy_as_its_least_repeatable_region() -> None:
    assert series_noise_pct(RULES, "spot_area_pct", Area.FULL_FACE) == 12.0
    assert series_noise_pct(RULES, "spot_area_pct", Area.CHEEKS) == 10.0
    assert series_noise_pct(RULES, "spot_area_pct", Area.FOREHEAD) == 8.0
    assert series_noise_pct(RULES, "spot_area_pct", Area.NECK) == 1.0  # a drawn region


def test_a_metric_without_a_relative_minimal_change_is_never_judged() -> None:
    assert series_noise_pct(RULES, "a_star_mean", Area.CHEEKS) is None  # in units, not percent
    assert series_noise_pct(RULES, "wrinkle_density", Area.CHEEKS) is None  # none stated
    assert series_noise_pct(RULES, "a_star_mean", Area.FULL_FACE) is None  # not for every kind


@pytest.mark.parametrize(
    ("improvement", "noise", "verdict"),
    [
        (15.0, 12.0, ChangeVerdict.BETTER),
        (-15.0, 12.0, ChangeVerdict.WORSE),
        (12.0, 12.0, ChangeVerdict.NO_MEASURABLE_CHANGE),
        (-11.9, 12.0, ChangeVerdict.NO_MEASURABLE_CHANGE),
        (80.0, None, ChangeVerdict.NO_MEASURABLE_CHANGE),
        (None, 12.0, ChangeVerdict.NO_MEASURABLE_CHANGE),
    ],
)
def test_better_or_worse_only_beyond_the_noise(
    improvement: float | None, noise: float | None, verdict: ChangeVerdict
) -> None:
    assert series_verdict(improvement, noise) is verdict


def test_every_concern_metric_is_judged_on_every_area_with_the_shipped_rules() -> None:
    rules = shipped_rules()
    for metric in {m for m in rules.response.concern_metric.values() if m is not None}:
        for area in Area:
            noise = series_noise_pct(rules.repeatability, metric, area)
            assert noise is not None and 0 < noise < 50, (metric, area)
