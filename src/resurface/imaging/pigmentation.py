"""Pigmented spots: L* below a large-scale background, segmented at half each spot's contrast.

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
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging._labels import label_maximum

__all__ = ["SpotMap", "background_l_star", "detect_spots"]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

_BACKGROUND_PX_PER_MM = 2.0


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
    min_contrast_l_star: float = 4.0,
    min_area_mm2: float = 0.4,
    max_area_mm2: float = 80.0,
    max_elongation: float = 3.0,
    smooth_mm: float = 0.1,
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
    min_contrast_l_star : float, optional
        A spot's peak must be at least this much darker than the background.
    min_area_mm2 : float, optional
        Smaller dark dots are pores or noise (0.4 mm² ≈ 0.7 mm diameter).
    max_area_mm2 : float, optional
        Larger dark patches are uneven tone, not spots.
    max_elongation : float, optional
        Largest ratio of the principal axes (lines are measured as wrinkles).
    smooth_mm : float, optional
        Gaussian smoothing before thresholding, against sensor noise.

    Returns
    -------
    SpotMap
    """
    sigma = max(smooth_mm * px_per_mm, 0.5)
    smooth = cv2.GaussianBlur(l_star, (0, 0), sigma)
    darker = background_l_star(smooth, px_per_mm=px_per_mm) - smooth
    candidate = darker >= 0.5 * min_contrast_l_star
    if valid is not None:
        candidate &= valid
    count, labels = cv2.connectedComponents(candidate.astype(np.uint8), connectivity=8)
    if count <= 1:
        return _no_spots(l_star.shape)
    peaks = label_maximum(darker, labels, count)
    # Full width at half maximum of each spot's own contrast (a contrast-independent edge).
    spot = candidate & (darker >= 0.5 * peaks[labels]) & (peaks[labels] >= min_contrast_l_star)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(spot.astype(np.uint8), 8)
    if count <= 1:
        return _no_spots(l_star.shape)
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    elongation = _elongation(labels, count, areas)
    mm2 = areas / (px_per_mm * px_per_mm)
    keep = (mm2 >= min_area_mm2) & (mm2 <= max_area_mm2) & (elongation <= max_elongation)
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
