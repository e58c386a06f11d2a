"""Face landmarks from MediaPipe Face Mesh (478 points with the iris refinement), offline.

The legacy ``mediapipe.solutions.face_mesh`` API ships its models inside the wheel. Its C++ logging
writes to the process's stderr before any log level can be set, so the calls are made with file
descriptor 2 pointed at /dev/null: command-line output stays clean.

References
----------
.. [1] Kartynnik Y, Ablavatski A, Grishchenko I, Grundmann M. Real-time facial surface geometry
       from monocular video on mobile GPUs. CVPR Workshops 2019 (arXiv:1907.06724).
.. [2] Ablavatski A, et al. Real-time pupil tracking from monocular video for digital puppetry.
       arXiv:2006.11341, 2020 (iris landmarks 468-477).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.errors import NoFaceFound

__all__ = ["LANDMARK_COUNT", "Pose", "detect_face_landmarks", "detect_face_mesh", "face_pose"]

LANDMARK_COUNT = 478
_DETECT_MAX_SIDE_PX = 1920
_lock = threading.Lock()
_face_mesh: Any = None


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """Silence C++ logging (glog/absl) written straight to file descriptor 2."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr (e.g. some embedders): nothing to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _mesh() -> Any:
    global _face_mesh
    if _face_mesh is None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
        with _quiet_stderr():
            from mediapipe.python.solutions import face_mesh

            _face_mesh = face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=1,
                refine_landmarks=True,
                min_detection_confidence=0.5,
            )
    return _face_mesh


def detect_face_landmarks(
    rgb: NDArray[np.uint8], *, max_side_px: int = _DETECT_MAX_SIDE_PX
) -> NDArray[np.float32]:
    """The (x, y) pixel positions of :func:`detect_face_mesh`."""
    return np.ascontiguousarray(detect_face_mesh(rgb, max_side_px=max_side_px)[:, :2])


def detect_face_mesh(
    rgb: NDArray[np.uint8], *, max_side_px: int = _DETECT_MAX_SIDE_PX
) -> NDArray[np.float32]:
    """Locate the 478 face-mesh landmarks of the most prominent face.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
        sRGB photo.
    max_side_px : int, optional
        The photo is shrunk so that its longer side is at most this before detection; the mesh
        works on a 192-pixel face crop, so more pixels only cost time.

    Returns
    -------
    ndarray, shape (478, 3), float32
        Landmark (x, y) positions in pixels of ``rgb``, and depth z in the same units (the
        mesh's relative depth, scaled like x [1]).

    Raises
    ------
    NoFaceFound
        No face was detected.
    """
    h, w = rgb.shape[:2]
    factor = min(1.0, max_side_px / max(h, w))
    small = rgb
    if factor < 1.0:
        small = cv2.resize(
            rgb, (round(w * factor), round(h * factor)), interpolation=cv2.INTER_AREA
        )
    with _lock, _quiet_stderr():
        result = _mesh().process(np.ascontiguousarray(small))
    faces = result.multi_face_landmarks
    if not faces:
        raise NoFaceFound(
            "no face found in the photo; use --region whole or a polygon for other body areas"
        )
    points = np.array([(p.x, p.y, p.z) for p in faces[0].landmark], dtype=np.float32)
    if points.shape[0] < LANDMARK_COUNT:
        raise NoFaceFound("the face mesh returned no iris landmarks")
    points[:, 0] *= w
    points[:, 1] *= h
    points[:, 2] *= w
    return points


@dataclass(frozen=True, slots=True)
class Pose:
    """Face pose in degrees: yaw (turn), pitch (nod), roll (tilt)."""

    yaw: float
    pitch: float
    roll: float


def face_pose(mesh: NDArray[np.float32]) -> Pose:
    """Yaw, pitch and roll (degrees) from the 3-D face-mesh landmarks of :func:`detect_face_mesh`.

    Roll and yaw come from the line between the two sides of the face (landmarks 234 and 454),
    pitch from the line from the top of the forehead to the chin (10 and 152) [1].
    """
    side = (mesh[454] - mesh[234]).astype(np.float64)
    down = (mesh[152] - mesh[10]).astype(np.float64)
    roll = np.degrees(np.arctan2(side[1], side[0]))
    yaw = np.degrees(np.arctan2(side[2], np.hypot(side[0], side[1])))
    pitch = np.degrees(np.arctan2(down[2], np.hypot(down[0], down[1])))
    return Pose(round(float(yaw), 1), round(float(pitch), 1), round(float(roll), 1))
