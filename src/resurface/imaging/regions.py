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
.. [3] Rousseeuw PJ, Croux C. Alternatives to the median absolute deviation.
       J Am Stat Assoc 1993;88:1273-1283 (1.4826·MAD estimates σ).

Every face region is also clipped to the face's outline (the mesh's silhouette) shrunk by a margin,
and the nostrils and the whole eye with its lids and lashes (the eye ring joined to the brow) are
cut out. Inside the regions, a per-photo skin model (:class:`SkinModel`: the robust colour of the
central cheeks in CIELAB, or of the drawn region itself) removes hair, hairline shadows and
background that happen to lie in a region's polygon.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import content_box, cv2
from resurface.imaging.errors import EmptyRegion

__all__ = [
    "FACE_REGION_NAMES",
    "RegionShape",
    "SkinModel",
    "face_regions",
    "model_skin_mask",
    "parse_polygon",
    "polygon_region",
    "rasterize",
    "skin_mask",
    "skin_model",
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
# The face's silhouette (the mesh's outer ring) and the lower nose with both nostrils.
_FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip
_NOSE = (4, 45, 220, 115, 48, 64, 98, 97, 2, 326, 327, 294, 278, 344, 440, 275)
_LIPS = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291, 375, 321, 405, 314, 17, 84, 181, 91, 146)

# Margins around excluded features, mm: lid and lip edges are sharp dark ridges.
_EYE_MARGIN_MM = 2.0
_BROW_MARGIN_MM = 2.0
_LIP_MARGIN_MM = 2.0
# Lashes reach 2-3 mm beyond the lid margin; the lids' own folds lie between the eye and the brow.
_LID_MARGIN_MM = 3.0
_NOSE_MARGIN_MM = 2.0
#: Hair, ears and background at the face's edge: regions keep this far inside the silhouette.
FACE_EDGE_MARGIN_MM = 6.0


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
    within_px : ndarray or None
        The region is clipped to this polygon (the face's silhouette) shrunk by
        ``within_margin_mm``.
    within_margin_mm : float
    """

    name: str
    outline_px: FloatArray | None = field(repr=False)
    holes_px: tuple[FloatArray, ...] = field(default=(), repr=False)
    hole_margin_mm: tuple[float, ...] = ()
    within_px: FloatArray | None = field(default=None, repr=False)
    within_margin_mm: float = 0.0


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

    oval = ring(_FACE_OVAL)
    nose = ring(_NOSE)

    def region(
        name: str, outline: FloatArray, holes: Sequence[tuple[FloatArray, float]]
    ) -> RegionShape:
        return RegionShape(
            name,
            outline,
            tuple(h for h, _ in holes),
            tuple(m for _, m in holes),
            within_px=oval,
            within_margin_mm=FACE_EDGE_MARGIN_MM,
        )

    def eye(eye_ring: Sequence[int], brow_ring: Sequence[int]) -> FloatArray:
        # The eye, its upper lid and lid fold up to the brow: one convex piece.
        points = np.concatenate([ring(eye_ring), ring(brow_ring)])
        hull = cv2.convexHull(points.astype(np.float32)).reshape(-1, 2)
        return np.asarray(hull, np.float32)

    brow_r, brow_l = ring(_BROW_RIGHT), ring(_BROW_LEFT)
    eye_r, eye_l = eye(_EYE_RIGHT, _BROW_RIGHT), eye(_EYE_LEFT, _BROW_LEFT)
    lips = ring(_LIPS)
    return (
        region("forehead", ring(_FOREHEAD), [(brow_r, _BROW_MARGIN_MM), (brow_l, _BROW_MARGIN_MM)]),
        region(
            "periorbital_left",
            ring(_PERIORBITAL_LEFT),
            [(eye_l, _LID_MARGIN_MM), (brow_l, _BROW_MARGIN_MM), (nose, _NOSE_MARGIN_MM)],
        ),
        region(
            "periorbital_right",
            ring(_PERIORBITAL_RIGHT),
            [(eye_r, _LID_MARGIN_MM), (brow_r, _BROW_MARGIN_MM), (nose, _NOSE_MARGIN_MM)],
        ),
        region("perioral", ring(_PERIORAL), [(lips, _LIP_MARGIN_MM), (nose, _NOSE_MARGIN_MM)]),
        region(
            "cheek_left",
            ring(_CHEEK_LEFT),
            [(ring(_PERIORAL), 0.0), (nose, _NOSE_MARGIN_MM), (eye_l, _LID_MARGIN_MM)],
        ),
        region(
            "cheek_right",
            ring(_CHEEK_RIGHT),
            [(ring(_PERIORAL), 0.0), (nose, _NOSE_MARGIN_MM), (eye_r, _LID_MARGIN_MM)],
        ),
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
    region: RegionShape,
    size_hw: tuple[int, int],
    *,
    scale: float,
    px_per_mm: float,
    origin: tuple[int, int] = (0, 0),
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
    origin : tuple of int, optional
        ``(x, y)`` of the mask's top-left pixel in the analysed image: the mask covers only that
        part of it (the regions' bounding box), so no pass runs over the whole frame.

    Returns
    -------
    ndarray of bool, shape (height, width)
    """
    h, w = size_hw
    if region.outline_px is None:
        return np.ones((h, w), dtype=bool)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [_points(region.outline_px, scale, origin)], 1)
    if region.within_px is not None:
        within = np.zeros((h, w), np.uint8)
        outline = _points(region.within_px, scale, origin)
        cv2.fillPoly(within, [outline], 1)
        radius = round(region.within_margin_mm * px_per_mm)
        if radius > 0:
            # A stroke 2r+1 wide along the outline takes r pixels off its inside (an erosion by a
            # disc, without a morphology pass over the frame).
            cv2.polylines(within, [outline], True, 0, 2 * radius + 1, cv2.LINE_8)
        mask &= within
    margins = region.hole_margin_mm or (0.0,) * len(region.holes_px)
    for hole, margin_mm in zip(region.holes_px, margins, strict=True):
        points = _points(hole, scale, origin)
        cv2.fillPoly(mask, [points], 0)
        radius = round(margin_mm * px_per_mm)
        if radius > 0:
            cv2.polylines(mask, [points], True, 0, 2 * radius + 1, cv2.LINE_8)
    return mask.astype(bool)


