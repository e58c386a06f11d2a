"""Wrinkles and fine lines: a multi-scale Hessian filter for dark ridges, thinned to centrelines.

The L* image is filtered with separable float32 Gaussian-derivative kernels at a few scales given
in millimetres. Where the larger Hessian eigenvalue is positive (a valley across the line) and the
smaller one is near zero (not a blob), the scale-normalised eigenvalue measures the line [1, 2].
Non-maximum suppression across the line leaves one-pixel centrelines; hysteresis and a minimum
length remove noise [3]. Pieces of a centreline separated by a one-pixel gap (suppression in four
directions breaks lines whose normal lies between two of them) are grouped as one line before the
minimum length is applied (each piece must still be deep enough on its own), so that noise does
not cut off and drop a line's end. A line ends where it is less than half as deep as its own
median (at most 1 mm is trimmed from each end): the response of a straight fold falls to half
where the fold ends, and past that point the centreline follows the fold's fading, rounded tip in
a short hook that comes and goes between captures. Each centreline pixel counts the length it
stands for, 1/max(|cos θ|, |sin θ|) pixels for a line at angle θ, so that total length does not
depend on direction.

For a line of Gaussian profile and depth d (L* units) the σ²-normalised response peaks at
σ = √2·s (s the profile's standard deviation) with value 2/(3√3)·d ≈ 0.385·d whatever the width,
which is why thresholds are given as depths in L* units. The depths are relative to the skin
(see :mod:`resurface.imaging.pigmentation`): a fraction of (L*_background + 16), so that a fold
that takes the same share of light away is found on light and on dark skin alike, and several
robust σ of the local texture, so that texture is not drawn as lines on any skin.

Hair is told from wrinkles by its width. The σ²-normalised response of a line of Gaussian
profile with standard deviation s grows with the filter scale σ as σ²/(s² + σ²)^(3/2) up to
σ = √2·s [3]: for a hair (0.05-0.1 mm wide, s ≤ 0.04 mm) the response at the finest scale
(0.12 mm) is ≥ 1.4 times that at the next (0.2 mm), for the finest wrinkles (0.25 mm wide) about
1.0. A line whose centreline mostly has a ratio of 1.2 or more is hair: it is reported apart
(:attr:`WrinkleMap.hair`) and adds no wrinkle length. This needs the 0.12 mm scale, that is an
analysis resolution of at least 6 px/mm (:data:`HAIR_MIN_PX_PER_MM`).

References
----------
.. [1] Frangi AF, Niessen WJ, Vincken KL, Viergever MA. Multiscale vessel enhancement filtering.
       MICCAI 1998, LNCS 1496:130-137 (eq. 13: blobness ratio R_B = λ1/λ2).
.. [2] Ng CC, Yap MH, Costen N, Li B. Automatic wrinkle detection using hybrid Hessian filter.
       ACCV 2014, LNCS 9005:609-622.
.. [3] Lindeberg T. Edge detection and ridge detection with automatic scale selection.
       Int J Comput Vis 1998;30:117-156 (γ-normalised derivatives, ridge non-maximum suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from skimage.morphology import skeletonize

from resurface.imaging._cv import cv2
from resurface.imaging.pigmentation import SkinReference, skin_reference

__all__ = [
    "DEPTH_PER_RESPONSE",
    "HAIR_MIN_PX_PER_MM",
    "WRINKLE_MIN_RELATIVE_DEPTH",
    "RidgeResponse",
    "WrinkleMap",
    "dark_ridges",
    "wrinkle_map",
]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

#: Line depth (L*) per unit of σ²-normalised response at the best scale: 3√3/2.
DEPTH_PER_RESPONSE = 3.0 * np.sqrt(3.0) / 2.0

DEFAULT_SCALES_MM = (0.12, 0.2, 0.33, 0.55)
_MIN_SIGMA_PX = 0.7
#: Finest resolution at which hair can be told from wrinkles (the 0.12 mm scale is ≥ 0.7 px).
HAIR_MIN_PX_PER_MM = _MIN_SIGMA_PX / DEFAULT_SCALES_MM[0]
#: A line must somewhere be this fraction of (L*_background + 16) deep (5 L* on skin of L* 62) ...
WRINKLE_MIN_RELATIVE_DEPTH = 0.064
#: ... and is followed while it is half as deep (hysteresis) ...
WRINKLE_EXTEND_RELATIVE_DEPTH = 0.032
#: ... and at least this many (and half as many) local texture σ.
WRINKLE_MIN_SIGMAS = 5.0
#: Response ratio (finest / next scale) above which a line is hair.
HAIR_RATIO = 1.2


@dataclass(frozen=True, slots=True)
class RidgeResponse:
    """Per-pixel result of :func:`dark_ridges`.

    Attributes
    ----------
    strength : ndarray, float32
        Best σ²-normalised ridge response over scales (L* units; ×2.6 gives the depth).
    normal_rad : ndarray, float32
        Direction across the ridge, radians.
    thinness : ndarray, float32 or None
        Response at the finest scale divided by that at the next (≥ 1.2 on hair); None when the
        finest scale is below the sampling limit.
    """

    strength: FloatArray = field(repr=False)
    normal_rad: FloatArray = field(repr=False)
    thinness: FloatArray | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class WrinkleMap:
    """Detected wrinkle centrelines.

    Attributes
    ----------
    centreline : ndarray of bool
        One-pixel-wide centrelines.
    length_px : ndarray, float32
        Length each centreline pixel stands for, pixels (0 off the centrelines).
    depth_l_star : ndarray, float32
        Estimated depth (L* drop) on the centrelines.
    hair : ndarray of bool
        Centrelines of hairs: found like lines, but too thin to be wrinkles; not in
        ``centreline`` nor ``length_px``.
    hair_separated : bool
        False when the resolution is too coarse to tell hair from wrinkles.
    """

    centreline: BoolArray = field(repr=False)
    length_px: FloatArray = field(repr=False)
    depth_l_star: FloatArray = field(repr=False)
    hair: BoolArray = field(repr=False)
    hair_separated: bool = True


def _gaussian_kernels(sigma: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    radius = max(int(np.ceil(3.5 * sigma)), 2)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    g1 = -x / sigma**2 * g
    g2 = (x**2 / sigma**4 - 1.0 / sigma**2) * g
    # The discrete second derivative must sum to zero so a flat image gives exactly no response.
    g2 -= g2.mean()
    return g.astype(np.float32), g1.astype(np.float32), g2.astype(np.float32)


def dark_ridges(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    scales_mm: Sequence[float] = DEFAULT_SCALES_MM,
    blob_beta: float = 0.5,
    edge_gamma: float = 0.5,
) -> RidgeResponse:
    """Multi-scale dark-ridge (valley) response of a lightness image.

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        Lightness L* (any linear intensity works; the response is in its units).
    px_per_mm : float
        Scale of the image.
    scales_mm : sequence of float, optional
        Gaussian scales σ in mm. The defaults suit lines 0.25-1.5 mm wide.
    blob_beta : float, optional
        Frangi's β [1]: how strongly blob-like structures (spots, pores) are suppressed.
    edge_gamma : float, optional
        How strongly one-sided structures (the edge of a spot or of a region) are suppressed:
        the slope-to-curvature ratio R_G is 0 at a valley's bottom and about 1 beside an edge.

    Returns
    -------
    RidgeResponse
    """
    if l_star.ndim != 2:
        raise ValueError("l_star must be a 2-D array")
    image = np.ascontiguousarray(l_star, dtype=np.float32)
    h, w = image.shape
    half = cv2.pyrDown(image) if min(h, w) >= 64 else None
    best = np.zeros_like(image)
    normal = np.zeros_like(image)
    better = np.empty(image.shape, np.uint8)
    work = {image.shape: _Workspace(image.shape)}
    if half is not None:
        work[half.shape] = _Workspace(half.shape)
    responses: list[FloatArray] = []
    for sigma_mm in scales_mm:
        sigma = float(sigma_mm) * px_per_mm
        if sigma < _MIN_SIGMA_PX:  # below the sampling limit the derivative kernels are meaningless
            responses.append(np.zeros(0, np.float32))
            continue
        kept = len(responses) < 2  # the two finest responses are kept for the hair test
        if sigma >= 2.5 and half is not None:
            # Coarse scales lose nothing at half resolution and cost a quarter as much.
            response, theta = _scale_response(half, sigma / 2.0, blob_beta, edge_gamma, work)
            # Brought back to full size in two of the full-size workspace's images (their
            # contents are copied out below), unless the response is to be kept.
            full = work[image.shape].images
            up = None if kept else full[0]
            response = cv2.resize(response, (w, h), up, interpolation=cv2.INTER_LINEAR)
            theta = cv2.resize(theta, (w, h), full[6], interpolation=cv2.INTER_NEAREST)
        else:
            response, theta = _scale_response(image, sigma, blob_beta, edge_gamma, work, kept)
        # Where this scale answers more strongly, it gives the strength and the normal.
        cv2.compare(response, best, cv2.CMP_GT, better)
        cv2.copyTo(response, better, best)
        cv2.copyTo(theta, better, normal)
        if kept:
            responses.append(response)
    thinness = None
    if len(responses) >= 2 and responses[0].size and responses[1].size:
        finest, next_finest = responses
        np.maximum(next_finest, np.float32(1e-3), out=next_finest)
        thinness = np.divide(finest, next_finest, out=finest)
    return RidgeResponse(strength=best, normal_rad=normal, thinness=thinness)


class _Workspace:
    """Images of one size that :func:`_scale_response` computes in, reused from scale to scale:
    a 3-megapixel frame is 12 MB per image, and fresh images cost more in page faults than in
    arithmetic."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.images = [np.empty(shape, np.float32) for _ in range(7)]


