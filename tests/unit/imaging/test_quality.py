"""Capture quality: scale per metric, focus, exposure, pose, grey card; comparability of two."""

from __future__ import annotations

import datetime as dt

import cv2
import numpy as np
import pytest
from skimage import data

from resurface.domain.measurements import PhotoComparison
from resurface.imaging.analysis import ANALYSIS_VERSION, analyze
from resurface.imaging.compare import Comparison, compare
from resurface.imaging.quality import (
    MAX_POSE_DIFFERENCE_DEG,
    capture_quality,
    comparability,
    measurable_metrics,
)
from resurface.protocols import load_rule_base
from resurface.services.photo_analysis import _region_changes
from resurface.services.results import NOT_COMPARABLE, NOT_MEASURABLE, _changes
from tests.support.phantoms import PhantomSpec, _card_box, capture, render_phantom


def _face(factor: float, angle: float = 0.0) -> np.ndarray:
    face = cv2.resize(data.astronaut(), None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    if angle:
        h, w = face.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        face = cv2.warpAffine(face, matrix, (w, h), borderMode=cv2.BORDER_REFLECT)
    return np.ascontiguousarray(face)


def test_a_face_120_px_wide_says_its_fine_metrics_are_not_measurable() -> None:
    quality = capture_quality(analyze(_face(1.0)))
    assert quality.px_per_mm is not None and quality.px_per_mm < 1.0
    assert set(quality.not_measurable) == {
        "spot_count", "spot_area_pct", "wrinkle_length_mm", "wrinkle_density", "texture_roughness",
    }  # fmt: skip
    assert any("too coarse" in p for p in quality.problems)
    assert quality.pose is not None and not quality.grey_card


def test_what_each_resolution_can_measure() -> None:
    assert measurable_metrics(10.0) == ()
    assert measurable_metrics(4.0) == ("wrinkle_length_mm", "wrinkle_density")
    assert measurable_metrics(None) == ()


def test_a_good_phantom_photo_has_no_problems() -> None:
    shot = capture(render_phantom(PhantomSpec()), noise_dn=2.0, jpeg_quality=92, seed=1)
    quality = capture_quality(analyze(shot, region="whole", px_per_mm=10.0))
    assert quality.ok and quality.in_focus and quality.exposure_ok and quality.grey_card
    assert quality.pose is None


def test_overexposure_and_strong_blur_are_flagged() -> None:
    phantom = render_phantom(PhantomSpec())
    bright = capture(phantom, gains=(2.6, 2.6, 2.6), noise_dn=2.0, seed=1)
    assert not capture_quality(analyze(bright, region="whole", px_per_mm=10.0)).exposure_ok
    blurred = cv2.GaussianBlur(capture(phantom, noise_dn=2.0, seed=1), (0, 0), 12)
    quality = capture_quality(analyze(blurred, region="whole", px_per_mm=10.0))
    assert not quality.in_focus and "the photo looks out of focus" in quality.problems


def test_pose_follows_a_tilt_of_the_head() -> None:
    upright = analyze(_face(2.0)).pose
    tilted = analyze(_face(2.0, angle=12.0)).pose
    assert upright is not None and tilted is not None
    assert tilted.roll - upright.roll == pytest.approx(-12.0, abs=2.0)
    assert abs(tilted.yaw - upright.yaw) < 3.0


def test_too_different_a_pose_is_not_comparable_and_not_judged() -> None:
    before, after = _face(3.0), _face(3.0, angle=MAX_POSE_DIFFERENCE_DEG + 6.0)
    result = compare(before, after)
    verdict = comparability(result.before.pose, result.after.pose, result.light_gains)
    assert not verdict.comparable and any("tilted" in r for r in verdict.reasons)
    rows = _changes(load_rule_base(), _kept(result), comparable=False)
    assert all(r.better is None for r in rows)
    assert {r.verdict for r in rows} <= {NOT_COMPARABLE, "no measurable change"}
    same = comparability(result.before.pose, result.before.pose, (1.0, 1.0, 1.0))
    assert same.comparable and same.light_change_pct == 0.0


def test_a_large_uncorrected_change_of_light_is_not_comparable() -> None:
    assert not comparability(None, None, (1.6, 1.6, 1.6)).comparable
    assert comparability(None, None, (1.6, 1.6, 1.6), grey_cards=True).comparable


def test_not_measurable_metrics_are_never_a_change() -> None:
    face = _face(1.0)
    result = compare(face, face)
    rows = _changes(load_rule_base(), _kept(result), {"wrinkle_density"})
    assert {r.verdict for r in rows if r.metric == "wrinkle_density"} == {NOT_MEASURABLE}


def test_only_a_plain_grey_card_is_found() -> None:
    # The README's advice: a plain 18 % card works; one with white and black patches does not.
    phantom = render_phantom(PhantomSpec())
    plain = capture_quality(analyze(phantom.rgb, region="whole", px_per_mm=10.0))
    assert plain.grey_card
    patched = phantom.rgb.copy()
    rows, cols = _card_box(phantom.spec)
    third = (cols.stop - cols.start) // 3
    patched[rows, cols.start : cols.start + third] = 243  # a white patch
    patched[rows, cols.stop - third : cols.stop] = 52  # and a black one
    verdict = capture_quality(analyze(patched, region="whole", px_per_mm=10.0))
    assert not verdict.grey_card


def _kept(compared: Comparison) -> PhotoComparison:
    """A comparison as the background job stores it, which is what Results judges."""
    return PhotoComparison(
        0, 1, 1, 2, ANALYSIS_VERSION, dt.datetime.now(dt.UTC),
        regions=_region_changes(compared), length_unit=compared.before.length_unit,
    )  # fmt: skip
