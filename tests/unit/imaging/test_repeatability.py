"""Repeat captures of unchanged skin stay within the minimal detectable change Results uses.

The numbers in ``protocols/repeatability.yaml`` come from these captures (see its header); this
test fails if the analysis ever moves a metric between repeat captures by more than is stated
there, so the file cannot drift from what the software does. Results measures a change with
``imaging.compare``, so the face is measured the same way: the first capture against each of the
other four, in one set of regions and with one iris ruler. Figures of the last run (analysis
2026.12.7, the same in 2026.12.8; largest |after − before|, percent of before): a* 0.7-1.9 %,
erythema index 0.6-1.1 %, L* 0.1-0.3 %, b* 0.3-0.6 %, ITA° 0.1-0.7 %, spot count 0, spot area
0.9-2.3 %, wrinkle length 1.4-2.4 %, wrinkle density 1.4-2.0 %, texture 0.7-1.3 %, tone
unevenness 1.4-2.8 % (forehead 1.4, eyes 2.4, mouth 2.8, cheeks 1.5; 2026.12.6: 3.2 % around the
left eye). The drawn-region phantom
(with a grey card, each photo analysed on its own): every metric ≤ 2.5 % (tone 2.0 %). Six more
captures drawn at random in the same ranges (``random_repeats``), each compared with the first
as well, moved every metric by less than 3 % too (largest: tone unevenness 2.8 % and a* 2.5 %
around the left eye, wrinkle density 2.3 % on the left cheek): the yaml's values cover all ten.
"""

from __future__ import annotations

import numpy as np
import pytest

from resurface.domain.photo_metrics import METRIC_ORDER
from resurface.imaging.analysis import analyze
from resurface.imaging.compare import compare
from resurface.protocols import load_rule_base
from tests.support.faces import (
    REPEATS,
    MarkedFace,
    marked_face,
    random_repeats,
    recapture,
    upscaled_astronaut,
)
from tests.support.phantoms import PhantomSpec, capture, render_phantom
from tests.unit.imaging.test_analysis import NUISANCES, _disc_region

NUMERIC = [m for m in METRIC_ORDER if m != "ita_category"]


@pytest.fixture(scope="module")
def face() -> MarkedFace:
    return marked_face()


@pytest.fixture(scope="module")
def face_runs(face: MarkedFace) -> list[dict[str, dict[str, float | int | str]]]:
    """Per capture pair (the first capture, then one of the ten repeats: the four chosen and
    six drawn at random): each region's before and after."""
    first, *repeats = REPEATS
    baseline = recapture(face.rgb, **first)
    pairs = [
        compare(baseline, recapture(face.rgb, **repeat)) for repeat in [*repeats, *random_repeats()]
    ]
    return [
        {name: metrics for r in pair.regions
         for name, metrics in ((f"{r.name}/before", r.before.as_dict()),
                               (f"{r.name}/after", r.after.as_dict()))}
        for pair in pairs
    ]  # fmt: skip


@pytest.fixture(scope="module")
def drawn_runs() -> list[dict[str, dict[str, float | int | str]]]:
    phantom = render_phantom(PhantomSpec(pore_count=300))
    disc = _disc_region(phantom.rgb)
    return [
        {"neck": analyze(capture(phantom, **n), region=disc, px_per_mm=10.0).regions[0]
         .metrics.as_dict()}
        for n in NUISANCES
    ]  # fmt: skip


def _within(runs: list[dict[str, dict[str, float | int | str]]]) -> list[str]:
    """Every metric of every region whose spread over the captures is more than its MDC."""
    rules = load_rule_base().repeatability
    problems = []
    for region in runs[0]:
        for metric in NUMERIC:
            values = np.array([float(run[region][metric]) for run in runs if region in run])
            detectable = rules.minimal_change(metric, region)
            assert detectable is not None, (metric, region)
            spread = float(values.max() - values.min())
            allowed = detectable.threshold(float(values.mean()))
            if spread > allowed + 1e-9:
                problems.append(f"{region} {metric}: {values.round(3)} moves {spread:.3g}")
    return problems


def _changes_within(pairs: list[dict[str, dict[str, float | int | str]]]) -> list[str]:
    """Every metric of every region whose change from the first capture to a repeat capture is
    more than its MDC (as Results judges a change)."""
    rules = load_rule_base().repeatability
    problems = []
    regions = {key.split("/")[0] for key in pairs[0]}
    for region in sorted(regions):
        for metric in NUMERIC:
            detectable = rules.minimal_change(metric, region)
            assert detectable is not None, (metric, region)
            for pair in pairs:
                before = float(pair[f"{region}/before"][metric])
                after = float(pair[f"{region}/after"][metric])
                if abs(after - before) > detectable.threshold(before) + 1e-9:
                    problems.append(f"{region} {metric}: {before:.4g} -> {after:.4g}")
    return problems