def _scale_response(
    image: FloatArray,
    sigma: float,
    blob_beta: float,
    edge_gamma: float,
    work: dict[tuple[int, ...], _Workspace],
    fresh: bool = False,
) -> tuple[FloatArray, FloatArray]:
    """σ²-normalised valley response and normal direction at one scale σ (pixels).

    Computed in place in the images of ``work`` (for ``image``'s size): the response and the
    normal are overwritten by the next call, unless ``fresh`` asks for a response of its own.
    """
    g0, g1, g2 = _gaussian_kernels(sigma)
    hxx, hyy, hxy, gx, gy, diff, theta = work[image.shape].images
    if fresh:
        hyy = np.empty_like(hyy)
    derivatives = ((hxx, g2, g0), (hyy, g0, g2), (hxy, g1, g1), (gx, g1, g0), (gy, g0, g1))
    for out, kernel_x, kernel_y in derivatives:
        cv2.sepFilter2D(
            image, cv2.CV_32F, kernel_x, kernel_y, dst=out, borderType=cv2.BORDER_REFLECT
        )
    np.subtract(hxx, hyy, out=diff)
    half_trace = np.add(hxx, hyy, out=hxx)
    half_trace *= np.float32(0.5)
    twice_hxy = np.multiply(hxy, np.float32(2.0), out=hxy)
    cv2.phase(diff, twice_hxy, theta)
    theta *= np.float32(0.5)
    root = cv2.magnitude(diff, twice_hxy, diff)
    root *= np.float32(0.5)
    lam_big = np.add(half_trace, root, out=hyy)
    lam_small = np.subtract(half_trace, root, out=root)
    positive = np.maximum(lam_big, np.float32(1e-6), out=half_trace)
    # Blobness R_B = λ_small/λ_big (Frangi eq. 13). The bottom of a valley is flat, while
    # beside a step edge (the rim of a spot) the slope is as large as the curvature:
    # R_G = |∇L| / (σ λ_big) is 0 on a line and about 1 at an edge.
    ratio = np.divide(lam_small, positive, out=lam_small)
    slope = cv2.magnitude(gx, gy, gx)
    slope /= np.multiply(positive, np.float32(sigma), out=positive)
    exponent = np.multiply(ratio, ratio, out=ratio)
    exponent *= np.float32(-0.5 / blob_beta**2)
    slope *= slope
    slope *= np.float32(-0.5 / edge_gamma**2)
    exponent += slope
    response = np.maximum(lam_big, np.float32(0.0), out=lam_big)
    response *= np.float32(sigma * sigma)
    response *= _exp(exponent)
    return response, theta


