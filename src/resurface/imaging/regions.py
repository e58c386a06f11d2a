"""Anatomical regions: face-mesh polygons, clinician-drawn polygons, the whole frame, and skin.

Face regions are polygons through MediaPipe Face Mesh landmarks [1]. Eyes, brows and lips are cut
out with a margin, so that their edges are never measured as wrinkles or spots. Left and right are
the patient's (anatomical) sides: on an unmirrored frontal photo ``cheek_left`` is on the right of
the image.

References
----------
.. [1] Kartynnik Y, et al. Real-time facial surface geometry from monocular video on mobile GPUs.
       CVPR Workshops 2019 (landmark topology of the 468-point canonical face mesh).
.. [2] Kolkur S, Kalbande D, Shimpi P, Bapat C, Jatakia J. Human skin detection using RGB, HSV and
       YCbCr color models. Adv Intell Syst Res 2017;137:324-332 (skin as a hue sector).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.errors import EmptyRegion

__all__ = [
    "FACE_REGION_NAMES",
    "RegionShape",
    "face_regions",
    "parse_polygon",
    "polygon_region",
    "rasterize",
    "skin_mask",
    "whole_region",
]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

FACE_REGION_NAMES = (
    "forehead",
    "periorbital_left",
    "periorbital_right",
    "perioral",
    "cheek_left",
    "cheek_right",
)

# Landmark rings (canonical face-mesh indices). "right" is the patient's right (image left).
_FOREHEAD = (
    54,
    103,
    67,
    109,
    10,
    338,
    297,
    332,
    284,
    300,
    293,
    334,
    296,
    336,
    9,
    107,
    66,
    105,
    63,
    70,
)
_BROW_RIGHT = (70, 63, 105, 66, 107, 55, 65, 52, 53, 46)
_BROW_LEFT = (300, 293, 334, 296, 336, 285, 295, 282, 283, 276)
_EYE_RIGHT = (33, 246, 161, 160, 159, 158, 157, 173, 133, 155, 154, 153, 145, 144, 163, 7)
_EYE_LEFT = (263, 466, 388, 387, 386, 385, 384, 398, 362, 382, 381, 380, 374, 373, 390, 249)
_PERIORBITAL_RIGHT = (46, 53, 52, 65, 55, 193, 245, 128, 121, 120, 119, 118, 117, 111, 143, 156)
_PERIORBITAL_LEFT = (276, 283, 282, 295, 285, 417, 465, 357, 350, 349, 348, 347, 346, 340, 372, 383)
_CHEEK_RIGHT = (117, 118, 119, 120, 100, 142, 203, 206, 216, 207, 187, 147, 123, 116)
_CHEEK_LEFT = (346, 347, 348, 349, 329, 371, 423, 426, 436, 427, 411, 376, 352, 345)
_PERIORAL = (
    164,
    393,
    391,
    322,
    410,
    287,
    273,
    335,
    406,
    313,
    18,
    83,
    182,
    106,
    43,
    57,
    186,
    92,
    165,
    167,
)
_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)

# Margins around excluded features, mm: lid and lip edges are sharp dark ridges.
_EYE_MARGIN_MM = 2.0
_BROW_MARGIN_MM = 2.0
_LIP_MARGIN_MM = 2.0


@dataclass(frozen=True, slots=True)
class RegionShape:
    """A named region as polygons in the pixel frame of the full-resolution photo.

    Attributes
    ----------
    name : str
        e.g. ``"cheek_left"``, ``"whole"``, or the name given with a polygon.
    outline_px : ndarray, shape (N, 2), float32 or None
        The region's boundary; None means the whole frame.
    holes_px : tuple of ndarray
        Polygons cut out of the region (eyes, brows, lips).
    hole_margin_mm : tuple of float
        Margin added around each hole, mm.
    """

    name: str
    outline_px: FloatArray | None = field(repr=False)
    holes_px: tuple[FloatArray, ...] = field(default=(), repr=False)
    hole_margin_mm: tuple[float, ...] = ()


def face_regions(landmarks_px: FloatArray) -> tuple[RegionShape, ...]:
    """The six face regions from face-mesh landmarks.

    Parameters
    ----------
    landmarks_px : ndarray, shape (478, 2)
        Landmarks in pixels.

    Returns
    -------
    tuple of RegionShape
        In the order of :data:`FACE_REGION_NAMES`.
    """

    def ring(indices: Sequence[int]) -> FloatArray:
        return np.asarray(landmarks_px[list(indices)], np.float32)

    brows = (ring(_BROW_RIGHT), ring(_BROW_LEFT))
    brow_margins = (_BROW_MARGIN_MM, _BROW_MARGIN_MM)
    return (
        RegionShape("forehead", ring(_FOREHEAD), brows, brow_margins),
        RegionShape(
            "periorbital_left",
            ring(_PERIORBITAL_LEFT),
            (ring(_EYE_LEFT), ring(_BROW_LEFT)),
            (_EYE_MARGIN_MM, _BROW_MARGIN_MM),
        ),
        RegionShape(
            "periorbital_right",
            ring(_PERIORBITAL_RIGHT),
            (ring(_EYE_RIGHT), ring(_BROW_RIGHT)),
            (_EYE_MARGIN_MM, _BROW_MARGIN_MM),
        ),
        RegionShape("perioral", ring(_PERIORAL), (ring(_LIPS),), (_LIP_MARGIN_MM,)),
        RegionShape("cheek_left", ring(_CHEEK_LEFT), (ring(_PERIORAL),), (0.0,)),
        RegionShape("cheek_right", ring(_CHEEK_RIGHT), (ring(_PERIORAL),), (0.0,)),
    )


def whole_region() -> RegionShape:
    """The whole frame (skin pixels only are measured)."""
    return RegionShape("whole", None)


def polygon_region(points_px: Sequence[Sequence[float]], *, name: str = "polygon") -> RegionShape:
    """A clinician-drawn polygon in pixels of the full-resolution photo."""
    outline = np.asarray(points_px, dtype=np.float32)
    if outline.ndim != 2 or outline.shape[1] != 2 or outline.shape[0] < 3:
        raise EmptyRegion("a polygon needs at least three [x, y] points")
    if not np.isfinite(outline).all():
        raise EmptyRegion("the polygon has coordinates that are not numbers")
    return RegionShape(name, outline)


def parse_polygon(text: str) -> RegionShape:
    """A polygon region from JSON text.

    Accepted forms: ``[[x, y], ...]``, ``{"points": [[x, y], ...], "name": "neck"}``, or a GeoJSON
    ``Polygon`` (its outer ring), all in pixels of the photo as stored (upright).

    Raises
    ------
    EmptyRegion
        The JSON is malformed or has fewer than three points.
    """
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise EmptyRegion(f"the polygon file is not valid JSON: {error.msg}") from None
    name = "polygon"
    if isinstance(value, dict):
        name = str(value.get("name", name))
        if value.get("type") == "Polygon":
            coordinates = value.get("coordinates") or [[]]
            value = coordinates[0]
        else:
            value = value.get("points")
    if not isinstance(value, list):
        raise EmptyRegion('the polygon JSON must be [[x, y], ...] or {"points": [[x, y], ...]}')
    try:
        return polygon_region(value, name=name)
    except (TypeError, ValueError):
        raise EmptyRegion("polygon points must be pairs of numbers [x, y]") from None


def rasterize(
    region: RegionShape, size_hw: tuple[int, int], *, scale: float, px_per_mm: float
) -> BoolArray:
    """The region's pixels in an image ``scale`` times the size of the full-resolution photo.

    Parameters
    ----------
    region : RegionShape
    size_hw : tuple of int
        (height, width) of the analysed image.
    scale : float
        Analysed pixels per full-resolution pixel.
    px_per_mm : float
        Scale of the analysed image, for the hole margins.

    Returns
    -------
    ndarray of bool, shape (height, width)
    """
    h, w = size_hw
    if region.outline_px is None:
        return np.ones((h, w), dtype=bool)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [_points(region.outline_px, scale)], 1)
    margins = region.hole_margin_mm or (0.0,) * len(region.holes_px)
    for hole, margin_mm in zip(region.holes_px, margins, strict=True):
        hole_mask = np.zeros((h, w), np.uint8)
        cv2.fillPoly(hole_mask, [_points(hole, scale)], 1)
        radius = round(margin_mm * px_per_mm)
        if radius > 0:
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
            hole_mask = cv2.dilate(hole_mask, kernel)
        mask[hole_mask > 0] = 0
    return mask.astype(bool)


def _points(polygon: FloatArray, scale: float) -> NDArray[np.int32]:
    return np.asarray(np.round(polygon * scale), dtype=np.int32).reshape(-1, 1, 2)


def skin_mask(
    lab: FloatArray,
    *,
    px_per_mm: float,
    l_star_range: tuple[float, float] = (20.0, 97.0),
    min_chroma: float = 6.0,
    hue_range_deg: tuple[float, float] = (5.0, 100.0),
    close_mm: float = 1.5,
    min_patch_mm2: float = 25.0,
) -> BoolArray:
    """Pixels that look like skin: warm hue, some chroma, neither black nor white.

    Skin of every ITA° category lies in a narrow sector of CIELAB hue (red-orange to yellow) [2];
    hair is darker, and backgrounds, clothing and grey cards fall outside the sector or have too
    little chroma. Small gaps (dark spots, lines) are closed so that lesions stay measured.

    Parameters
    ----------
    lab : ndarray, shape (H, W, 3), float32
        CIELAB image.
    px_per_mm : float
        Scale, for the morphology.
    l_star_range : tuple of float, optional
        Accepted L* interval.
    min_chroma : float, optional
        Smallest C*ab = hypot(a*, b*).
    hue_range_deg : tuple of float, optional
        Accepted hue angle h_ab = atan2(b*, a*), degrees.
    close_mm : float, optional
        Gaps narrower than this are closed.
    min_patch_mm2 : float, optional
        Isolated skin-coloured patches smaller than this are dropped.

    Returns
    -------
    ndarray of bool, shape (H, W)
    """
    l_star, a_star, b_star = lab[..., 0], lab[..., 1], lab[..., 2]
    chroma = cv2.magnitude(a_star, b_star)
    hue = cv2.phase(a_star, b_star, angleInDegrees=True)  # 0..360
    hue = np.where(hue > 180.0, hue - 360.0, hue)
    mask = (
        (l_star > l_star_range[0])
        & (l_star < l_star_range[1])
        & (chroma > min_chroma)
        & (hue > hue_range_deg[0])
        & (hue < hue_range_deg[1])
    ).astype(np.uint8)
    radius = max(round(close_mm * px_per_mm / 2), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, kernel)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
    min_area = min_patch_mm2 * px_per_mm * px_per_mm
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    return np.asarray(keep[labels], dtype=bool)
