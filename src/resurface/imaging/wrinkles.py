"""Wrinkles and fine lines: a multi-scale Hessian filter for dark ridges, thinned to centrelines.

The L* image is filtered with separable float32 Gaussian-derivative kernels at a few scales given
in millimetres. Where the larger Hessian eigenvalue is positive (a valley across the line) and the
smaller one is near zero (not a blob), the scale-normalised eigenvalue measures the line [1, 2].
Non-maximum suppression across the line leaves one-pixel centrelines; hysteresis and a minimum
length remove noise [3]. Pieces of a centreline separated by a one-pixel gap (suppression in four
directions breaks lines whose normal lies between two of them) are grouped as one line before the
minimum length is applied (each piece must still be deep enough on its own), so that noise does
not cut off and drop a line's end. Each centreline pixel counts the length it stands for,
1/max(|cos θ|, |sin θ|) pixels for a line at angle θ, so that total length does not depend on
direction.

For a line of Gaussian profile and depth d (L* units) the σ²-normalised response peaks at
σ = √2·s (s the profile's standard deviation) with value 2/(3√3)·d ≈ 0.385·d whatever the width,
which is why thresholds are given as depths in L* units.

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
from resurface.imaging._labels import label_maximum

__all__ = ["DEPTH_PER_RESPONSE", "RidgeResponse", "WrinkleMap", "dark_ridges", "wrinkle_map"]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

#: Line depth (L*) per unit of σ²-normalised response at the best scale: 3√3/2.
DEPTH_PER_RESPONSE = 3.0 * np.sqrt(3.0) / 2.0

DEFAULT_SCALES_MM = (0.12, 0.2, 0.33, 0.55)


@dataclass(frozen=True, slots=True)
class RidgeResponse:
    """Per-pixel result of :func:`dark_ridges`.

    Attributes
    ----------
    strength : ndarray, float32
        Best σ²-normalised ridge response over scales (L* units; ×2.6 gives the depth).
    normal_rad : ndarray, float32
        Direction across the ridge, radians.
    """

    strength: FloatArray = field(repr=False)
    normal_rad: FloatArray = field(repr=False)


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
    """

    centreline: BoolArray = field(repr=False)
    length_px: FloatArray = field(repr=False)
    depth_l_star: FloatArray = field(repr=False)


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
    for sigma_mm in scales_mm:
        sigma = float(sigma_mm) * px_per_mm
        if sigma < 0.7:  # below the sampling limit the derivative kernels are meaningless
            continue
        if sigma >= 2.5 and half is not None:
            # Coarse scales lose nothing at half resolution and cost a quarter as much.
            response, theta = _scale_response(half, sigma / 2.0, blob_beta, edge_gamma)
            response = cv2.resize(response, (w, h), interpolation=cv2.INTER_LINEAR)
            theta = cv2.resize(theta, (w, h), interpolation=cv2.INTER_NEAREST)
        else:
            response, theta = _scale_response(image, sigma, blob_beta, edge_gamma)
        better = response > best
        np.copyto(best, response, where=better)
        np.copyto(normal, theta, where=better)
    return RidgeResponse(strength=best, normal_rad=normal.astype(np.float32))


def _scale_response(
    image: FloatArray, sigma: float, blob_beta: float, edge_gamma: float
) -> tuple[FloatArray, FloatArray]:
    """σ²-normalised valley response and normal direction at one scale σ (pixels)."""
    g0, g1, g2 = _gaussian_kernels(sigma)
    hxx = cv2.sepFilter2D(image, cv2.CV_32F, g2, g0, borderType=cv2.BORDER_REFLECT)
    hyy = cv2.sepFilter2D(image, cv2.CV_32F, g0, g2, borderType=cv2.BORDER_REFLECT)
    hxy = cv2.sepFilter2D(image, cv2.CV_32F, g1, g1, borderType=cv2.BORDER_REFLECT)
    gx = cv2.sepFilter2D(image, cv2.CV_32F, g1, g0, borderType=cv2.BORDER_REFLECT)
    gy = cv2.sepFilter2D(image, cv2.CV_32F, g0, g1, borderType=cv2.BORDER_REFLECT)
    diff = hxx - hyy
    half_trace = 0.5 * (hxx + hyy)
    root = 0.5 * cv2.magnitude(diff, 2.0 * hxy)
    lam_big = half_trace + root
    lam_small = half_trace - root
    positive = np.maximum(lam_big, 1e-6)
    # Blobness R_B = λ_small/λ_big (Frangi eq. 13). The bottom of a valley is flat, while
    # beside a step edge (the rim of a spot) the slope is as large as the curvature:
    # R_G = |∇L| / (σ λ_big) is 0 on a line and about 1 at an edge.
    ratio = lam_small / positive
    slope = cv2.magnitude(gx, gy) / (sigma * positive)
    exponent = ratio * ratio * np.float32(-0.5 / blob_beta**2) + slope * slope * np.float32(
        -0.5 / edge_gamma**2
    )
    response = np.float32(sigma * sigma) * np.maximum(lam_big, 0.0) * cv2.exp(exponent)
    theta = np.float32(0.5) * cv2.phase(diff, 2.0 * hxy)
    return response.astype(np.float32, copy=False), theta