#: Below this exponent the exponential is less than 1.7e-38, near the smallest normal float32.
_EXP_NORMAL = np.float32(-87.0)
_EXP_FLOOR = float(cv2.exp(np.full((1, 1), _EXP_NORMAL, np.float32))[0, 0])


def _exp(exponent: FloatArray) -> FloatArray:
    """``cv2.exp(exponent)`` in place, with results of exponents at or below -87 (1.7e-38 or
    less) as 0.

    Beside lines the exponent is very negative (a third of the pixels below -100 on the
    phantom); ``cv2.exp`` computes subnormal results fifty to two hundred times slower than
    others, and a response of 1e-38 L* or less is no line: no threshold, comparison or ratio
    that decides a line, a hair or its length can tell it from 0 (the response is multiplied
    by it, and every threshold is above 1e-4).
    """
    np.maximum(exponent, _EXP_NORMAL, out=exponent)
    cv2.exp(exponent, exponent)
    cv2.threshold(exponent, _EXP_FLOOR, 0.0, cv2.THRESH_TOZERO, exponent)
    return exponent


def _non_maximum_suppression(
    strength: FloatArray, normal_rad: FloatArray, pixels: NDArray[np.intp]
) -> BoolArray:
    """A mask of the ``pixels`` (flat indices) where ``strength`` is a maximum across the line.

    The normal is quantised to one of four neighbour directions (0°, 45°, 90°, 135°); outside
    the image counts as 0.
    """
    h, w = strength.shape
    sector = np.round(np.mod(normal_rad.ravel()[pixels], np.pi) / (np.pi / 4)).astype(np.int8) % 4
    flat = strength.ravel()
    # The neighbours (0, 1), (1, 1), (1, 0) and (1, -1) steps away and the opposite ones, read
    # at the pixels only (outside the image: 0), not from a padded copy of the whole image.
    ys, xs = np.divmod(pixels, w)
    dy = np.array([0, 1, 1, 1], np.intp)[sector]
    dx = np.array([1, 1, 0, -1], np.intp)[sector]
    value = flat[pixels]

    def neighbour(sign: int) -> FloatArray:
        y, x = ys + sign * dy, xs + sign * dx
        inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
        out = np.zeros(pixels.size, np.float32)
        out[inside] = flat[y[inside] * w + x[inside]]
        return out

    keep = (value >= neighbour(1)) & (value > neighbour(-1))
    return _scattered(pixels[keep], (h, w))


