"""Per-label reductions over connected-component label images."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def label_maximum(
    values: NDArray[np.float32], labels: NDArray[np.int32], count: int
) -> NDArray[np.float32]:
    """Largest value of each label 0..count-1 (0 for labels with no pixels; label 0 is 0).

    Only labelled pixels are visited, which is much faster than ``scipy.ndimage.maximum`` when
    the components cover a small part of the image.
    """
    peaks = np.zeros(count, np.float32)
    flat = labels.ravel()
    inside = np.flatnonzero(flat)
    if inside.size:
        np.maximum.at(peaks, flat[inside], values.ravel()[inside])
    peaks[0] = 0.0
    return peaks
