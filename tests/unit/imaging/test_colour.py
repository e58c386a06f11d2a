from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from skimage.color import rgb2lab

from resurface.imaging.colour import (
    erythema_index_map,
    ita_category,
    ita_deg,
    lab_from_linear,
    linear_from_lab,
    linear_from_srgb8,
    srgb8_from_linear,
)


def test_lab_matches_scikit_image_on_every_8_bit_grey_and_random_colours() -> None:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    rgb[0, :, :] = np.arange(64)[:, None] * 4
    ours = lab_from_linear(linear_from_srgb8(rgb))
    assert np.abs(ours - rgb2lab(rgb)).max() < 0.05


def test_srgb_round_trip_is_exact() -> None:
    values = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    assert np.array_equal(srgb8_from_linear(linear_from_srgb8(values)), values)


def test_lab_round_trip() -> None:
    lab = np.array([[[62.0, 12.0, 17.0], [40.0, 20.0, 25.0]]], np.float32)
    assert np.allclose(lab_from_linear(linear_from_lab(lab)), lab, atol=0.01)


@pytest.mark.parametrize(
    ("ita", "category"),
    [
        (60, "very_light"),
        (50, "light"),
        (30, "intermediate"),
        (20, "tan"),
        (0, "brown"),
        (-45, "dark"),
    ],
)
def test_ita_categories_follow_del_bino(ita: float, category: str) -> None:
    assert ita_category(ita) == category


def test_ita_is_zero_at_mid_lightness_and_ninety_without_yellow() -> None:
    assert ita_deg(50.0, 20.0) == pytest.approx(0.0)
    assert ita_deg(70.0, 0.0) == pytest.approx(90.0)


@given(st.floats(0.05, 1.0), st.floats(0.05, 1.0))
def test_erythema_index_is_zero_when_red_equals_green_and_grows_with_red(
    g: float, r: float
) -> None:
    grey = np.full((2, 2, 3), g, np.float32)
    assert np.allclose(erythema_index_map(grey), 0.0, atol=1e-4)
    pixel = np.array([[[r, g, g]]], np.float32)
    assert (erythema_index_map(pixel)[0, 0] > 0) == (r > g)
