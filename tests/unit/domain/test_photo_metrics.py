"""One table of metric names; better or worse only beyond the minimal detectable change."""

from __future__ import annotations

import pytest

from resurface.domain.photo_metrics import (
    METRIC_ORDER,
    ChangeVerdict,
    metric_label,
    patient_metric_label,
    region_kind,
)
from resurface.imaging.analysis import METRIC_NAMES
from resurface.protocols import load_rule_base


def test_every_imaging_metric_has_one_human_name() -> None:
    assert METRIC_ORDER == METRIC_NAMES
    labels = [metric_label(m) for m in METRIC_ORDER]
    assert len(set(labels)) == len(labels) and all("_" not in label for label in labels)
    assert metric_label("wrinkle_length_mm", "px") == "Wrinkle length (px)"
    assert metric_label("wrinkle_density") == "Wrinkle density (mm per cm²)"
    assert metric_label("tone_evenness") == "Tone unevenness (SD of ITA°)"


@pytest.mark.parametrize(
    ("region", "kind"),
    [("forehead", "forehead"), ("periorbital_left", "periorbital"), ("perioral", "perioral"),
     ("cheek_right", "cheek"), ("whole", "drawn"), ("neck", "drawn")],
)  # fmt: skip
def test_region_kinds(region: str, kind: str) -> None:
    assert region_kind(region) == kind


def test_every_metric_and_region_kind_has_a_minimal_detectable_change() -> None:
    rules = load_rule_base().repeatability
    for metric in METRIC_ORDER:
        if metric == "ita_category":
            continue
        for region in ("forehead", "periorbital_left", "perioral", "cheek_left", "whole"):
            assert rules.minimal_change(metric, region) is not None, (metric, region)


def test_changes_within_the_minimal_detectable_change_are_no_measurable_change() -> None:
    rules = load_rule_base().repeatability
    limit = rules.minimal_change("wrinkle_density", "cheek_left")
    assert limit is not None and limit.relative
    before = 10.0  # mm per cm²: far enough above the floor (0.1) for the percentage to rule
    inside = before * (1.0 - 0.9 * limit.value / 100.0)
    beyond = before * (1.0 - 1.1 * limit.value / 100.0)

    def verdict(after: float, lower: bool | None = True) -> ChangeVerdict:
        return rules.verdict("wrinkle_density", "cheek_left", before, after, lower_is_better=lower)

    assert verdict(inside) is ChangeVerdict.NO_MEASURABLE_CHANGE
    assert verdict(beyond) is ChangeVerdict.BETTER
    assert verdict(2 * before - beyond) is ChangeVerdict.WORSE
    assert verdict(beyond, None) is ChangeVerdict.CHANGED
    # One spot more or less is within the floor of the spot count.
    assert rules.verdict("spot_count", "cheek_left", 3, 4, lower_is_better=True) is (
        ChangeVerdict.NO_MEASURABLE_CHANGE
    )


@pytest.mark.parametrize("unit", ["mm", "px"])
def test_every_metric_has_a_name_for_the_patient_without_codes_or_units_of_analysis(
    unit: str,
) -> None:
    assert len({patient_metric_label(name, unit) for name in METRIC_ORDER}) == len(METRIC_ORDER)
    for name in METRIC_ORDER:
        words = patient_metric_label(name, unit)
        assert words and words != metric_label(name, unit), name
        for code in ("a*", "b*", "L*", "ITA", "SD", "px", "_", "index"):
            assert code not in words, (name, words)