def _points(
    polygon: FloatArray, scale: float, origin: tuple[int, int] = (0, 0)
) -> NDArray[np.int32]:
    shifted = np.round(polygon * scale) - np.asarray(origin, np.float32)
    return np.asarray(shifted, dtype=np.int32).reshape(-1, 1, 2)


#: Beyond any CIELAB or angle value: an open end of a range test.
_BIG = float(np.finfo(np.float32).max)


def _above(value: float) -> float:
    """The least float32 above ``value``: ``x > value`` is ``x >= _above(value)`` for float32
    ``x`` (bounds of :func:`cv2.inRange` are inclusive)."""
    return float(np.nextafter(np.float32(value), np.float32(np.inf)))


def _below(value: float) -> float:
    """The greatest float32 below ``value``: ``x < value`` is ``x <= _below(value)``."""
    return float(np.nextafter(np.float32(value), np.float32(-np.inf)))


def skin_mask(
    lab: FloatArray,
    *,
    px_per_mm: float,
    l_star_range: tuple[float, float] = (20.0, 97.0),
    min_chroma: float = 6.0,
    hue_range_deg: tuple[float, float] = (5.0, 100.0),
    close_mm: float = 1.5,
    min_patch_mm2: float = 25.0,
    a_b: tuple[FloatArray, FloatArray] | None = None,
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
    a_b : tuple of ndarray, optional
        a* and b* of ``lab`` as contiguous images, if already copied out.

    Returns
    -------
    ndarray of bool, shape (H, W)
    """
    # a* and b* copied out once (OpenCV would copy each strided channel for each call).
    a_star, b_star = a_b if a_b is not None else _channels_a_b(lab)
    chroma = cv2.magnitude(a_star, b_star)
    hue = cv2.phase(a_star, b_star, angleInDegrees=True)  # 0..360
    if not (hue_range_deg[0] >= 0.0 and hue_range_deg[1] <= 180.0):
        # Hues above 180° are read as negative; inside [0°, 180°] that changes no test.
        hue = np.where(hue > 180.0, hue - 360.0, hue)
    # Each test in one OpenCV pass (0 or 255): strict bounds as the next float32 inside.
    low = (_above(l_star_range[0]), -_BIG, -_BIG)
    mask = cv2.inRange(lab, low, (_below(l_star_range[1]), _BIG, _BIG))
    cv2.bitwise_and(mask, cv2.inRange(chroma, _above(min_chroma), _BIG), mask)
    hue_ok = cv2.inRange(hue, _above(hue_range_deg[0]), _below(hue_range_deg[1]))
    cv2.bitwise_and(mask, hue_ok, mask)
    radius = max(round(close_mm * px_per_mm / 2), 1)
    return _closed_patches(mask, radius, min_patch_mm2 * px_per_mm * px_per_mm)


def _closed_patches(mask: NDArray[np.uint8], radius: int, min_area: float) -> BoolArray:
    """``mask`` (0 or 255) closed, then opened, with a disc of ``radius``, without its patches
    smaller than ``min_area`` pixels (8-connected), as a bool mask.

    Only the part of the frame within reach of a 0 pixel can change: the closing and the opening
    move a 0 by at most 2 × ``radius``, so outside the 0 pixels' box with a margin of
    3 × ``radius`` + 2 every pixel stays 255, and the box is filtered alone (its outside counts
    as outside the frame, which no erosion or dilation of a pixel that is 255 there can tell
    from 255). A patch that reaches an inner side of the box is joined to the skin around the
    box, which is kept when each of its pieces is at least ``min_area`` (otherwise the whole
    frame is filtered). The same pixels as filtering the whole frame: the phantom's frame is
    skin but for its grey card, which is all the filters then see.
    """
    h, w = mask.shape
    zx, zy, zw, zh = cv2.boundingRect(cv2.bitwise_not(mask))
    if zw == 0:  # no 0 pixel: nothing to close or open, one patch
        return np.full((h, w), h * w >= min_area, dtype=bool)
    margin = 3 * radius + 2
    x0, y0 = max(zx - margin, 0), max(zy - margin, 0)
    x1, y1 = min(zx + zw + margin, w), min(zy + zh + margin, h)
    if not _pieces_large_enough((x0, y0, x1, y1), (h, w), min_area):
        x0, y0, x1, y1 = 0, 0, w, h
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    part = np.ascontiguousarray(mask[y0:y1, x0:x1])
    part = cv2.morphologyEx(part, cv2.MORPH_CLOSE, kernel)
    part = cv2.morphologyEx(part, cv2.MORPH_OPEN, kernel)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(part, 8)
    keep = np.zeros(count, dtype=bool)
    keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= min_area
    # Patches on an inner side of the box belong to the skin around it.
    sides = [labels[0], labels[-1], labels[:, 0], labels[:, -1]]
    for side, inner in zip(sides, (y0 > 0, y1 < h, x0 > 0, x1 < w), strict=True):
        if inner:
            keep[side] = True
    keep[0] = False
    out = np.ones((h, w), dtype=bool)
    if keep[1:].all():  # no patch to drop: the mask itself
        out[y0:y1, x0:x1] = part != 0
    else:
        out[y0:y1, x0:x1] = keep[labels]
    return out


def _pieces_large_enough(
    box: tuple[int, int, int, int], shape: tuple[int, int], min_area: float
) -> bool:
    """Whether each connected piece of the frame outside ``box`` (x0, y0, x1, y1) has at least
    ``min_area`` pixels (True when nothing is outside it)."""
    x0, y0, x1, y1 = box
    h, w = shape
    top, bottom = y0 * w, (h - y1) * w
    left, right = (y1 - y0) * x0, (y1 - y0) * (w - x1)
    if x0 == 0 and x1 == w:  # the box spans the width: above and below are apart
        pieces = [top, bottom]
    elif y0 == 0 and y1 == h:  # it spans the height: left and right are apart
        pieces = [left, right]
    else:  # one ring (or part of one) around the box
        pieces = [top + bottom + left + right]
    return all(p >= min_area for p in pieces if p > 0)


@dataclass(frozen=True, slots=True)
class SkinModel:
    """The colour of this photo's own skin: robust centre and spread in CIELAB.

    Attributes
    ----------
    lab : tuple of float
        Median L*, a*, b* of the reference skin.
    sigma : tuple of float
        Robust standard deviations (1.4826·MAD) of L*, a*, b* [3].
    source : str
        ``"cheeks"`` (central cheek skin of a face) or ``"region"`` (the regions' own skin-coloured
        pixels, for drawn regions and the whole frame).
    """

    lab: tuple[float, float, float]
    sigma: tuple[float, float, float]
    source: str


#: Darkest accepted skin, as a fraction of the reference L*: hair is 40-60 % darker than the skin
#: it grows from, the shadow of a fringe 25-35 %; spots, lines and pores 5-20 % (darker lesions
#: come back as filled holes).
_MIN_L_FRACTION = 0.62
_SIGMA_K = 4.0
#: Non-skin holes smaller than this and compact are lesions, not hair or background: kept.
_MAX_LESION_HOLE_MM2 = 40.0
_MAX_HOLE_ELONGATION = 3.0
#: Holes mostly darker than this fraction of the skin's L* are hair, not lesions.
_HAIR_L_FRACTION = 0.5


def skin_model(lab: FloatArray, reference: BoolArray, *, source: str) -> SkinModel | None:
    """Robust colour statistics of the ``reference`` pixels (None when fewer than 200).

    Parameters
    ----------
    lab : ndarray, shape (H, W, 3), float32
    reference : ndarray of bool, shape (H, W)
        Pixels known to be skin (central cheeks, or the generic skin mask of a region).
    source : str
        Recorded in the model.

    Returns
    -------
    SkinModel or None
    """
    if lab.flags.c_contiguous and reference.shape == lab.shape[:2]:
        # Only the pixels kept are gathered (a regular subsample of a large reference), not
        # every reference pixel first: the same values, without an image-sized copy.
        index = np.flatnonzero(reference)
        if index.size < 200:
            return None
        if index.size > 200_000:
            index = index[:: index.size // 100_000]
        values = lab.reshape(-1, lab.shape[-1])[index]
    else:
        values = lab[reference]
        if values.shape[0] < 200:
            return None
        if values.shape[0] > 200_000:
            values = values[:: values.shape[0] // 100_000]
    median = np.median(values, axis=0)
    mad = np.median(np.abs(values - median), axis=0) * 1.4826
    return SkinModel(
        lab=(float(median[0]), float(median[1]), float(median[2])),
        sigma=(float(mad[0]), float(mad[1]), float(mad[2])),
        source=source,
    )


def model_skin_mask(
    lab: FloatArray,
    model: SkinModel,
    *,
    px_per_mm: float,
    within: BoolArray | None = None,
    smooth_mm: float = 0.25,
    max_hole_mm2: float = _MAX_LESION_HOLE_MM2,
    a_b: tuple[FloatArray, FloatArray] | None = None,
) -> BoolArray:
    """Pixels whose colour is this photo's skin, lesions included.

    A pixel is skin when its L* is above 72 % of the reference's and within
    4σ + 15 of it above, its b* within 4σ (at least 7) and its a* within 4σ (at least 5) below
    and 4σ + 15 above (red skin is skin) [3]. Lightness is judged relative to the skin's own,
    so that the same rule holds from very light to dark skin. Non-skin holes that are compact
    (axis ratio ≤ 3), smaller than ``max_hole_mm2`` and mostly lighter than half the skin's L*
    are put back: dark spots and specular highlights lie inside skin; hair strands are long and
    thin or very dark, and the hairline, the brows and the background are large.

    Parameters
    ----------
    lab : ndarray, shape (H, W, 3), float32
    model : SkinModel
    px_per_mm : float
    within : ndarray of bool, optional
        Only these pixels can be skin (e.g. the generic skin test inside the regions); the holes
        are filled after this is applied.
    smooth_mm : float, optional
        Gaussian smoothing of a* and b* before the test, against chroma noise.
    max_hole_mm2 : float, optional
    a_b : tuple of ndarray, optional
        a* and b* of ``lab`` as contiguous images, if already copied out.

    Returns
    -------
    ndarray of bool, shape (H, W)
    """
    sigma = max(smooth_mm * px_per_mm, 0.5)
    l0, a0, b0 = model.lab
    sl, sa, sb = (max(s, 0.5) for s in model.sigma)
    a_tol = max(_SIGMA_K * sa, 5.0)
    b_tol = max(_SIGMA_K * sb, 7.0)
    # Lightness unsmoothed: a hair strand a few pixels wide must not be blurred into the skin.
    # a* and b* are smoothed one by one (the same numbers as smoothing the Lab image, which
    # would smooth L* too), and each test is one OpenCV pass (0 or 255) with the bounds numpy
    # would use (float32).
    f32 = np.float32
    low_l = float(f32(min(_MIN_L_FRACTION * l0, l0 - _SIGMA_K * sl)))
    high_l = float(f32(l0 + _SIGMA_K * sl + 15.0))
    ok = cv2.inRange(lab, (low_l, -_BIG, -_BIG), (high_l, _BIG, _BIG))
    smooth = np.empty(lab.shape[:2], np.float32)
    for channel, centre, low, high in zip(
        a_b if a_b is not None else _channels_a_b(lab),
        (a0, b0),
        (-a_tol, -b_tol),
        (a_tol + 15.0, b_tol),
        strict=True,
    ):
        cv2.GaussianBlur(channel, (0, 0), sigma, smooth)
        # (smoothed − centre) in float32, as numpy computes it, then its range.
        offset = np.subtract(smooth, f32(centre), out=smooth)
        cv2.bitwise_and(ok, cv2.inRange(offset, float(f32(low)), float(f32(high))), ok)
    if within is not None:
        cv2.bitwise_and(ok, within.view(np.uint8), ok)
    return _fill_lesion_holes(
        ok.view(bool) if within is not None else ok != 0,
        lab,
        f32(_HAIR_L_FRACTION * l0),
        px_per_mm=px_per_mm,
        max_hole_mm2=max_hole_mm2,
    )


def _channels_a_b(lab: FloatArray) -> tuple[FloatArray, FloatArray]:
    """a* and b* of ``lab``, each copied out into a contiguous image."""
    contiguous = np.ascontiguousarray(lab)
    a_star = np.asarray(cv2.extractChannel(contiguous, 1), np.float32)
    b_star = np.asarray(cv2.extractChannel(contiguous, 2), np.float32)
    return a_star, b_star


def _fill_lesion_holes(
    mask: BoolArray,
    lab: FloatArray,
    hair_l: np.float32,
    *,
    px_per_mm: float,
    max_hole_mm2: float,
) -> BoolArray:
    """``mask`` with its small compact holes filled, unless most of a hole's pixels are darker
    than ``hair_l`` (L* of ``lab``).

    The holes are labelled inside their own bounding box (on the phantom, its grey card), not
    over the whole frame: the same components."""
    found = content_box((~mask).view(np.uint8))
    if found is None:
        return mask
    holes, part, whole = found
    y0, x0 = part[0].start, part[1].start
    count, labels, stats, _ = cv2.connectedComponentsWithStats(holes, connectivity=8)
    if count <= 1:
        return mask
    area = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    bw = stats[:, cv2.CC_STAT_WIDTH].astype(np.float64)
    bh = stats[:, cv2.CC_STAT_HEIGHT].astype(np.float64)
    left = stats[:, cv2.CC_STAT_LEFT] + x0
    top = stats[:, cv2.CC_STAT_TOP] + y0
    h, w = mask.shape
    touches = (left == 0) | (top == 0) | (left + bw >= w) | (top + bh >= h)
    small = (area <= max_hole_mm2 * px_per_mm * px_per_mm) & ~touches
    small[0] = False
    if not small.any():
        return mask
    # Compactness from the bounding box and the fill: a thin strand fills little of its box,
    # whatever its direction, or has a long box.
    box_ratio = np.maximum(bw, bh) / np.maximum(np.minimum(bw, bh), 1.0)
    fill = area / np.maximum(bw * bh, 1.0)
    compact = (box_ratio <= _MAX_HOLE_ELONGATION) & (fill >= 0.35)
    # Cut-off bits of hair are compact too, but far darker than any lesion.
    # Counted over the holes' own pixels only (they are few beside the skin).
    pixels = np.flatnonzero(holes)
    hole = labels.ravel()[pixels]
    l_star = lab.reshape(-1, lab.shape[-1])[:, 0] if whole else lab[part][..., 0].ravel()
    light = l_star[pixels] >= hair_l
    # (At least 1: in a box full of holes the non-hole label 0 has no pixel.)
    light_share = np.bincount(hole, weights=light, minlength=count) / np.maximum(area, 1.0)
    refill = small & compact & (light_share >= 0.5)
    out = mask.copy()
    if whole:
        out.ravel()[pixels[refill[hole]]] = True
    else:
        filled = np.zeros(holes.shape, bool)
        filled.ravel()[pixels[refill[hole]]] = True
        out[part] |= filled
    return out
