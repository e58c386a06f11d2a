"""Repeat captures of unchanged skin stay within the minimal detectable change Results uses.

The numbers in ``protocols/repeatability.yaml`` come from these captures (see its header); this
test fails if the analysis ever moves a metric between repeat captures by more than is stated
there, so the file cannot drift from what the software does. Figures of the last run (largest
difference between five captures of the marked astronaut face, percent of the mean):
a* 1.9-5.7 %, erythema index 1.1-2.1 %, L* 3.4-3.9 % (±5 % light, no grey card), b* 2.8-4.7 %,
ITA° 2.2-6.8 %, spot count 0, spot area 1.6-5.4 %, wrinkle length 3.7-5.7 %, wrinkle density
5.7-9.6 %, texture 3.3-13.2 %, tone unevenness 5.0-10.6 %. The drawn-region phantom (with a
grey card): every metric ≤ 2.5 %.
"""

from __future__ import annotations

import numpy as np
import pytest

from resurface.domain.photo_metrics import METRIC_ORDER
from resurface.imaging.analysis import analyze
from resurface.protocols import load_rule_base
from tests.support.faces import REPEATS, marked_face, recapture
from tests.support.phantoms import PhantomSpec, capture, render_phantom
from tests.unit.imaging.test_analysis import NUISANCES, _disc_region

NUMERIC = [m for m in METRIC_ORDER if m != "ita_category"]


@pytest.fixture(scope="module")
def face_runs() -> list[dict[str, dict[str, float | int | str]]]:
    face = marked_face()
    return [
        {r.name: r.metrics.as_dict() for r in analyze(recapture(face.rgb, **repeat)).regions}
        for repeat in REPEATS
    ]


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


def test_every_face_region_found_in_every_capture(face_runs) -> None:  # type: ignore[no-untyped-def]
    assert all(len(run) == 6 for run in face_runs)


def test_repeat_captures_of_a_face_stay_within_the_minimal_detectable_change(  # type: ignore[no-untyped-def]
    face_runs,
) -> None:
    assert _within(face_runs) == []


def test_repeat_captures_of_a_drawn_region_stay_within_the_minimal_detectable_change(  # type: ignore[no-untyped-def]
    drawn_runs,
) -> None:
    assert _within(drawn_runs) == []


def test_the_skin_category_does_not_flip_on_the_clean_cheeks(face_runs) -> None:  # type: ignore[no-untyped-def]
    for region in ("cheek_left", "cheek_right"):
        assert len({run[region]["ita_category"] for run in face_runs}) == 1
