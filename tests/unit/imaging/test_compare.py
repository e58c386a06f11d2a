"""``compare`` on a phantom pair with known changes reports them within the issue's tolerances."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from resurface.imaging.compare import compare
from resurface.imaging.overlay import comparison_overlay_png
from tests.support.phantoms import PhantomSpec, capture, render_phantom


def test_compare_reports_known_changes_on_a_rotated_relit_after_photo() -> None:
    before = render_phantom(PhantomSpec())
    after = render_phantom(PhantomSpec(spot_count=6, red_delta_a=3.0, global_delta_a=2.0))
    shot_before = capture(before, noise_dn=2.0, jpeg_quality=92, seed=1)
    shot_after = capture(
        after, gains=(1.15, 1.0, 0.85), rotation_deg=2.5, noise_dn=2.0, jpeg_quality=92, seed=2
    )
    result = compare(shot_before, shot_after, region="whole", px_per_mm=10.0)
    assert result.alignment == "features"
    assert result.colour_normalisation == "grey_card"
    (region,) = result.regions
    tb, ta = before.truth, after.truth
    assert region.change["spot_count"] == pytest.approx(ta.spot_count - tb.spot_count, abs=1)
    assert region.change_pct["spot_area_pct"] == pytest.approx(
        100 * (ta.spot_area_pct / tb.spot_area_pct - 1), abs=15
    )
    assert region.change["a_star_mean"] == pytest.approx(ta.a_star_mean - tb.a_star_mean, abs=1.5)
    assert region.change["red_area_pct"] == pytest.approx(
        ta.red_area_pct - tb.red_area_pct, abs=0.5
    )
    assert region.change_pct["wrinkle_length_mm"] == pytest.approx(0.0, abs=15)
    assert comparison_overlay_png(result).startswith(b"\x89PNG")


def test_compare_measures_fading_lines() -> None:
    before = render_phantom(PhantomSpec(spot_count=0, line_count=6))
    after = render_phantom(PhantomSpec(spot_count=0, line_count=3))
    result = compare(
        capture(before, seed=1, noise_dn=2.0),
        capture(after, seed=2, noise_dn=2.0, rotation_deg=-2.0),
        region="whole",
        px_per_mm=10.0,
    )
    (region,) = result.regions
    expected = after.truth.wrinkle_length_mm - before.truth.wrinkle_length_mm
    assert region.change["wrinkle_length_mm"] == pytest.approx(expected, rel=0.15)


# --- compare measures like analyze (issue 15) ----------------------------------------------------


def _numeric_changes(result) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {
        f"{region.name}.{name}": float(value)
        for region in result.regions
        for name, value in region.change.items()
        if isinstance(value, int | float)
    }


def test_the_same_photo_twice_gives_exactly_no_change() -> None:
    shot = capture(render_phantom(PhantomSpec()), noise_dn=2.0, jpeg_quality=92, seed=1)
    result = compare(shot, shot, region="whole", px_per_mm=10.0)
    assert set(_numeric_changes(result).values()) == {0.0}
    assert all(r.change["ita_category"] == "unchanged" for r in result.regions)


def test_the_same_face_twice_gives_exactly_no_change() -> None:
    face = cv2.resize(data.astronaut(), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    result = compare(face, face)
    assert len(result.regions) == 6
    assert set(_numeric_changes(result).values()) == {0.0}


def test_each_photo_is_measured_as_analyze_measures_it() -> None:
    # The after photo, shifted in its frame: its numbers are those analyze gives for the same
    # skin, not those of a resampled copy.
    phantom = render_phantom(PhantomSpec())
    before = capture(phantom, noise_dn=2.0, jpeg_quality=92, seed=1)
    after = np.ascontiguousarray(np.roll(before, (9, -13), axis=(0, 1)))
    result = compare(before, after, region="whole", px_per_mm=10.0)
    (region,) = result.regions
    for name, value in _numeric_changes(result).items():
        metric = name.split(".", 1)[1]
        base = float(getattr(region.before, metric))
        assert abs(value) <= 0.01 * max(abs(base), 1e-9) or abs(value) < 1e-9, (name, value, base)
    assert region.change["spot_count"] == 0
