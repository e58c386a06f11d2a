"""Detection adapts to the skin: the same relative contrast is found on every skin type.

Phantoms span the whole ITA° range (very light to dark). Spots and lines are drawn at the same
*relative* contrast (15 % of L* + 16, the same share of reflected light) on each, with pores,
dark hair, a shadow gradient (30 % less light across the frame), specular highlights, texture,
noise and JPEG. Targets (issue 15): spot count ±10 %, spot area ±15 %, wrinkle length ±15 %, and
hair adds no wrinkle length. Measured on the last run (very light → dark): spot count exact on all
six; spot area −4 to −5 %; wrinkle length −1 to +1 %; hair found 48-52 mm of 50 mm drawn.
"""

from __future__ import annotations

import numpy as np
import pytest

from resurface.imaging.analysis import analyze
from resurface.imaging.pigmentation import detect_spots
from resurface.imaging.wrinkles import wrinkle_map
from tests.support.phantoms import Phantom, PhantomSpec, capture, render_phantom

#: Skin tones across the ITA° range (L*, a*, b*), with the category each falls in.
TONES = {
    "very_light": (80.0, 8.0, 13.0),
    "light": (70.0, 11.0, 16.0),
    "intermediate": (64.0, 11.0, 15.0),
    "tan": (52.0, 14.0, 21.0),
    "brown": (42.0, 14.0, 21.0),
    "dark": (30.0, 12.0, 16.0),
}


def _skin(tone: tuple[float, float, float], **changes: object) -> Phantom:
    k = tone[0] + 16.0
    spec = PhantomSpec(
        width_mm=100.0,
        height_mm=80.0,
        base_lab=tone,
        spot_contrast_l=0.15 * k,
        line_contrast_l=0.15 * k,
        texture_l=0.6 * k / 78.0,
        mottling_l=1.0 * k / 78.0,
        pore_count=400,
        pore_contrast_l=0.08 * k,
        hair_count=8,
        hair_contrast_l=0.45 * k,
        shadow=0.3,
        highlight_count=4,
        seed=3,
    )
    return render_phantom(PhantomSpec(**{**spec.__dict__, **changes}))


def _card(phantom: Phantom) -> np.ndarray:
    lab = phantom.lab
    return np.hypot(lab[..., 1], lab[..., 2]) < 2.0


def _measure(phantom: Phantom):  # type: ignore[no-untyped-def]
    shot = capture(phantom, noise_dn=2.0, jpeg_quality=92, seed=1)
    return analyze(shot, region="whole", px_per_mm=phantom.truth.px_per_mm)


@pytest.mark.parametrize("tone", TONES, ids=list(TONES))
def test_every_skin_type_gives_the_truth_despite_pores_hair_shadow_and_highlights(
    tone: str,
) -> None:
    phantom = _skin(TONES[tone])
    result = _measure(phantom)
    truth, metrics = phantom.truth, result.regions[0].metrics
    assert abs(metrics.spot_count - truth.spot_count) <= 0.1 * truth.spot_count
    assert metrics.spot_area_pct == pytest.approx(truth.spot_area_pct, rel=0.15)
    assert metrics.wrinkle_length_mm == pytest.approx(truth.wrinkle_length_mm, rel=0.15)
    # Dark hair is not skin: it is left out of the measured pixels, as the overlay shows.
    hair_pixels = (phantom.lab[..., 0] < 0.62 * phantom.spec.base_lab[0] - 8) & ~_card(phantom)
    measured = result.maps.region_masks[0]
    assert np.count_nonzero(measured & hair_pixels) <= 0.02 * np.count_nonzero(hair_pixels)


@pytest.mark.parametrize("tone", TONES, ids=list(TONES))
def test_fair_hair_that_passes_for_skin_is_found_as_hair_not_wrinkles(tone: str) -> None:
    # Hair only 20 % darker than the skin is not cut out by the skin model; the line filter
    # finds it and tells it from wrinkles by its width.
    k = TONES[tone][0] + 16.0
    phantom = _skin(TONES[tone], hair_contrast_l=0.2 * k)
    result = _measure(phantom)
    truth, metrics = phantom.truth, result.regions[0].metrics
    assert metrics.wrinkle_length_mm == pytest.approx(truth.wrinkle_length_mm, rel=0.15)
    hair_mm = float(np.count_nonzero(result.maps.hair)) / truth.px_per_mm
    assert hair_mm == pytest.approx(truth.hair_length_mm, rel=0.25)


