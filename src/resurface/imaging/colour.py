"""Colour: sRGB -> linear RGB -> CIELAB (D65), ITA° and the erythema index.

References
----------
.. [1] IEC 61966-2-1:1999, Multimedia systems and equipment - Colour measurement and
       management - Default RGB colour space - sRGB.
.. [2] CIE 15:2004, Colorimetry, 3rd edition (CIELAB, D65 white).
.. [3] Chardon A, Cretois I, Hourseau C. Skin colour typology and suntanning pathways.
       Int J Cosmet Sci 1991;13:191-208 (individual typology angle, ITA°).
.. [4] Del Bino S, Bernerd F. Variations in skin colour and the biological consequences of
       ultraviolet radiation exposure. Br J Dermatol 2013;169 Suppl 3:33-40 (ITA° categories).
.. [5] Dawson JB, Barker DJ, Ellis DJ, et al. A theoretical and experimental study of light
       absorption and scattering by in vivo skin. Phys Med Biol 1980;25:695-709 (erythema index).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2

__all__ = [
    "ITA_CATEGORIES",
    "SRGB_DECODE",
    "erythema_index_map",
    "ita_category",
    "ita_deg",
    "lab_from_linear",
    "linear_from_lab",
    "linear_from_srgb8",
    "srgb8_from_linear",
]

FloatArray = NDArray[np.float32]


def _srgb_decode_table() -> FloatArray:
    v = np.arange(256, dtype=np.float64) / 255.0
    # IEC 61966-2-1 eq. (1): the piecewise sRGB transfer function.
    linear = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)
    return linear.astype(np.float32)


#: Linear light of each 8-bit sRGB value, float32 (IEC 61966-2-1).
SRGB_DECODE = _srgb_decode_table()

#: ITA° categories, lower bound (exclusive) first; Chardon 1991 [3], Del Bino 2013 [4].
ITA_CATEGORIES: tuple[tuple[float, str], ...] = (
    (55.0, "very_light"),
    (41.0, "light"),
    (28.0, "intermediate"),
    (10.0, "tan"),
    (-30.0, "brown"),
)


def linear_from_srgb8(rgb: NDArray[np.uint8]) -> FloatArray:
    """Linear-light RGB in [0, 1] from 8-bit sRGB, by table look-up.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), uint8

    Returns
    -------
    ndarray, shape (H, W, 3), float32
    """
    return np.asarray(cv2.LUT(rgb, SRGB_DECODE), np.float32)


def srgb8_from_linear(linear: FloatArray) -> NDArray[np.uint8]:
    """8-bit sRGB from linear RGB (values outside [0, 1] are clipped)."""
    v = np.clip(linear, 0.0, 1.0)
    encoded = np.where(v <= 0.0031308, v * 12.92, 1.055 * np.power(v, 1.0 / 2.4) - 0.055)
    return np.clip(encoded * 255.0 + 0.5, 0, 255).astype(np.uint8)


def lab_from_linear(linear: FloatArray) -> FloatArray:
    """CIELAB (D65, L* in [0, 100]) from linear RGB in [0, 1].

    OpenCV's float conversion with linear input matches scikit-image's ``rgb2lab`` to 0.03 units
    and is about 20 times faster.

    Parameters
    ----------
    linear : ndarray, shape (H, W, 3), float32

    Returns
    -------
    ndarray, shape (H, W, 3), float32
        Channels L*, a*, b*.
    """
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(linear), cv2.COLOR_LRGB2Lab), np.float32)


def linear_from_lab(lab: FloatArray) -> FloatArray:
    """Linear RGB from CIELAB (D65); the inverse of :func:`lab_from_linear`."""
    return np.asarray(cv2.cvtColor(np.ascontiguousarray(lab), cv2.COLOR_Lab2LRGB), np.float32)


def ita_deg(l_star: float | FloatArray, b_star: float | FloatArray) -> float | FloatArray:
    """Individual typology angle, ITA° = atan2(L* − 50, b*) · 180/π (Chardon 1991 [3])."""
    result = np.degrees(np.arctan2(np.subtract(l_star, 50.0), b_star))
    if np.ndim(result) == 0:
        return float(result)
    return np.asarray(result, np.float32)


def ita_category(ita: float) -> str:
    """Skin colour category of an ITA° value (Del Bino 2013 [4]): very_light … dark."""
    for lower, name in ITA_CATEGORIES:
        if ita > lower:
            return name
    return "dark"


def erythema_index_map(linear: FloatArray, *, floor: float = 1e-4) -> FloatArray:
    """Erythema index per pixel, EI = 100 · log10(R / G), from linear RGB (Dawson 1980 [5]).

    Haemoglobin absorbs green far more than red, so redness raises R/G. Linear camera RGB stands
    in for the reflectances at 560 nm and 650 nm of the original spectrophotometric index.

    Parameters
    ----------
    linear : ndarray, shape (H, W, 3), float32
        Linear RGB.
    floor : float, optional
        Smallest reflectance used, so that black pixels give a finite index.

    Returns
    -------
    ndarray, shape (H, W), float32
    """
    lowest = np.float32(floor)
    # The channels copied out contiguously (one OpenCV pass each), then floored in place.
    red = np.asarray(cv2.extractChannel(np.ascontiguousarray(linear), 0), np.float32)
    green = np.asarray(cv2.extractChannel(np.ascontiguousarray(linear), 1), np.float32)
    np.maximum(red, lowest, out=red)
    np.maximum(green, lowest, out=green)
    # In place: no further image-sized temporaries.
    index = np.divide(red, green, out=red)
    np.log10(index, out=index)
    index *= np.float32(100.0)
    return np.asarray(index, np.float32)
