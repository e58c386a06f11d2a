"""Redness: mean a*, the erythema index, and the area of red skin.

References
----------
.. [1] Takiwaki H, Overgaard L, Serup J. Comparison of narrow-band reflectance spectrophotometric
       and tristimulus colorimetric measurements of skin color. Skin Pharmacol 1994;7:217-225
       (a* tracks erythema).
.. [2] Dawson JB, et al. Phys Med Biol 1980;25:695-709 (erythema index).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2

__all__ = ["DEFAULT_RED_A_STAR_MIN", "red_mask"]

#: a* above which skin counts as red. Expert-opinion default: unaffected skin of every ITA°
#: category lies around a* 8-15 under D65; a clinic should set its own threshold.
DEFAULT_RED_A_STAR_MIN = 18.0


def red_mask(
    a_star: NDArray[np.float32],
    *,
    px_per_mm: float,
    a_star_min: float = DEFAULT_RED_A_STAR_MIN,
    smooth_mm: float = 0.3,
) -> NDArray[np.bool_]:
    """Pixels whose (lightly smoothed) a* is at least ``a_star_min``.

    Parameters
    ----------
    a_star : ndarray, shape (H, W), float32
        CIELAB a*.
    px_per_mm : float
        Scale, for the smoothing.
    a_star_min : float, optional
        Threshold; an absolute a* so that redness that covers a whole region (as after a
        resurfacing session) is measured, not normalised away.
    smooth_mm : float, optional
        Gaussian smoothing against sensor noise.

    Returns
    -------
    ndarray of bool, shape (H, W)
    """
    smooth = cv2.GaussianBlur(a_star, (0, 0), max(smooth_mm * px_per_mm, 0.5))
    return np.asarray(smooth >= a_star_min, dtype=bool)
