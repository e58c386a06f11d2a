"""The skin test's and the ridge filter's fast paths decide exactly as the plain rules do.

The skin test is written with OpenCV range tests and per-channel smoothing for speed; these tests
hold it to the plain numpy statement of its rules (the form it had before), on images whose values
lie exactly on and next to every bound, so a changed bound or a strict test turned inclusive
shows up as a different mask.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray
from skimage.morphology import skeletonize

from resurface.imaging._cv import cv2
from resurface.imaging.pigmentation import (
    _beside_as_deep,
    _edge_fraction,
    _half_maximum_pieces,
    _owner_range,
    _with_islands,
    detect_spots,
    skin_reference,
)
from resurface.imaging.regions import SkinModel, model_skin_mask, skin_mask, skin_model
from resurface.imaging.texture import mean_std, std64
from resurface.imaging.wrinkles import _exp, _linked_pieces, _non_maximum_suppression, _thin


def _lab_with_edges(seed: int, shape: tuple[int, int] = (240, 320)) -> NDArray[Any]:
    """Skin-like Lab with patches of non-skin, and pixels exactly on (and one float32 step
    beside) the bounds the tests below use."""
    rng = np.random.default_rng(seed)
    lab = np.empty((*shape, 3), np.float32)
    lab[..., 0] = rng.normal(62.0, 6.0, shape)
    lab[..., 1] = rng.normal(13.0, 3.0, shape)
    lab[..., 2] = rng.normal(17.0, 3.0, shape)
    lab[40:90, 50:120] = (25.0, 2.0, 4.0)  # hair-dark, grey patch
    lab[150:160, 200:205, 0] = 20.0  # a small dark hole
    flat = lab.reshape(-1, 3)
    bounds = np.array([20.0, 97.0, 6.0, 5.0, 100.0, 40.0, 31.0, 55.0], np.float32)
    picks = rng.choice(flat.shape[0], size=3000, replace=False)
    values = np.concatenate(
        [
            bounds,
            np.nextafter(bounds, np.float32(np.inf)),
            np.nextafter(bounds, np.float32(-np.inf)),
        ]
    )
    flat[picks, rng.integers(0, 3, picks.size)] = rng.choice(values, picks.size)
    return lab


def _plain_skin_mask(
    lab: NDArray[Any], px_per_mm: float, min_patch_mm2: float = 25.0
) -> NDArray[Any]:
    """skin_mask's rules in plain numpy (the defaults of skin_mask)."""
    l_star, a_star, b_star = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma = cv2.magnitude(a_star, b_star)
    hue = cv2.phase(a_star, b_star, angleInDegrees=True)
    hue = np.where(hue > 180.0, hue - 360.0, hue)
    mask = (
        (l_star > 20.0) & (l_star < 97.0) & (chroma > 6.0) & (hue > 5.0) & (hue < 100.0)
    ).astype(np.uint8)
    radius = max(round(1.5 * px_per_mm / 2), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_patch_mm2 * px_per_mm * px_per_mm
    return np.asarray(keep[labels], bool)


def _plain_model_mask(
    lab: NDArray[Any], model: SkinModel, px_per_mm: float, within: NDArray[Any] | None
) -> NDArray[Any]:
    """model_skin_mask's rules in plain numpy (its defaults: 0.25 mm smoothing, 40 mm² holes)."""
    smooth = cv2.GaussianBlur(lab, (0, 0), max(0.25 * px_per_mm, 0.5))
    l0, a0, b0 = model.lab
    sl, sa, sb = (max(s, 0.5) for s in model.sigma)
    l_star, da, db = lab[..., 0], smooth[..., 1] - np.float32(a0), smooth[..., 2] - np.float32(b0)
    a_tol, b_tol = max(4.0 * sa, 5.0), max(4.0 * sb, 7.0)
    ok = (
        (l_star >= np.float32(min(0.62 * l0, l0 - 4.0 * sl)))
        & (l_star <= np.float32(l0 + 4.0 * sl + 15.0))
        & (da >= -a_tol)
        & (da <= a_tol + 15.0)
        & (np.abs(db) <= b_tol)
    )
    if within is not None:
        ok &= within
    light = l_star >= np.float32(0.5 * l0)
    holes = (~ok).view(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    bw = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    bh = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    h, w = ok.shape
    touches = (
        (stats[:, cv2.CC_STAT_LEFT] == 0)
        | (stats[:, cv2.CC_STAT_TOP] == 0)
        | (stats[:, cv2.CC_STAT_LEFT] + bw >= w)
        | (stats[:, cv2.CC_STAT_TOP] + bh >= h)
    )
    small = (area <= 40.0 * px_per_mm * px_per_mm) & ~touches
    small[0] = False
    ratio = np.maximum(bw, bh) / np.maximum(np.minimum(bw, bh), 1.0)
    compact = (ratio <= 3.0) & (area / np.maximum(bw * bh, 1.0) >= 0.35)
    share = np.bincount(labels.ravel(), weights=light.ravel(), minlength=count) / area
    return np.asarray(ok | (small & compact & (share >= 0.5))[labels], bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_skin_test_decides_every_pixel_as_its_plain_rules_do(seed: int) -> None:
    lab = _lab_with_edges(seed)
    generic = skin_mask(lab, px_per_mm=4.0)
    assert np.array_equal(generic, _plain_skin_mask(lab, 4.0))
    # a* and b* given (copied out once for both tests) decide the same.
    a_b = (np.ascontiguousarray(lab[..., 1]), np.ascontiguousarray(lab[..., 2]))
    assert np.array_equal(skin_mask(lab, px_per_mm=4.0, a_b=a_b), generic)
    model = skin_model(lab, generic, source="region")
    assert model is not None
    # Bounds of the model test placed exactly on pixels: L* at the lower bound, a* and b* at
    # their offsets (before smoothing, the smoothing moves them a little either way).
    for within in (generic, None):
        fast = model_skin_mask(lab, model, px_per_mm=4.0, within=within)
        assert np.array_equal(fast, _plain_model_mask(lab, model, 4.0, within))
        given = model_skin_mask(lab, model, px_per_mm=4.0, within=within, a_b=a_b)
        assert np.array_equal(given, fast)


def _skin_with_patches(seed: int) -> NDArray[Any]:
    """Skin with a few non-skin blocks (and skin islands inside them) placed at random: near the
    middle, on the frame's sides and corners, across its whole width or height."""
    rng = np.random.default_rng(seed)
    h, w = 120, 160
    lab = np.empty((h, w, 3), np.float32)
    lab[..., 0] = rng.normal(62.0, 3.0, (h, w))
    lab[..., 1] = rng.normal(13.0, 1.0, (h, w))
    lab[..., 2] = rng.normal(17.0, 1.0, (h, w))
    for _ in range(int(rng.integers(0, 4))):
        y, x = int(rng.integers(-10, h)), int(rng.integers(-10, w))
        bh, bw = int(rng.integers(1, 40)), int(rng.integers(1, 40))
        if rng.random() < 0.2:  # across the whole height, near a side
            y, bh = 0, h
            x = int(rng.choice([rng.integers(-10, w), rng.integers(30), rng.integers(w - 60, w)]))
        elif rng.random() < 0.2:  # across the whole width, near the top or bottom
            x, bw = 0, w
            y = int(rng.choice([rng.integers(-10, h), rng.integers(30), rng.integers(h - 60, h)]))
        # Hair-dark grey, or as light as skin but off its colour (a hole a lesion can fill).
        colour = (25.0, 2.0, 4.0) if rng.random() < 0.5 else (60.0, 13.0, 45.0)
        lab[max(y, 0) : y + bh, max(x, 0) : x + bw] = colour
        if rng.random() < 0.5:  # a skin island in it, small or not
            s = int(rng.integers(2, 30))
            lab[max(y, 0) + 4 : y + 4 + s, max(x, 0) + 4 : x + 4 + s] = (62.0, 13.0, 17.0)
    return lab


@pytest.mark.parametrize("seed", range(60))
def test_skin_test_filters_around_non_skin_as_over_the_whole_frame(seed: int) -> None:
    # Closing, opening and dropping small patches inside the box of the non-skin pixels only
    # (and the whole frame when a piece of skin outside the box is small) gives every pixel as
    # filtering the whole frame.
    lab = _skin_with_patches(seed)
    for px_per_mm, min_patch_mm2 in ((2.0, 25.0), (4.0, 25.0), (2.0, 200.0), (4.0, 100.0)):
        fast = skin_mask(lab, px_per_mm=px_per_mm, min_patch_mm2=min_patch_mm2)
        assert np.array_equal(fast, _plain_skin_mask(lab, px_per_mm, min_patch_mm2))


@pytest.mark.parametrize("seed", range(60))
def test_model_skin_test_fills_holes_in_their_box_as_over_the_whole_frame(seed: int) -> None:
    # Holes labelled inside their own bounding box give the pixels of the whole frame's.
    lab = _skin_with_patches(seed)
    model = SkinModel(lab=(62.0, 13.0, 17.0), sigma=(3.0, 1.0, 1.0), source="test")
    for px_per_mm in (2.0, 4.0):
        within = skin_mask(lab, px_per_mm=px_per_mm)
        for inside in (within, None):
            fast = model_skin_mask(lab, model, px_per_mm=px_per_mm, within=inside)
            assert np.array_equal(fast, _plain_model_mask(lab, model, px_per_mm, inside))


def test_skin_model_of_a_large_reference_uses_the_same_subsample() -> None:
    lab = _lab_with_edges(3, (700, 800))
    reference = np.ones(lab.shape[:2], bool)
    reference[:30] = False
    model = skin_model(lab, reference, source="cheeks")
    values = lab[reference][:: int(reference.sum()) // 100_000]
    median = np.median(values, axis=0)
    assert model is not None
    assert model.lab == tuple(float(v) for v in median)
    mad = np.median(np.abs(values - median), axis=0) * 1.4826
    assert model.sigma == tuple(float(v) for v in mad)
    # A non-contiguous image gives the same model.
    wide = np.zeros((700, 800, 4), np.float32)
    wide[..., :3] = lab
    assert skin_model(wide[..., :3], reference, source="cheeks") == model


def test_ridge_exponential_is_opencvs_down_to_subnormal_results() -> None:
    rng = np.random.default_rng(5)
    exponent = -np.abs(rng.normal(0.0, 60.0, (300, 333))).astype(np.float32)
    exponent[0, :4] = (-87.0, np.nextafter(np.float32(-87.0), np.float32(0.0)), -120.0, -np.inf)
    expected = cv2.exp(exponent)
    result = _exp(exponent.copy())
    kept = exponent > np.float32(-87.0)
    assert np.array_equal(result[kept], expected[kept])
    assert not result[~kept].any()
    assert (expected[~kept] < 1.7e-38).all()  # what is cut is below any line's response


def _blocks(
    values: list[tuple[float, float, float]], skin: tuple[float, float, float]
) -> NDArray[Any]:
    """A row of 40 × 40 blocks of the given Lab values, 20 px of ``skin`` around each."""
    lab = np.empty((80, 60 * len(values) + 20, 3), np.float32)
    lab[:] = skin
    for i, value in enumerate(values):
        lab[20:60, 20 + 60 * i : 60 + 60 * i] = value
    return lab


def _block_centres(mask: NDArray[Any], n: int) -> list[bool]:
    return [bool(mask[40, 40 + 60 * i]) for i in range(n)]


def test_skin_lightness_bounds_are_strict() -> None:
    up, down = np.float32(np.inf), np.float32(-np.inf)
    values = [
        (20.0, 13.0, 17.0),
        (float(np.nextafter(np.float32(20.0), up)), 13.0, 17.0),
        (97.0, 13.0, 17.0),
        (float(np.nextafter(np.float32(97.0), down)), 13.0, 17.0),
    ]
    lab = _blocks(values, (62.0, 13.0, 17.0))
    assert _block_centres(skin_mask(lab, px_per_mm=2.0), 4) == [False, True, False, True]


def test_model_skin_bounds_are_inclusive() -> None:
    skin = (62.0, 13.0, 17.0)
    lab = _blocks([skin], skin)
    # What a* and b* become after the 0.25 mm smoothing, inside a flat block.
    smooth = cv2.GaussianBlur(lab, (0, 0), 0.5)[40, 40]
    a, b = smooth[1], smooth[2]
    low_l = np.float32(0.62 * 62.0)
    below = float(np.nextafter(low_l, np.float32(-np.inf)))
    # The model's a* is exactly 5 above the block's smoothed a* and its b* exactly 7 above
    # (the tolerances' floors): on the bounds, kept; L* on its lower bound, kept; one float32
    # step below it, not.
    model = SkinModel(lab=(62.0, float(a + 5), float(b + 7)), sigma=(0.5, 0.5, 0.5), source="test")
    assert float(a - np.float32(model.lab[1])) == -5.0
    assert float(b - np.float32(model.lab[2])) == -7.0
    values = [skin, (float(low_l), 13.0, 17.0), (below, 13.0, 17.0)]
    lab = _blocks(values, skin)
    kept = model_skin_mask(lab, model, px_per_mm=2.0, max_hole_mm2=0.0)
    assert _block_centres(kept, 3) == [True, True, False]
    assert np.array_equal(kept, _plain_model_mask_holes(lab, model, 2.0))


def _plain_model_mask_holes(lab: NDArray[Any], model: SkinModel, px_per_mm: float) -> NDArray[Any]:
    """The plain rules with no hole filled (max_hole_mm2=0)."""
    smooth = cv2.GaussianBlur(lab, (0, 0), max(0.25 * px_per_mm, 0.5))
    l0, a0, b0 = model.lab
    sl, sa, sb = (max(s, 0.5) for s in model.sigma)
    l_star, da, db = lab[..., 0], smooth[..., 1] - np.float32(a0), smooth[..., 2] - np.float32(b0)
    a_tol, b_tol = max(4.0 * sa, 5.0), max(4.0 * sb, 7.0)
    return np.asarray(
        (l_star >= np.float32(min(0.62 * l0, l0 - 4.0 * sl)))
        & (l_star <= np.float32(l0 + 4.0 * sl + 15.0))
        & (da >= -a_tol)
        & (da <= a_tol + 15.0)
        & (np.abs(db) <= b_tol)
    )


@pytest.mark.parametrize("size", [0, 1, 2, 7, 8, 9, 127, 128, 129, 1000, 65_537, 3_000_001])
def test_region_spread_is_numpys_float64_std_to_the_bit(size: int) -> None:
    rng = np.random.default_rng(size)
    values = (rng.normal(40.0, 9.0, size) ** 3 / 1e3).astype(np.float32)
    expected = float(values.astype(np.float64).std()) if size else 0.0
    if size:
        assert std64(values) == expected
        assert std64(values) == mean_std(values)[1]
    else:
        with pytest.warns(RuntimeWarning):
            assert np.isnan(std64(values))


def _plain_with_islands(valid: NDArray[Any], px_per_mm: float) -> NDArray[Any]:
    """_with_islands' rule over the whole frame: unmeasured 8-connected islands smaller than
    25 mm² are measured."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats((~valid).view(np.uint8), 8)
    small = stats[:, cv2.CC_STAT_AREA] < 25.0 * px_per_mm * px_per_mm
    small[0] = False
    return np.asarray(valid | small[labels], bool)


@pytest.mark.parametrize("seed", range(30))
def test_spot_search_measures_small_islands_as_over_the_whole_frame(seed: int) -> None:
    rng = np.random.default_rng(seed)
    valid = np.ones((120, 160), bool)
    for _ in range(int(rng.integers(0, 6))):
        y, x = int(rng.integers(-5, 120)), int(rng.integers(-5, 160))
        valid[
            max(y, 0) : y + int(rng.integers(1, 40)), max(x, 0) : x + int(rng.integers(1, 40))
        ] = False
    for px_per_mm in (1.0, 2.0, 4.0):
        expected = _plain_with_islands(valid, px_per_mm)
        assert np.array_equal(_with_islands(valid, px_per_mm), expected)


@pytest.mark.parametrize("seed", range(25))
def test_thinning_piece_by_piece_gives_the_frames_thinning(seed: int) -> None:
    # Lines 1-4 px wide, blobs, 2 × 2 squares, single pixels and pieces touching diagonally,
    # some wider than the packing's shelves, on and off the frame's edges.
    rng = np.random.default_rng(seed)
    h, w = 300, 700
    canvas = np.zeros((h, w), np.uint8)
    for _ in range(int(rng.integers(1, 40))):
        p, q = rng.integers(-20, (w + 20, h + 20), 2), rng.integers(-20, (w + 20, h + 20), 2)
        if rng.random() < 0.2:
            q = (p + rng.integers(-6, 7, 2)).astype(np.int64)
        cv2.line(canvas, (int(p[0]), int(p[1])), (int(q[0]), int(q[1])), 1, int(rng.integers(1, 5)))
    for _ in range(int(rng.integers(0, 15))):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        canvas[y : y + int(rng.integers(1, 9)), x : x + int(rng.integers(1, 9))] = 1
    canvas[rng.random((h, w)) < 0.003] = 1
    mask = canvas.astype(bool)
    assert np.array_equal(_thin(mask), skeletonize(mask))
    assert not _thin(np.zeros((5, 5), bool)).any()


def _plain_edge_fraction(
    labels: NDArray[Any], count: int, outside: NDArray[Any], px_per_mm: float
) -> NDArray[Any]:
    """_edge_fraction over the whole frame, labels grown in float32."""
    width = max(round(0.3 * px_per_mm), 1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    opened = cv2.morphologyEx(outside.view(np.uint8), cv2.MORPH_OPEN, disc).view(bool)
    grown = cv2.dilate(labels.astype(np.float32), disc).astype(np.int32)
    ring = (labels == 0) & (grown > 0)
    total = np.bincount(grown[ring], minlength=count).astype(np.float64)
    unmeasured = np.bincount(grown[ring & opened], minlength=count).astype(np.float64)
    return np.asarray(unmeasured / np.maximum(total, 1.0))


@pytest.mark.parametrize("seed", range(20))
def test_spot_edge_fraction_in_the_unmeasured_box_is_the_frames(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = 200, 260
    spots = (rng.random((h, w)) < 0.01).astype(np.uint8)
    spots = cv2.dilate(spots, np.ones((5, 5), np.uint8))
    count, labels = cv2.connectedComponents(spots, connectivity=8)
    outside = np.zeros((h, w), bool)
    for _ in range(int(rng.integers(1, 5))):
        y, x = int(rng.integers(-5, h)), int(rng.integers(-5, w))
        outside[
            max(y, 0) : y + int(rng.integers(1, 60)), max(x, 0) : x + int(rng.integers(1, 60))
        ] = True
    outside[int(rng.integers(0, h)), :] = True  # a strand (a hair): opened away
    for px_per_mm in (4.0, 10.0):
        expected = _plain_edge_fraction(labels, count, outside, px_per_mm)
        assert np.array_equal(_edge_fraction(labels, count, outside, px_per_mm), expected)


@pytest.mark.parametrize("same_pixels", [True, False])
def test_spots_reusing_the_lines_skin_reference_are_the_same(same_pixels: bool) -> None:
    # The spot search reuses the skin share the lines' reference computed over the same pixels
    # (and computes its own over other pixels): the same spots either way.
    rng = np.random.default_rng(4)
    ppmm = 10.0
    yy, xx = np.mgrid[0:300, 0:400].astype(np.float32)
    l_star = 60.0 + rng.normal(0.0, 0.8, yy.shape)
    for cx, cy in rng.integers(20, (380, 280), (12, 2)):
        l_star -= 9.0 * np.clip(12.5 - np.hypot(xx - cx, yy - cy), 0, 1)
    l_star = l_star.astype(np.float32)
    valid = np.ones(l_star.shape, bool)
    valid[:40, :120] = False
    reference = skin_reference(l_star, px_per_mm=ppmm, valid=valid if same_pixels else None)
    plain = detect_spots(l_star, px_per_mm=ppmm, valid=valid)
    reused = detect_spots(l_star, px_per_mm=ppmm, valid=valid, reference=reference)
    assert plain.areas_px.size >= 5
    assert np.array_equal(plain.mask, reused.mask)
    assert np.array_equal(plain.centroids_px, reused.centroids_px)
    assert np.array_equal(plain.contrast_l_star, reused.contrast_l_star)


def _plain_suppression(strength: NDArray[Any], normal: NDArray[Any], pixels: NDArray[Any]) -> Any:
    """Non-maximum suppression read from a zero-padded copy of the whole image."""
    h, w = strength.shape
    sector = np.round(np.mod(normal.ravel()[pixels], np.pi) / (np.pi / 4)).astype(np.int8) % 4
    padded = np.pad(strength, 1)
    ys, xs = np.divmod(pixels, w)
    dy = np.array([0, 1, 1, 1])[sector]
    dx = np.array([1, 1, 0, -1])[sector]
    value = padded[ys + 1, xs + 1]
    keep = (value >= padded[ys + 1 + dy, xs + 1 + dx]) & (value > padded[ys + 1 - dy, xs + 1 - dx])
    mask = np.zeros((h, w), bool)
    mask.ravel()[pixels[keep]] = True
    return mask


@pytest.mark.parametrize("seed", range(10))
def test_ridge_suppression_at_the_pixels_is_the_padded_images(seed: int) -> None:
    rng = np.random.default_rng(seed)
    strength = rng.random((40, 57)).astype(np.float32).round(1)  # ties, to test >= and >
    normal = rng.uniform(-4.0, 4.0, strength.shape).astype(np.float32)
    pixels = np.flatnonzero(rng.random(strength.shape) < 0.5)  # the border's pixels included
    expected = _plain_suppression(strength, normal, pixels)
    assert np.array_equal(_non_maximum_suppression(strength, normal, pixels), expected)


def _plain_half_maximum_pieces(darker: NDArray[Any], candidates: Any, cores: Any) -> Any:
    """_half_maximum_pieces with the cores' components labelled by the distance transform
    (DIST_LABEL_CCOMP), as it was first written."""
    core = np.zeros(darker.shape, bool)
    core.ravel()[cores] = True
    count, core_labels = cv2.connectedComponents(core.view(np.uint8), connectivity=8)
    _, nearest = cv2.distanceTransformWithLabels(
        (~core).view(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_CCOMP
    )
    nearest_core = nearest.ravel()[cores]
    lookup = np.zeros(int(nearest_core.max()) + 1, np.int32)
    core_label = core_labels.ravel()[cores]
    lookup[nearest_core] = core_label
    peaks = np.zeros(count, np.float32)
    np.maximum.at(peaks, core_label, darker.ravel()[cores])
    peaks[0] = 0.0
    owner = lookup[nearest.ravel()[candidates]]
    values = darker.ravel()[candidates]
    half = values >= np.float32(0.5) * peaks[owner]
    spot, owner, values = candidates[half], owner[half], values[half]
    low, high = _owner_range(spot, owner, nearest, lookup)
    on_cut = high != low
    first, second = low[on_cut].astype(np.int64), high[on_cut].astype(np.int64)
    pairs, which = np.unique(first * count + second, return_inverse=True)
    saddle = np.zeros(pairs.size, np.float32)
    np.maximum.at(saddle, which, values[on_cut])
    joined = saddle[which] >= np.float32(0.8) * np.minimum(peaks[first], peaks[second])
    cut = np.zeros(spot.size, bool)
    cut[on_cut] = ~joined
    return spot[~cut]


@pytest.mark.parametrize("seed", range(15))
def test_spot_pieces_owned_through_nearest_core_pixels_are_the_same(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = 160, 220
    darker = np.zeros((h, w), np.float32)
    yy, xx = np.mgrid[0:h, 0:w]
    for _ in range(int(rng.integers(3, 25))):
        cy, cx, r, depth = (
            rng.uniform(0, h),
            rng.uniform(0, w),
            rng.uniform(2, 12),
            rng.uniform(2, 9),
        )
        darker += (depth * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))).astype(
            np.float32
        )
    darker += rng.normal(0.0, 0.2, darker.shape).astype(np.float32)
    candidates = np.flatnonzero(darker >= 1.0)
    cores = candidates[darker.ravel()[candidates] >= 2.5]
    expected = _plain_half_maximum_pieces(darker, candidates, cores)
    assert np.array_equal(_half_maximum_pieces(darker, candidates, cores), expected)


@pytest.mark.parametrize("seed", range(30))
def test_linked_pieces_are_labelled_as_in_the_frame(seed: int) -> None:
    # Pixels in short runs with gaps of 0-4 pixels, on the frame's edges too, and alone: the
    # components of the pixels, and of the pixels grown by one, as in the frame (their numbers
    # may differ: OpenCV numbers them in its own scan order, and no caller depends on them).
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(5, 120)), int(rng.integers(5, 160))
    mask = np.zeros((h, w), bool)
    for _ in range(int(rng.integers(1, 30))):
        y, x = int(rng.integers(0, h)), int(rng.integers(0, w))
        dy, dx = int(rng.integers(-1, 2)), int(rng.integers(-1, 2))
        for step in range(int(rng.integers(1, 12))):
            if step % int(rng.integers(2, 7)) == 0:
                continue  # a gap
            mask[min(max(y + step * dy, 0), h - 1), min(max(x + step * dx, 0), w - 1)] = True
    mask[rng.random((h, w)) < 0.01] = True
    pixels = np.flatnonzero(mask)
    grown = cv2.dilate(mask.view(np.uint8), np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents(grown, connectivity=8)
    plain_count, plain_labels = cv2.connectedComponents(mask.view(np.uint8), connectivity=8)
    for grow, expected_count, expected in (
        (True, count, labels.ravel()[pixels]),
        (False, plain_count, plain_labels.ravel()[pixels]),
    ):
        fast_count, fast = _linked_pieces(pixels, mask.shape, grow=grow)
        assert fast_count == expected_count
        assert fast.min() >= 1 and fast.max() < fast_count
        # The same partition: each label of one is one label of the other.
        pairs = np.unique(np.stack([fast, expected]), axis=1).shape[1]
        assert pairs == np.unique(fast).size == np.unique(expected).size == fast_count - 1


def _plain_beside_as_deep(labels: Any, pixels: Any, label: Any, patch: Any, peak: Any) -> Any:
    """_beside_as_deep with the patches' depth and its growth in frames of the image's size."""
    width = max(round(0.3 * 10.0), 1) + 2
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    beside = np.zeros(peak.size, np.float32)
    if not patch[1:].any():
        return beside > 0
    on_patch = patch[label]
    depth = np.zeros(labels.shape, np.float32)
    depth.ravel()[pixels[on_patch]] = peak[label[on_patch]]
    bx, by, bw, bh = cv2.boundingRect((depth > 0).view(np.uint8))
    h, w = depth.shape
    y0, y1 = max(by - width, 0), min(by + bh + width, h)
    x0, x1 = max(bx - width, 0), min(bx + bw + width, w)
    near = np.zeros_like(depth)
    near[y0:y1, x0:x1] = cv2.dilate(depth[y0:y1, x0:x1], disc)
    np.maximum.at(beside, label, near.ravel()[pixels])
    return (beside >= np.float32(0.8) * peak) & (beside > 0) & ~patch


@pytest.mark.parametrize("seed", range(20))
def test_spots_beside_a_patch_found_in_the_patches_box_as_in_the_frame(seed: int) -> None:
    rng = np.random.default_rng(seed)
    h, w = 150, 210
    blobs = cv2.dilate((rng.random((h, w)) < 0.004).astype(np.uint8), np.ones((4, 4), np.uint8))
    count, labels = cv2.connectedComponents(blobs, connectivity=8)
    pixels = np.flatnonzero(labels)
    label = labels.ravel()[pixels]
    peak = rng.uniform(1.0, 10.0, count).astype(np.float32)
    peak[0] = 0.0
    patch = rng.random(count) < rng.choice([0.0, 0.2, 0.6])
    patch[0] = False
    expected = _plain_beside_as_deep(labels, pixels, label, patch, peak)
    fast = _beside_as_deep(labels, pixels, label, patch, peak, 10.0)
    assert np.array_equal(fast, expected)