def test_every_face_region_found_in_every_capture(face_runs) -> None:  # type: ignore[no-untyped-def]
    assert len(face_runs) == 10
    assert all(len(run) == 12 for run in face_runs)  # six regions, before and after


def test_repeat_captures_of_a_face_move_every_metric_less_than_three_percent(  # type: ignore[no-untyped-def]
    face_runs,
) -> None:
    # Issue 15's target (VISIA's own figures: < 2 % at best, about 6 % for spots and wrinkles).
    moved = []
    regions = sorted({key.split("/")[0] for key in face_runs[0]})
    for pair in face_runs:
        for region in regions:
            for metric in NUMERIC:
                before = float(pair[f"{region}/before"][metric])
                after = float(pair[f"{region}/after"][metric])
                if before and abs(after - before) >= 0.03 * abs(before):
                    moved.append(f"{region} {metric}: {before:.4g} -> {after:.4g}")
    assert moved == []


def test_repeat_captures_of_a_face_stay_within_the_minimal_detectable_change(  # type: ignore[no-untyped-def]
    face_runs,
) -> None:
    assert _changes_within(face_runs) == []


def test_repeat_captures_of_a_drawn_region_stay_within_the_minimal_detectable_change(  # type: ignore[no-untyped-def]
    drawn_runs,
) -> None:
    assert _within(drawn_runs) == []


def test_the_skin_category_does_not_flip_on_the_clean_cheeks(face_runs) -> None:  # type: ignore[no-untyped-def]
    for region in ("cheek_left", "cheek_right"):
        categories = {run[f"{region}/{when}"]["ita_category"] for run in face_runs
                      for when in ("before", "after")}  # fmt: skip
        assert len(categories) == 1


def test_lines_and_spots_drawn_on_a_real_face_are_recovered_and_untouched_regions_stay(  # type: ignore[no-untyped-def]
    face,
) -> None:
    # Issue 15's real-face target: the added truth within ±15 %, untouched regions move < 5 %.
    # Last run: lines forehead +4 %, cheeks +1-2 %; spots 3 of 3 on each cheek (area −4 % and
    # −8 %) and 2 of 3 on the forehead (the third lies in the shade of the fringe, joined to
    # it: see the README), 8 of 9 in all; none on the unmarked face.
    marked = {r.name: r.metrics for r in analyze(face.rgb).regions}
    plain_result = analyze(upscaled_astronaut(9.0))
    plain = {r.name: r.metrics for r in plain_result.regions}
    skin_mm2 = {
        r.name: np.count_nonzero(mask) / face.px_per_mm**2
        for r, mask in zip(plain_result.regions, plain_result.maps.region_masks, strict=True)
    }
    # Nothing was drawn on the plain face, and nothing is found on it.
    assert all(m.spot_count == 0 for m in plain.values())
    for region, truth in face.truth.items():
        if truth.line_length_mm:
            found = marked[region].wrinkle_length_mm - plain[region].wrinkle_length_mm
            assert found == pytest.approx(truth.line_length_mm, rel=0.15), region
        # No spot is found that was not drawn; where all drawn spots are found, their area is
        # the drawn area.
        assert 0 <= marked[region].spot_count <= truth.spot_count, region
        if truth.spot_count and marked[region].spot_count == truth.spot_count:
            drawn_pct = 100.0 * truth.spot_area_mm2 / skin_mm2[region]
            assert marked[region].spot_area_pct == pytest.approx(drawn_pct, rel=0.15), region
    drawn = sum(t.spot_count for t in face.truth.values())
    found_spots = sum(m.spot_count for m in marked.values())
    assert found_spots == pytest.approx(drawn, rel=0.15)
    assert sum(m.spot_count == face.truth[r].spot_count > 0 for r, m in marked.items()) >= 2
    for region in ("periorbital_left", "periorbital_right", "perioral"):
        for metric in ("a_star_mean", "l_star_mean", "texture_roughness", "tone_evenness"):
            before = float(getattr(plain[region], metric))
            after = float(getattr(marked[region], metric))
            assert after == pytest.approx(before, rel=0.05), (region, metric)
