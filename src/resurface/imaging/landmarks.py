"""Face landmarks from MediaPipe Face Mesh (478 points with the iris refinement), offline.

The legacy ``mediapipe.solutions.face_mesh`` API ships its models inside the wheel. Its C++ logging
writes to the process's stderr before any log level can be set, so the calls are made with file
descriptor 2 pointed at /dev/null: command-line output stays clean.

Only the face mesh is loaded (:func:`_face_mesh_module`): ``import mediapipe`` would also load
every other solution, their drawing helpers (matplotlib: about 1.2 s) and the Tasks API.

References
----------
.. [1] Kartynnik Y, Ablavatski A, Grishchenko I, Grundmann M. Real-time facial surface geometry
       from monocular video on mobile GPUs. CVPR Workshops 2019 (arXiv:1907.06724).
.. [2] Ablavatski A, et al. Real-time pupil tracking from monocular video for digital puppetry.
       arXiv:2006.11341, 2020 (iris landmarks 468-477).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
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
            face_mesh = _face_mesh_module()
            _face_mesh = face_mesh.FaceMesh(
                static_image_mode=True,
                max_num_faces=1,
                refine_landmarks=True,
                min_detection_confidence=0.5,
            )
    return _face_mesh


_FACE_MESH = "mediapipe.python.solutions.face_mesh"
_EAGER_PACKAGES = ("mediapipe", "mediapipe.python.solutions")
"""The packages whose ``__init__`` imports everything: ``mediapipe`` (every solution and the
Tasks API) and ``mediapipe.python.solutions`` (every solution and ``drawing_utils``, which
imports matplotlib.pyplot)."""


def _face_mesh_module() -> ModuleType:
    """``mediapipe.python.solutions.face_mesh`` with only what it imports itself.

    Python runs a package's ``__init__`` before any of its modules, and MediaPipe's two eager
    ones import everything, so there is no import statement that loads the face mesh alone.
    Where MediaPipe is not loaded yet, those two packages are made as the import system makes
    them (their own spec and search path), without running their ``__init__``; every module
    then loads from the wheel as usual, and ``mediapipe.python.solutions.drawing_utils`` or any
    other still imports when asked for by its full name. Only the re-exports of those two
    ``__init__`` files (``mediapipe.solutions``, ``mediapipe.tasks``) are missing as attributes."""
    if _FACE_MESH in sys.modules:
        return sys.modules[_FACE_MESH]
    if "mediapipe" not in sys.modules:
        for name in _EAGER_PACKAGES:
            if name not in sys.modules:
                _package_without_init(name)
    return importlib.import_module(_FACE_MESH)


def _package_without_init(name: str) -> None:
    parent, _, child = name.rpartition(".")
    if parent:
        importlib.import_module(parent)  # mediapipe.python: its bindings, which the mesh uses
    spec = importlib.util.find_spec(name)
    if spec is None or spec.submodule_search_locations is None:
        raise ModuleNotFoundError(f"no package {name}", name=name)
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    if parent:
        setattr(sys.modules[parent], child, package)


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
