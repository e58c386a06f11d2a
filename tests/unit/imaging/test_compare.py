"""``compare`` on a phantom pair with known changes reports them within the issue's tolerances."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from skimage import data

from resurface.imaging.analysis import prepare_frame
from resurface.imaging.compare import _shared_face_regions, compare
from resurface.imaging.overlay import comparison_overlay_png
from tests.support.faces import recapture
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


def test_two_captures_of_one_face_are_measured_in_the_same_regions() -> None:
    # Each photo's own face mesh moved the regions by a few pixels (their skin area by 2-7 %):
    # both photos now share one set of regions, mapped into each photo.
    face = cv2.resize(data.astronaut(), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    later = recapture(face, rotation_deg=2.0, zoom=1.03, shift_px=(12.0, -8.0))
    result = compare(face, later)
    matrix = result.transform.astype(np.float64)
    for before, after in zip(
        result.before.maps.outlines_px, result.after.maps.outlines_px, strict=True
    ):
        mapped = after.astype(np.float64) @ matrix[:, :2].T + matrix[:, 2]
        assert np.abs(mapped - before).max() < 0.5


def test_a_head_turned_between_the_photos_keeps_each_photos_own_regions() -> None:
    face = cv2.resize(data.astronaut(), None, fx=3, fy=3, interpolation=cv2.INTER_CUBIC)
    frame = prepare_frame(face)
    assert frame.landmarks_px is not None and frame.px_per_mm is not None
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    rng = np.random.default_rng(0)
    jitter = rng.normal(0.0, 0.2 * frame.px_per_mm, frame.landmarks_px.shape)
    jittered = replace(frame, landmarks_px=(frame.landmarks_px + jitter).astype(np.float32))
    assert _shared_face_regions(frame, jittered, identity)[1] is not jittered
    # Turned: the landmarks of one half of the face 3 mm further along than the other half.
    centre = float(np.median(frame.landmarks_px[:, 0]))
    turned_px = frame.landmarks_px.copy()
    turned_px[turned_px[:, 0] > centre, 0] += 3.0 * frame.px_per_mm
    turned = replace(frame, landmarks_px=turned_px)
    kept_before, kept_after = _shared_face_regions(frame, turned, identity)
    assert kept_before is frame and kept_after is turned
