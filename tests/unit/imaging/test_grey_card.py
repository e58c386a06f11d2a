"""The grey card the README names: a plain 18 % card is found and corrects a colour cast; a card
with white and black patches on its face is not taken for one (the photo is then measured
without calibration, and the verdict says no card was found)."""

from __future__ import annotations

import numpy as np

from resurface.imaging.calibration import calibrate_from_grey_card
from resurface.imaging.colour import linear_from_srgb8, srgb8_from_linear
from tests.support.phantoms import CARD_REFLECTANCE, PhantomSpec, _card_box, render_phantom

CAST = np.array([1.25, 1.0, 0.8], np.float32)  # a warm light


def _photo(patches: bool) -> np.ndarray:
    phantom = render_phantom(PhantomSpec(spot_count=0, line_count=0, red_patch_count=0))
    linear = linear_from_srgb8(phantom.rgb)
    rows, cols = _card_box(phantom.spec)
    if patches:
        height, width = rows.stop - rows.start, cols.stop - cols.start
        top, left = rows.start + height // 8, cols.start + width // 8
        side = min(height, width) // 3
        linear[top : top + side, left : left + side] = 0.9  # a white patch
        linear[top : top + side, left + side + 4 : left + 2 * side + 4] = 0.02  # a black one
    return srgb8_from_linear(np.clip(linear * CAST, 0.0, 1.0))


def test_a_plain_18_percent_card_is_found_and_cancels_the_cast() -> None:
    calibration = calibrate_from_grey_card(_photo(patches=False), px_per_mm=10.0)
    assert calibration.method == "grey_card"
    corrected = CARD_REFLECTANCE * CAST * np.asarray(calibration.gains, np.float32)
    assert np.allclose(corrected, CARD_REFLECTANCE, rtol=0.02)


def test_a_card_with_white_and_black_patches_is_not_taken_for_a_grey_card() -> None:
    assert calibrate_from_grey_card(_photo(patches=True), px_per_mm=10.0).method == "none"
