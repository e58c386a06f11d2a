"""White balance and exposure from a neutral grey card in the frame.

A clinic that photographs with an 18 % grey card in view gets numbers that do not move when the
lighting does: the card's linear RGB is scaled to its known reflectance, channel by channel (a von
Kries diagonal correction), before any colour metric is computed.

References
----------
.. [1] von Kries J. Chromatic adaptation. Festschrift der Albrecht-Ludwigs-Universität, 1902
       (diagonal, per-channel adaptation).
.. [2] ISO 14524:2009 / Kodak R-27 grey card: 18 % neutral reflectance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.colour import SRGB_DECODE, linear_from_srgb8

__all__ = [
    "Calibration",
    "apply_calibration",
    "calibrate_from_grey_card",
    "calibrated_linear",
    "find_grey_card",
]

FloatArray = NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Per-channel gains applied to linear RGB.

    Attributes
    ----------
    method : str
        ``"grey_card"`` when a card was found, ``"none"`` otherwise.
    gains : tuple of float
        Multipliers for linear R, G, B.
    card_box_px : tuple of int or None
        ``(x, y, width, height)`` of the card in the analysed image, in pixels.
    """

    method: str
    gains: tuple[float, float, float]
    card_box_px: tuple[int, int, int, int] | None = None


NO_CALIBRATION = Calibration(method="none", gains=(1.0, 1.0, 1.0))
_SEARCH_PX_PER_MM = 2.5


def find_grey_card(
    linear: FloatArray,
    *,
    px_per_mm: float = 10.0,
    min_area_fraction: float = 0.002,
    max_channel_ratio: float = 2.0,
    max_local_variation: float = 0.02,
    min_rectangularity: float = 0.85,
) -> NDArray[np.bool_] | None:
    """Find a flat, near-neutral rectangle: a grey card.

    Parameters
    ----------
    linear : ndarray, shape (H, W, 3), float32
        Linear RGB.
    px_per_mm : float, optional
        Scale of ``linear``; sets the smoothing and flatness windows (0.2 mm and 1.5 mm).
    min_area_fraction : float, optional
        Smallest card, as a fraction of the frame.
    max_channel_ratio : float, optional
        Largest ratio between the brightest and darkest channel (a grey under a colour cast).
    max_local_variation : float, optional
        Largest local standard deviation of log luminance (a card is flat; skin has texture).
    min_rectangularity : float, optional
        Smallest ratio of the component's area to that of its minimum-area rectangle.

    Returns
    -------
    ndarray of bool or None
        The card's pixels, eroded away from its edges, or None if no card is seen.
    """
    h, w = linear.shape[:2]
    sigma = max(0.2 * px_per_mm, 0.7)
    smooth = cv2.GaussianBlur(linear, (0, 0), sigma)
    # Channel-wise reductions through OpenCV: numpy's along the last axis are several times slower.
    red, green, blue = cv2.split(smooth)
    lum = (red + green + blue) / np.float32(3.0)
    luminance = np.log(np.maximum(lum, np.float32(1e-4)))
    window = max(round(1.5 * px_per_mm) | 1, 3)
    mean = cv2.blur(luminance, (window, window))
    mean_sq = cv2.blur(luminance * luminance, (window, window))
    variation = np.sqrt(np.maximum(mean_sq - mean * mean, np.float32(0.0)))
    top = cv2.max(cv2.max(red, green), blue)
    bottom = np.maximum(cv2.min(cv2.min(red, green), blue), np.float32(1e-4))
    candidate = (
        (variation < max_local_variation)
        & (top / bottom < max_channel_ratio)
        & (lum > 0.03)
        & (top < 0.97)
    )
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate.astype(np.uint8), 8)
    best: int | None = None
    best_area = min_area_fraction * h * w
    for label in range(1, count):
        area = int(stats[label, cv2.CC_STAT_AREA])
        x, y = stats[label, cv2.CC_STAT_LEFT], stats[label, cv2.CC_STAT_TOP]
        bw, bh = stats[label, cv2.CC_STAT_WIDTH], stats[label, cv2.CC_STAT_HEIGHT]
        if area < best_area or x == 0 or y == 0 or x + bw == w or y + bh == h:
            continue  # a card lies inside the frame; walls and backdrops touch its edges
        ys, xs = np.nonzero(labels == label)
        points = np.stack([xs, ys], axis=1).astype(np.float32)
        (_, _), (rw, rh), _ = cv2.minAreaRect(points)
        if rw * rh <= 0 or area / (rw * rh) < min_rectangularity:
            continue
        if max(rw, rh) / max(min(rw, rh), 1.0) > 4.0:
            continue
        best, best_area = label, area
    if best is None:
        return None
    mask = (labels == best).astype(np.uint8)
    margin = max(round(1.5 * px_per_mm), 1)
    mask = cv2.erode(mask, np.ones((2 * margin + 1, 2 * margin + 1), np.uint8))
    return mask.astype(bool) if mask.any() else None


