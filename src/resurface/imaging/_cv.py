"""OpenCV, typed as ``Any``.

OpenCV 4.11's generated stubs type every array as ``Mat | ndarray[integer | floating]``: valid
calls (bool masks, float32 kernels, ``cv2.ORB_create``) fail type checking and every result needs a
cast. Callers convert results with ``np.asarray(..., dtype)`` where the dtype matters.

``content_box`` cuts an 8-bit mask to the box of its set pixels, for labelling a few pixels
without a pass over the whole frame.
"""

from typing import Any

import cv2 as _cv2
import numpy as np
from numpy.typing import NDArray

cv2: Any = _cv2

Box = tuple[slice, slice]


def content_box(mask: NDArray[np.uint8]) -> tuple[NDArray[np.uint8], Box, bool] | None:
    """``mask`` cut to the bounding box of its non-zero pixels (contiguous, or ``mask`` itself
    when the box is the whole mask), that box, and whether it is the whole mask; None when no
    pixel is set."""
    x0, y0, box_w, box_h = cv2.boundingRect(mask)
    if box_w == 0:
        return None
    box = (slice(y0, y0 + box_h), slice(x0, x0 + box_w))
    whole = mask.shape == (box_h, box_w)
    return (mask if whole else np.ascontiguousarray(mask[box])), box, whole