def _non_maximum_suppression(strength: FloatArray, normal_rad: FloatArray) -> BoolArray:
    # Quantise the normal to one of four neighbour directions (0°, 45°, 90°, 135°).
    sector = np.round(np.mod(normal_rad, np.pi) / (np.pi / 4)).astype(np.int8) % 4
    padded = cv2.copyMakeBorder(strength, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    h, w = strength.shape
    keep = np.zeros((h, w), dtype=bool)
    for k, (dy, dx) in enumerate(((0, 1), (1, 1), (1, 0), (1, -1))):
        forward = padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]
        backward = padded[1 - dy : 1 - dy + h, 1 - dx : 1 - dx + w]
        keep |= (sector == k) & (strength >= forward) & (strength > backward)
    return keep


def wrinkle_map(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    scales_mm: Sequence[float] = DEFAULT_SCALES_MM,
    min_depth_l_star: float = 5.0,
    extend_depth_l_star: float = 2.5,
    min_length_mm: float = 3.0,
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
    min_depth_l_star : float, optional
        A line must somewhere be at least this deep (L* drop) to count.
    extend_depth_l_star : float, optional
        Once found, a line is followed while it is at least this deep (hysteresis).
    min_length_mm : float, optional
        Shorter segments are noise or pores.

    Returns
    -------
    WrinkleMap
    """
    ridges = dark_ridges(l_star, px_per_mm=px_per_mm, scales_mm=scales_mm)
    depth = ridges.strength * np.float32(DEPTH_PER_RESPONSE)
    candidate = _non_maximum_suppression(ridges.strength, ridges.normal_rad)
    candidate &= depth >= extend_depth_l_star
    if valid is not None:
        candidate &= valid
    # Suppression leaves runs 2-3 pixels wide where a line crosses the pixel grid obliquely;
    # thinning to a minimal 8-connected curve makes one pixel per step along the line.
    candidate = _thin(candidate)
    # Hysteresis: a connected piece of centreline counts only if it is somewhere deep enough.
    count, labels = cv2.connectedComponents(candidate.view(np.uint8), connectivity=8)
    peaks = label_maximum(depth, labels, count)
    peaks[0] = -np.inf
    deep = peaks[labels] >= min_depth_l_star
    # Where the line's normal lies near a boundary between two suppression directions (22.5°,
    # 67.5°, ...) noise flips pixels from one direction to the other and the centreline can break
    # with a one-pixel gap; a short end cut off that way would then fall below the minimum length
    # and be dropped (a 1-2 % jump in total length between captures). Deep pieces up to one gap
    # apart are therefore measured as one line; only centreline pixels count towards its length.
    linked = cv2.dilate(deep.view(np.uint8), np.ones((3, 3), np.uint8))
    count, labels = cv2.connectedComponents(linked, connectivity=8)
    labels[~deep] = 0
    theta = ridges.normal_rad
    weight = (1.0 / np.maximum(np.abs(np.cos(theta)), np.abs(np.sin(theta)))).astype(np.float32)
    weight = np.where(deep, weight, 0.0).astype(np.float32)
    lengths = np.bincount(labels.ravel(), weights=weight.ravel(), minlength=count)
    keep = lengths >= min_length_mm * px_per_mm
    keep[0] = False
    centreline = keep[labels] & deep
    return WrinkleMap(
        centreline=centreline,
        length_px=np.where(centreline, weight, 0.0).astype(np.float32),
        depth_l_star=np.where(centreline, depth, 0.0).astype(np.float32),
    )


def _thin(mask: BoolArray) -> BoolArray:
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return mask
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    out = np.zeros_like(mask)
    out[y0:y1, x0:x1] = skeletonize(mask[y0:y1, x0:x1])  # type: ignore[no-untyped-call]
    return out