def calibrate_from_grey_card(
    rgb: NDArray[np.uint8], *, px_per_mm: float = 10.0, card_reflectance: float = 0.18
) -> Calibration:
    """Gains that map the grey card in the photo to ``card_reflectance`` in every channel.

    The card is searched for on a copy of the 8-bit photo reduced to 2.5 px/mm (a card is many
    millimetres wide: as good, and 16× cheaper than at 10 px/mm); only the card's own pixels are
    then linearised and averaged at full resolution.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
        sRGB photo.
    px_per_mm : float, optional
        Scale of ``rgb`` (see :func:`find_grey_card`).
    card_reflectance : float, optional
        The card's nominal reflectance (0.18 for a standard grey card [2]).

    Returns
    -------
    Calibration
        ``NO_CALIBRATION`` when no card is found.
    """
    factor = min(1.0, _SEARCH_PX_PER_MM / px_per_mm)
    small = rgb
    if factor < 1.0:
        size = (max(round(rgb.shape[1] * factor), 1), max(round(rgb.shape[0] * factor), 1))
        small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        factor = size[0] / rgb.shape[1]
    mask = find_grey_card(linear_from_srgb8(small), px_per_mm=px_per_mm * factor)
    if mask is None:
        return NO_CALIBRATION
    # The card is measured at full resolution: sensor noise dithers the 8-bit steps away in a
    # mean of many pixels (one step is ~1.7 % of a mid grey, which would move a* by a unit).
    # Only the card's bounding box is linearised.
    bx, by, bw, bh = cv2.boundingRect(mask.astype(np.uint8))
    h, w = rgb.shape[:2]
    x0, y0 = max(int(bx / factor) - 1, 0), max(int(by / factor) - 1, 0)
    x1 = min(int(np.ceil((bx + bw) / factor)) + 1, w)
    y1 = min(int(np.ceil((by + bh) / factor)) + 1, h)
    ys = np.minimum(((np.arange(y0, y1) + 0.5) * factor).astype(np.int64), mask.shape[0] - 1)
    xs = np.minimum(((np.arange(x0, x1) + 0.5) * factor).astype(np.int64), mask.shape[1] - 1)
    card = mask[np.ix_(ys, xs)]
    # A plain mean: the mask is already eroded away from the card's edges, and trimming by
    # percentiles would bias the estimate on 8-bit steps.
    level = linear_from_srgb8(rgb[y0:y1, x0:x1])[card].astype(np.float64).mean(axis=0)
    gains = card_reflectance / np.maximum(level, 1e-4)
    return Calibration(
        method="grey_card",
        gains=(float(gains[0]), float(gains[1]), float(gains[2])),
        card_box_px=(
            round(bx / factor),
            round(by / factor),
            round(bw / factor),
            round(bh / factor),
        ),
    )


def apply_calibration(linear: FloatArray, calibration: Calibration) -> FloatArray:
    """Multiply linear RGB by the calibration's gains (eq. of von Kries [1])."""
    if calibration.gains == (1.0, 1.0, 1.0):
        return linear
    return np.asarray(linear * np.asarray(calibration.gains, np.float32), np.float32)


def calibrated_linear(rgb: NDArray[np.uint8], calibration: Calibration) -> FloatArray:
    """``apply_calibration(linear_from_srgb8(rgb), calibration)`` in one table look-up.

    The gains are applied to the 256 entries of each channel's decoding table rather than to
    every pixel: the same float32 products, one pass over the image instead of two.
    """
    gains = np.asarray(calibration.gains, np.float32)
    table = (SRGB_DECODE[:, None] * gains[None, :]).astype(np.float32)
    return np.asarray(cv2.LUT(rgb, table.reshape(256, 1, 3)), np.float32)