def wrinkle_map(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    reference: SkinReference | None = None,
    scales_mm: Sequence[float] = DEFAULT_SCALES_MM,
    min_relative_depth: float = WRINKLE_MIN_RELATIVE_DEPTH,
    extend_relative_depth: float = WRINKLE_EXTEND_RELATIVE_DEPTH,
    min_sigmas: float = WRINKLE_MIN_SIGMAS,
    min_length_mm: float = 3.0,
    hair_ratio: float = HAIR_RATIO,
) -> WrinkleMap:
    """Wrinkle centrelines of a lightness image.

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        Lightness L*.
    px_per_mm : float
        Scale of the image.
    valid : ndarray of bool, optional
        Where lines may be found (skin inside the regions); None for everywhere.
    scales_mm : sequence of float, optional
        Filter scales σ, mm.
    reference : SkinReference, optional
        Background lightness and texture σ (computed from ``l_star`` when not given).
    min_relative_depth : float, optional
        A line must somewhere be at least this deep, as a fraction of (L*_background + 16), and
        ``min_sigmas`` texture σ deep.
    extend_relative_depth : float, optional
        Once found, a line is followed while it is at least this deep and ``min_sigmas / 2`` σ
        deep (hysteresis).
    min_sigmas : float, optional
    min_length_mm : float, optional
        Shorter segments are noise or pores.
    hair_ratio : float, optional
        Lines whose median finest-to-next scale response ratio reaches this are hair.

    Returns
    -------
    WrinkleMap
    """
    ridges = dark_ridges(l_star, px_per_mm=px_per_mm, scales_mm=scales_mm)
    if reference is None:
        reference = skin_reference(l_star, px_per_mm=px_per_mm, valid=valid)
    strength = ridges.strength
    # Depth in units of the line threshold at each pixel: a line must reach 1 somewhere.
    relative = _relative_depth(strength, reference, min_relative_depth, min_sigmas)
    extend = np.float32(extend_relative_depth / min_relative_depth)
    above = relative >= extend
    if valid is not None:
        above &= valid
    # Everything after the threshold works on the few pixels above it (well under 1 % of skin).
    candidate = _non_maximum_suppression(strength, ridges.normal_rad, np.flatnonzero(above))
    # Suppression leaves runs 2-3 pixels wide where a line crosses the pixel grid obliquely;
    # thinning to a minimal 8-connected curve makes one pixel per step along the line.
    candidate = _thin(candidate)
    # Hysteresis: a connected piece of centreline counts only if it is somewhere deep enough.
    pixels = np.flatnonzero(candidate)
    count, piece = _linked_pieces(pixels, candidate.shape, grow=False)
    peaks = np.zeros(count, np.float32)
    np.maximum.at(peaks, piece, relative.ravel()[pixels])
    peaks[0] = -np.inf
    max_trim = int(np.ceil(LINE_END_MAX_TRIM_MM * px_per_mm))
    deep = _without_faint_ends(pixels[peaks[piece] >= 1.0], strength, max_trim)
    # Where the line's normal lies near a boundary between two suppression directions (22.5°,
    # 67.5°, ...) noise flips pixels from one direction to the other and the centreline can break
    # with a one-pixel gap; a short end cut off that way would then fall below the minimum length
    # and be dropped (a 1-2 % jump in total length between captures). Deep pieces up to one gap
    # apart are therefore measured as one line; only centreline pixels count towards its length.
    theta = ridges.normal_rad.ravel()[deep]
    weight = (1.0 / np.maximum(np.abs(np.cos(theta)), np.abs(np.sin(theta)))).astype(np.float32)
    min_px = min_length_mm * px_per_mm
    is_line = _long_enough(deep, weight, strength.shape, min_px)
    is_hair = np.zeros_like(is_line)
    if ridges.thinness is not None:
        # Hair pixel by pixel (a hair may touch a line); what is left of a line must still be
        # long enough on its own, which drops the soft ends of hairs.
        is_hair = is_line & (ridges.thinness.ravel()[deep] >= hair_ratio)
        rest = np.flatnonzero(is_line & ~is_hair)
        is_line = np.zeros_like(is_line)
        is_line[rest[_long_enough(deep[rest], weight[rest], strength.shape, min_px)]] = True
        # A hair's soft ends (too few thin pixels to be a line of their own) are hair too.
        near_hair = _near(_scattered(deep[is_hair], strength.shape)).ravel()[deep]
        is_hair = ~is_line & near_hair
    lines, hair = deep[is_line], deep[is_hair]
    length = np.zeros(strength.shape, np.float32)
    length.ravel()[lines] = weight[is_line]
    depth = np.zeros(strength.shape, np.float32)
    depth.ravel()[lines] = strength.ravel()[lines] * np.float32(DEPTH_PER_RESPONSE)
    return WrinkleMap(
        centreline=_scattered(lines, strength.shape),
        length_px=length,
        depth_l_star=depth,
        hair=_scattered(hair, strength.shape),
        hair_separated=ridges.thinness is not None,
    )


