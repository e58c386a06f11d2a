"""Pigmented spots: L* below a large-scale background, segmented at half each spot's contrast.

Thresholds adapt to the skin (:class:`SkinReference`): a spot must be darker than its surround by
a fixed fraction of the local reflectance, expressed in L* as a fraction of (L*_background + 16)
(L* = 116·Y^(1/3) − 16, so a relative drop ΔY/Y of reflectance lowers L* by about
(L* + 16)/3 · ΔY/Y whatever the skin's lightness), and by several robust standard deviations
(1.4826·MAD, [3]) of the local skin texture, so that the same relative contrast is found on every
skin type and ordinary texture is not counted on any.

The background lightness is a median over a window much larger than a spot, computed at a coarse
resolution (a median ignores the spots it contains as long as they cover less than half of the
window). Candidate pixels are those darker than the background; each candidate's peak contrast is
found and the spot is taken as the pixels at least half as dark as its peak (full width at half
maximum), so that the area does not depend on the contrast. Components that are too small (pores),
too large (tone, not spots) or elongated (lines, measured as wrinkles) are dropped.

References
----------
.. [1] Chardon A, Cretois I, Hourseau C. Skin colour typology and suntanning pathways.
       Int J Cosmet Sci 1991;13:191-208.
.. [2] Huang T, Yang G, Tang G. A fast two-dimensional median filtering algorithm.
       IEEE Trans Acoust Speech Signal Process 1979;27:13-18.
.. [3] Rousseeuw PJ, Croux C. Alternatives to the median absolute deviation.
       J Am Stat Assoc 1993;88:1273-1283 (1.4826·MAD estimates σ).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging._labels import label_maximum

__all__ = [
    "SPOT_MIN_RELATIVE_CONTRAST",
    "SkinReference",
    "SpotMap",
    "background_l_star",
    "detect_spots",
    "skin_reference",
]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

_BACKGROUND_PX_PER_MM = 2.0
#: Texture is the detail finer than this (Gaussian σ, mm).
_TEXTURE_MM = 1.0
#: The skin's spread is taken over this neighbourhood (Gaussian σ, mm).
_SIGMA_WINDOW_MM = 4.0
#: A spot's peak is at least this fraction of (L*_background + 16) darker: about 15 % less
#: reflectance (4 L* on skin of L* 62, 2.4 on skin of L* 30, 4.8 on skin of L* 78).
SPOT_MIN_RELATIVE_CONTRAST = 0.05
#: ... and at least this many robust σ of the skin's texture.
SPOT_MIN_SIGMAS = 5.0


@dataclass(frozen=True, slots=True)
class SkinReference:
    """What "ordinary skin" is at each pixel: its lightness and the spread of its texture.

    Attributes
    ----------
    background : ndarray, float32
        Large-scale L* (median over 12 mm, :func:`background_l_star`).
    sigma : ndarray, float32
        Local standard deviation of L* − background over the skin within about 4 mm, at least
        0.3 L*: the spread spots are judged against. It is robust: deviations are clipped at
        three times their median before they are averaged (1.2533 × the mean |x| estimates σ of
        Gaussian detail), so the spots and lines themselves barely raise it [3].
    fine_sigma : ndarray, float32
        The same for the fine texture (L* − its 1 mm Gaussian mean): the spread lines are
        judged against.
    """

    background: FloatArray = field(repr=False)
    sigma: FloatArray = field(repr=False)
    fine_sigma: FloatArray = field(repr=False)

    def scale(self) -> FloatArray:
        """(L*_background + 16): thresholds are fractions of it."""
        return np.asarray(self.background + np.float32(16.0), np.float32)


def skin_reference(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    smooth_mm: float = 0.1,
) -> SkinReference:
    """Background lightness and texture σ of a lightness image.

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        L* with non-skin already filled with typical skin lightness.
    px_per_mm : float
    valid : ndarray of bool, optional
        Skin pixels; only they count towards σ.
    smooth_mm : float, optional
        Smoothing against sensor noise (as used by :func:`detect_spots`).

    Returns
    -------
    SkinReference
    """
    smooth = cv2.GaussianBlur(l_star, (0, 0), max(smooth_mm * px_per_mm, 0.5))
    background = background_l_star(smooth, px_per_mm=px_per_mm)
    # Spots are judged against the background, so their σ is that of |L* − background|; lines
    # are judged by a band-pass filter, so theirs is that of the fine detail about a 1 mm mean
    # (shading that the background does not follow, as beside a fringe, is not line texture).
    local = cv2.GaussianBlur(smooth, (0, 0), max(_TEXTURE_MM * px_per_mm, 0.5))
    skin = np.ones(l_star.shape, bool) if valid is None else valid
    weight = skin.astype(np.float32)
    share = _blur(weight, _SIGMA_WINDOW_MM * px_per_mm)
    sigmas = []
    for deviation in (np.abs(smooth - background), np.abs(smooth - local)):
        # Local mean of |deviation| over the skin, with outliers (the spots and lines themselves)
        # clipped at three times the median: 1.2533 × the mean |x| of Gaussian detail is σ.
        cap = np.float32(3.0 * _median(deviation[skin]))
        clipped = np.minimum(deviation, cap) * weight
        mean = _blur(clipped, _SIGMA_WINDOW_MM * px_per_mm) / np.maximum(share, np.float32(1e-3))
        sigmas.append(np.maximum(mean * np.float32(1.2533), np.float32(0.3)))
    return SkinReference(background=background, sigma=sigmas[0], fine_sigma=sigmas[1])


def _median(values: FloatArray) -> float:
    if values.size == 0:
        return 0.0
    if values.size > 400_000:  # a regular subsample estimates the median to well below 1 %
        values = values[:: values.size // 200_000]
    return float(np.median(values))


def _blur(image: FloatArray, sigma_px: float) -> FloatArray:
    """Wide Gaussian blur at reduced resolution (the result is smooth anyway)."""
    h, w = image.shape
    factor = min(1.0, 3.0 / max(sigma_px, 1e-6))
    size = (max(round(w * factor), 1), max(round(h * factor), 1))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(sigma_px * size[0] / w, 0.5))
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


@dataclass(frozen=True, slots=True)
class SpotMap:
    """Detected spots.

    Attributes
    ----------
    mask : ndarray of bool
        Spot pixels.
    centroids_px : ndarray, shape (N, 2), float32
        (x, y) centre of each spot.
    areas_px : ndarray, shape (N,), float32
        Area of each spot, pixels.
    contrast_l_star : ndarray, shape (N,), float32
        Peak L* drop of each spot below its background.
    """

    mask: BoolArray = field(repr=False)
    centroids_px: FloatArray = field(repr=False)
    areas_px: FloatArray = field(repr=False)
    contrast_l_star: FloatArray = field(repr=False)


def background_l_star(
    l_star: FloatArray, *, px_per_mm: float, window_mm: float = 12.0
) -> FloatArray:
    """Large-scale lightness: a median over ``window_mm``, computed at 2 px/mm then smoothed.

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
    px_per_mm : float
        Scale of ``l_star``.
    window_mm : float, optional
        Median window; spots up to about half this diameter leave it unchanged.

    Returns
    -------
    ndarray, shape (H, W), float32
    """
    h, w = l_star.shape
    factor = min(1.0, _BACKGROUND_PX_PER_MM / px_per_mm)
    small_size = (max(round(w * factor), 1), max(round(h * factor), 1))
    small = cv2.resize(l_star, small_size, interpolation=cv2.INTER_AREA)
    # medianBlur needs 8 bits for large windows: 0.4 L* steps are far below any threshold used.
    quantised = np.clip(small * 2.5, 0, 255).astype(np.uint8)
    ksize = max(round(window_mm * px_per_mm * factor) | 1, 3)
    median = cv2.medianBlur(quantised, ksize).astype(np.float32) / 2.5
    median = cv2.GaussianBlur(median, (0, 0), max(ksize / 6.0, 0.5))
    return np.asarray(cv2.resize(median, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def detect_spots(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    reference: SkinReference | None = None,
    min_relative_contrast: float = SPOT_MIN_RELATIVE_CONTRAST,
    min_sigmas: float = SPOT_MIN_SIGMAS,
    min_area_mm2: float = 0.4,
    max_area_mm2: float = 80.0,
    max_elongation: float = 2.5,
    ridges: BoolArray | None = None,
    max_ridge_fraction: float = 0.4,
    smooth_mm: float = 0.2,
) -> SpotMap:
    """Find pigmented spots (darker than the surrounding skin).

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        Lightness L*.
    px_per_mm : float
        Scale of the image.
    valid : ndarray of bool, optional
        Skin pixels in which spots may lie.
    reference : SkinReference, optional
        Background lightness and texture σ (computed from ``l_star`` when not given).
    min_relative_contrast : float, optional
        A spot's peak must be darker than the background by this fraction of
        (L*_background + 16) ...
    min_sigmas : float, optional
        ... and by this many local texture σ.
    min_area_mm2 : float, optional
        Smaller dark dots are pores or noise (0.4 mm² ≈ 0.7 mm diameter).
    max_area_mm2 : float, optional
        Larger dark patches are uneven tone, not spots.
    max_elongation : float, optional
        Largest ratio of the principal axes (lines are measured as wrinkles).
    ridges : ndarray of bool, optional
        Line centrelines (wrinkles and hair); a dark component lying mostly along one is a
        fragment of the line, where pores deepen it, not a spot.
    max_ridge_fraction : float, optional
        Largest fraction of a spot's pixels within one pixel of a centreline.
    smooth_mm : float, optional
        Gaussian smoothing before thresholding: against sensor noise, and it takes most of the
        contrast of pores (0.1-0.4 mm) while spots (from 0.7 mm) keep theirs.

    Returns
    -------
    SpotMap
    """
    sigma = max(smooth_mm * px_per_mm, 0.5)
    smooth = cv2.GaussianBlur(l_star, (0, 0), sigma)
    if reference is None:
        reference = skin_reference(l_star, px_per_mm=px_per_mm, valid=valid, smooth_mm=smooth_mm)
    darker = reference.background - smooth
    # Contrast in units of the local threshold: a spot's peak must reach 1.
    threshold = np.maximum(
        np.float32(min_relative_contrast) * reference.scale(),
        np.float32(min_sigmas) * reference.sigma,
    )
    relative = darker / threshold
    candidate = relative >= 0.5
    if valid is not None:
        candidate &= valid
    count, labels = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=8)
    if count <= 1:
        return _no_spots(l_star.shape)
    peaks = label_maximum(darker, labels, count)
    peaks_rel = label_maximum(relative, labels, count)
    # Full width at half maximum of each spot's own contrast (a contrast-independent edge).
    spot = candidate & (darker >= 0.5 * peaks[labels]) & (peaks_rel[labels] >= 1.0)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(spot.astype(np.uint8), 8)
    if count <= 1:
        return _no_spots(l_star.shape)
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    elongation = _elongation(labels, count, areas)
    mm2 = areas / (px_per_mm * px_per_mm)
    keep = (mm2 >= min_area_mm2) & (mm2 <= max_area_mm2) & (elongation <= max_elongation)
    if ridges is not None and ridges.any():
        near = cv2.dilate(ridges.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
        on_ridge = np.bincount(labels[near], minlength=count).astype(np.float64)
        keep &= on_ridge <= max_ridge_fraction * areas
    keep[0] = False
    contrast = label_maximum(darker, labels, count)
    return SpotMap(
        mask=keep[labels],
        centroids_px=centroids[keep].astype(np.float32),
        areas_px=areas[keep].astype(np.float32),
        contrast_l_star=contrast[keep],
    )


def _elongation(
    labels: NDArray[np.int32], count: int, areas: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Ratio of principal axes of each labelled component, from second moments."""
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs]
    n = np.maximum(areas, 1.0)
    mx = np.bincount(lab, xs, count) / n
    my = np.bincount(lab, ys, count) / n
    dx = xs - mx[lab]
    dy = ys - my[lab]
    cxx = np.bincount(lab, dx * dx, count) / n + 1.0 / 12.0
    cyy = np.bincount(lab, dy * dy, count) / n + 1.0 / 12.0
    cxy = np.bincount(lab, dx * dy, count) / n
    half_trace = 0.5 * (cxx + cyy)
    root = np.sqrt(np.maximum(0.25 * (cxx - cyy) ** 2 + cxy * cxy, 0.0))
    major = half_trace + root
    minor = np.maximum(half_trace - root, 1e-6)
    return np.asarray(np.sqrt(major / minor))


def _no_spots(shape: tuple[int, ...]) -> SpotMap:
    return SpotMap(
        mask=np.zeros(shape[:2], dtype=bool),
        centroids_px=np.zeros((0, 2), np.float32),
        areas_px=np.zeros(0, np.float32),
        contrast_l_star=np.zeros(0, np.float32),
    )
