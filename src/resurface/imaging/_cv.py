"""OpenCV, typed as ``Any``.

OpenCV 4.11's generated stubs type every array as ``Mat | ndarray[integer | floating]``: valid
calls (bool masks, float32 kernels, ``cv2.ORB_create``) fail type checking and every result needs a
cast. Callers convert results with ``np.asarray(..., dtype)`` where the dtype matters.
"""

from typing import Any

import cv2 as _cv2

cv2: Any = _cv2