def test_the_tones_span_the_ita_range() -> None:
    categories = {_measure(_skin(t, pore_count=0, hair_count=0)).regions[0].metrics.ita_category
                  for t in (TONES["very_light"], TONES["dark"])}  # fmt: skip
    assert categories == {"very_light", "dark"}


@pytest.mark.parametrize("tone", ["very_light", "dark"])
def test_hair_adds_no_wrinkle_length(tone: str) -> None:
    with_hair = _measure(_skin(TONES[tone])).regions[0].metrics
    shaved = _measure(_skin(TONES[tone], hair_count=0)).regions[0].metrics
    assert with_hair.wrinkle_length_mm == pytest.approx(shaved.wrinkle_length_mm, rel=0.02)
    assert with_hair.spot_count == shaved.spot_count


@pytest.mark.parametrize("tone", ["very_light", "dark"])
def test_texture_and_pores_alone_are_neither_spots_nor_wrinkles(tone: str) -> None:
    k = TONES[tone][0] + 16.0
    phantom = _skin(TONES[tone], spot_count=0, line_count=0, hair_count=0, texture_l=1.2 * k / 78.0)
    metrics = _measure(phantom).regions[0].metrics
    assert metrics.spot_count == 0
    assert metrics.wrinkle_length_mm == 0.0


def test_dense_pores_along_lines_are_not_spots() -> None:
    # 800 pores on 56 cm²: where two or three fall together with a dip of the texture, the
    # cluster is as dark and as large as a small spot; one such cluster is tolerated.
    phantom = _skin(TONES["intermediate"], spot_count=0, hair_count=0, pore_count=800)
    metrics = _measure(phantom).regions[0].metrics
    assert metrics.spot_count <= 1
    assert metrics.wrinkle_length_mm == pytest.approx(phantom.truth.wrinkle_length_mm, rel=0.15)


def test_a_line_thickened_in_places_is_a_line_not_spots() -> None:
    # Three dark dots 0.8 mm wide on a 0.5 mm line: as dark as spots and round enough, but they
    # lie along the ridge; they are counted only when the line is not given.
    ppmm = 10.0
    yy, xx = np.mgrid[0:300, 0:400].astype(np.float32)
    s = 0.5 * ppmm / 2.3548
    l_star = 60.0 - 8.0 * np.exp(-((yy - 150) ** 2) / (2 * s * s)) * ((xx > 50) & (xx < 350))
    for cx in (120, 200, 280):
        l_star -= 7.0 * np.clip(4.5 - np.hypot(xx - cx, yy - 150), 0, 1)
    l_star = l_star.astype(np.float32)
    lines = wrinkle_map(l_star, px_per_mm=ppmm)
    assert lines.length_px.sum() / ppmm == pytest.approx(30.0, rel=0.05)
    assert len(detect_spots(l_star, px_per_mm=ppmm).areas_px) == 3
    assert len(detect_spots(l_star, px_per_mm=ppmm, ridges=lines.centreline).areas_px) == 0


@pytest.mark.parametrize(
    ("band_depth", "gap_mm", "found"), [(10.0, 0.3, 0), (7.0, 0.3, 1), (10.0, 0.6, 1)]
)
def test_a_spot_beside_a_shade_as_deep_is_not_counted(
    band_depth: float, gap_mm: float, found: int
) -> None:
    # A dark band 20 × 2 mm at the edge of the measured skin (the shade under a fringe) and a
    # spot 2.7 mm across, 10.5 L* deep, just below it. Beside a band at least 80 % as deep, the
    # saddle between them decides alone whether the spot is cut off (it was, in one repeat
    # capture of the test face and not the others): it is not counted either way. Beside a
    # fainter band, or with skin between them, it is a spot.
    ppmm = 10.0
    yy, xx = np.mgrid[0:300, 0:400].astype(np.float32)
    band = np.clip(10.5 - np.abs(yy - 100), 0, 1) * np.clip(101 - np.abs(xx - 200), 0, 1)
    centre_y = 100 + 10 + gap_mm * ppmm + 13
    spot = np.clip(13.5 - np.hypot(xx - 200, yy - centre_y), 0, 1)
    l_star = (60.0 - band_depth * band - 10.5 * spot).astype(np.float32)
    valid = np.ones(l_star.shape, bool)
    valid[:40] = False
    assert len(detect_spots(l_star, px_per_mm=ppmm, valid=valid).areas_px) == found
