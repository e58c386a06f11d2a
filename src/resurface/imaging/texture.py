"""Texture and evenness of tone.

Roughness is the spread of band-passed lightness: a difference of Gaussians keeps relief between
about 0.3 mm and 1.5 mm (finer is sensor noise and JPEG, coarser is tone). Evenness of tone is the
spread of ITA° after smoothing away texture, so it sees mottled pigmentation and spots.

References
----------
.. [1] Marr D, Hildreth E. Theory of edge detection. Proc R Soc Lond B 1980;207:187-217
       (difference of Gaussians as a band-pass filter).
.. [2] Rousseeuw PJ, Croux C. Alternatives to the median absolute deviation.
       J Am Stat Assoc 1993;88:1273-1283 (1.4826·MAD estimates σ).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2

__all__ = ["band_pass", "ita_map", "mean_std", "robust_std"]

FloatArray = NDArray[np.float32]


def band_pass(
    l_star: FloatArray, *, px_per_mm: float, fine_mm: float = 0.3, coarse_mm: float = 1.5
) -> FloatArray:
    """Difference of Gaussians σ = ``fine_mm`` minus σ = ``coarse_mm`` (L* units)."""
    fine = cv2.GaussianBlur(l_star, (0, 0), max(fine_mm * px_per_mm, 0.5))
    coarse = _low_pass(l_star, coarse_mm * px_per_mm)
    return np.asarray(fine - coarse, np.float32)


def _low_pass(image: FloatArray, sigma_px: float) -> FloatArray:
    """Gaussian blur; wide ones at reduced resolution (the result is smooth anyway)."""
    h, w = image.shape
    factor = min(1.0, 3.0 / max(sigma_px, 1e-6))
    if factor >= 0.5:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), max(sigma_px, 0.5)), np.float32)
    size = (max(round(w * factor), 1), max(round(h * factor), 1))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(sigma_px * size[0] / w, 0.5))
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def ita_map(
    l_star: FloatArray, b_star: FloatArray, *, px_per_mm: float, smooth_mm: float = 1.0
) -> FloatArray:
    """ITA° per pixel of the smoothed L* and b*, degrees."""
    sigma = max(smooth_mm * px_per_mm, 0.5)
    l_smooth = _low_pass(l_star, sigma)
    b_smooth = _low_pass(b_star, sigma)
    # cv2.phase gives atan2(y, x) in [0, 360); ITA lies in (-90, 90) as b* > 0 on skin.
    angle = cv2.phase(b_smooth, l_smooth - 50.0, angleInDegrees=True)
    return np.asarray(np.where(angle > 180.0, angle - 360.0, angle), np.float32)


def robust_std(values: NDArray[np.float32]) -> float:
    """1.4826 × median absolute deviation: σ of the bulk, unmoved by a few outliers [2]."""
    if values.size == 0:
        return 0.0
    if values.size > 400_000:  # a regular subsample estimates the median to well below 1 %
        values = values[:: values.size // 200_000]
    median = np.median(values)
    return float(1.4826 * np.median(np.abs(values - median)))


def mean_std(values: NDArray[np.float32]) -> tuple[float, float]:
    """Mean and standard deviation accumulated in float64 (float32 sums drift on 10⁷ pixels)."""
    v = values.astype(np.float64)
    return float(v.mean()), float(v.std())