def _relative_depth(
    strength: FloatArray, reference: SkinReference, min_relative_depth: float, min_sigmas: float
) -> FloatArray:
    """Line depth (``strength`` × 2.6) over the local threshold: the larger of
    ``min_relative_depth`` × (L*_background + 16) and ``min_sigmas`` × the texture σ."""
    unit = np.multiply(reference.scale(), np.float32(min_relative_depth))
    floor = np.multiply(reference.fine_sigma, np.float32(min_sigmas))
    np.maximum(unit, floor, out=unit)
    depth = np.multiply(strength, np.float32(DEPTH_PER_RESPONSE), out=floor)
    return np.divide(depth, unit, out=unit)


#: A line ends where it is less than this fraction of its own median depth.
LINE_END_RELATIVE_DEPTH = 0.5
#: At most this much (mm) is trimmed from each end of a line.
LINE_END_MAX_TRIM_MM = 1.0


def _without_faint_ends(
    pixels: NDArray[np.intp], strength: FloatArray, max_steps: int = 8
) -> NDArray[np.intp]:
    """``pixels`` (flat indices of centreline pixels) without the faint ends of lines.

    A line ends where its depth falls below half of its own median depth. Along a straight
    fold the filter's response falls to about half of the fold's depth just where the fold
    ends (the filter sees half of a line there), so this is where the line stops. Past that
    point the centreline follows the fading, rounded tip of the fold and bends off in a short
    hook of 2-4 pixels whose presence changes from one photo to the next; hysteresis alone
    keeps it. End pixels (those with at most one neighbour) fainter than that are removed,
    one pixel at a time from each end, up to ``max_steps`` pixels; the interior of a line is
    never cut, however faint in places. Pieces up to one pixel apart count as one line.
    """
    if pixels.size == 0:
        return pixels
    shape = strength.shape
    _, line = _linked_pieces(pixels, shape)
    value = strength.ravel()[pixels]
    order = np.lexsort((value, line))
    starts = np.searchsorted(line[order], np.unique(line))
    counts = np.bincount(line)[np.unique(line)]
    median = np.zeros(int(line.max()) + 1, np.float32)
    median[np.unique(line)] = value[order][starts + counts // 2]
    faint = value < np.float32(LINE_END_RELATIVE_DEPTH) * median[line]
    keep = np.ones(pixels.size, bool)
    w = shape[1]
    steps = np.array([-w - 1, -w, -w + 1, -1, 1, w - 1, w, w + 1], np.intp)
    rows = pixels // w
    for _ in range(max_steps):
        kept = np.flatnonzero(keep & faint)
        if kept.size == 0:
            break
        present = pixels[keep]
        here = pixels[kept]
        neighbours = np.zeros(kept.size, np.int8)
        for step in steps:
            other = here + step
            # Same or adjacent row only (no wrap-around at the image's sides).
            near_row = np.abs(other // w - rows[kept]) <= 1
            found = np.searchsorted(present, other).clip(0, present.size - 1)
            neighbours += (near_row & (present[found] == other)).astype(np.int8)
        ends = kept[neighbours <= 1]
        if ends.size == 0:
            break
        keep[ends] = False
    return np.asarray(pixels[keep], dtype=np.intp)


def _long_enough(
    pixels: NDArray[np.intp], weight: FloatArray, shape: tuple[int, ...], min_px: float
) -> BoolArray:
    """Which of ``pixels`` (flat indices of centreline pixels, ``weight`` the length each stands
    for) belong to lines whose length reaches ``min_px``. Pieces up to a one-pixel gap apart
    are one line."""
    count, line = _linked_pieces(pixels, shape)
    lengths = np.bincount(line, weights=weight, minlength=count)
    return np.asarray((lengths >= min_px)[line], dtype=bool)


def _linked_pieces(
    pixels: NDArray[np.intp], shape: tuple[int, ...], *, grow: bool = True
) -> tuple[int, NDArray[np.int32]]:
    """The 8-connected components of ``pixels`` (flat indices), grown by one pixel first when
    ``grow`` (pieces up to a one-pixel gap apart are one line): their count (background
    included) and the label of each of ``pixels`` (1, 2, ...; the callers group by them,
    whatever their order).

    Labelled in the frame's rows and columns within reach of ``pixels`` only, each run of the
    others kept as one empty row or column: every (grown) pixel keeps its neighbours and every
    gap stays a gap, so the components are the frame's, labelled in a fraction of its pixels
    (the lines' few thousand pixels reach a few hundred rows).
    """
    if pixels.size == 0:
        return 1, np.zeros(0, np.int32)
    rows, cols, size = _compacted(pixels, shape, reach=1 if grow else 0)
    grown = np.zeros(size, np.uint8)
    grown[rows, cols] = 1
    if grow:
        grown = cv2.dilate(grown, np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents(grown, connectivity=8)
    return int(count), np.asarray(labels[rows, cols], np.int32)


def _compacted(
    pixels: NDArray[np.intp], shape: tuple[int, ...], *, reach: int
) -> tuple[NDArray[np.intp], NDArray[np.intp], tuple[int, int]]:
    """Row and column of each of ``pixels`` (flat indices, at least one) in the frame reduced
    to its rows and columns within ``reach`` (0 or 1) of them, each run of the others kept as
    one empty row or column, and that reduced frame's size: each pixel (grown by ``reach``)
    keeps its 3 × 3 neighbourhood, and two pixels apart stay apart."""
    h, w = shape[:2]
    ys, xs = np.divmod(pixels, w)

    def compacted(coords: NDArray[np.intp], n: int) -> tuple[NDArray[np.intp], int]:
        used = np.zeros(n + 2, bool)  # shifted by one: index i + 1 is row (or column) i
        for shift in range(1 - reach, 2 + reach):
            used[coords + shift] = True
        used = used[1 : n + 1]
        keep = used.copy()
        keep[0] = True
        keep[1:] |= used[:-1]  # the first row (column) of each run of unused ones
        place = np.cumsum(keep) - 1
        return place[coords], int(place[-1]) + 1

    rows, height = compacted(ys, h)
    cols, width = compacted(xs, w)
    return rows, cols, (height, width)


def _scattered(pixels: NDArray[np.intp], shape: tuple[int, ...]) -> BoolArray:
    """A mask of ``shape`` that is True at the flat indices ``pixels``."""
    mask = np.zeros(shape, bool)
    mask.ravel()[pixels] = True
    return mask


def _near(mask: BoolArray) -> BoolArray:
    """Pixels within two pixels of ``mask``."""
    return np.asarray(cv2.dilate(mask.view(np.uint8), np.ones((5, 5), np.uint8)), dtype=bool)


def _thin(mask: BoolArray) -> BoolArray:
    """``mask`` thinned to one-pixel curves (Zhang and Suen's thinning, scikit-image's).

    The thinning decides each pixel from its 3 × 3 neighbourhood, which holds pixels of its own
    8-connected piece only, so the pieces are thinned apart: each is copied into a small image,
    side by side with an empty pixel between them, and the result copied back. The same pixels
    as thinning the frame, at a fraction of the cost: the candidates are a few thousand pixels
    in a few hundred pieces spread over the whole frame.
    """
    pixels = np.flatnonzero(mask)
    if pixels.size == 0:
        return mask
    # The pieces are found in the frame reduced to the rows and columns that hold pixels (each
    # piece keeps its shape there), and placed from there.
    ys, xs, size = _compacted(pixels, mask.shape, reach=0)
    reduced = np.zeros(size, np.uint8)
    reduced[ys, xs] = 1
    count, labels, stats, _ = cv2.connectedComponentsWithStats(reduced, connectivity=8)
    left, top = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    width, height = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    # Shelves of pieces, tallest first, one empty pixel between pieces, shelves and edges.
    shelf_width = max(int(width.max()) + 2, 512)
    slot_x = np.empty(count - 1, np.intp)
    slot_y = np.empty(count - 1, np.intp)
    x = y = 1
    shelf_height = 0
    for piece in np.argsort(-height, kind="stable").tolist():
        piece_w, piece_h = int(width[piece]), int(height[piece])
        if x + piece_w + 1 > shelf_width:
            x, y, shelf_height = 1, y + shelf_height + 1, 0
        slot_x[piece], slot_y[piece] = x, y
        x += piece_w + 1
        shelf_height = max(shelf_height, piece_h)
    piece_of = labels[ys, xs] - 1
    packed_y = ys - top[piece_of] + slot_y[piece_of]
    packed_x = xs - left[piece_of] + slot_x[piece_of]
    packed = np.zeros((y + shelf_height + 1, shelf_width), bool)
    packed[packed_y, packed_x] = True
    kept = skeletonize(packed)[packed_y, packed_x]  # type: ignore[no-untyped-call]
    out = np.zeros_like(mask)
    out.ravel()[pixels[kept]] = True
    return out
