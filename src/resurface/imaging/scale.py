"""Image scale in pixels per millimetre, from the iris.

The horizontal visible iris diameter is nearly constant among adults (11.7 ± 0.5 mm), which makes
the iris a ruler that every face photo carries.

References
----------
.. [1] Rüfer F, Schröder A, Erb C. White-to-white corneal diameter: normal values in healthy humans
       obtained with the Orbscan II topography system. Cornea 2005;24:259-261.
.. [2] Ablavatski A, et al. Real-time pupil tracking from monocular video for digital puppetry.
       arXiv:2006.11341, 2020 (MediaPipe iris: landmarks 468-472 and 473-477).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["IRIS_DIAMETER_MM", "px_per_mm_from_iris"]

#: Mean horizontal visible iris diameter of adults, mm [1].
IRIS_DIAMETER_MM = 11.7

# Per iris: centre, then four points on its rim (lateral, upper, medial, lower) [2].
_IRISES = ((468, 469, 470, 471, 472), (473, 474, 475, 476, 477))


def px_per_mm_from_iris(
    landmarks_px: NDArray[np.float32], *, iris_diameter_mm: float = IRIS_DIAMETER_MM
) -> float:
    """Scale of a face photo from the iris landmarks.

    Parameters
    ----------
    landmarks_px : ndarray, shape (478, 2)
        Face-mesh landmarks in pixels.
    iris_diameter_mm : float, optional
        Assumed iris diameter.

    Returns
    -------
    float
        Pixels per millimetre: the mean of both irises' horizontal and vertical diameters divided
        by ``iris_diameter_mm``.
    """
    if landmarks_px.shape[0] < 478:
        raise ValueError("iris landmarks 468-477 are needed (refine_landmarks=True)")
    diameters = []
    for _, lateral, upper, medial, lower in _IRISES:
        diameters.append(float(np.linalg.norm(landmarks_px[lateral] - landmarks_px[medial])))
        diameters.append(float(np.linalg.norm(landmarks_px[upper] - landmarks_px[lower])))
    # The lids often cover the top and bottom of the iris, so the larger diameters are trusted.
    diameters.sort()
    return float(np.mean(diameters[2:])) / iris_diameter_mm
