"""Compare two photos of the same patient and area: align, normalise colour, measure the change.

Each photo is measured exactly as :func:`resurface.imaging.analysis.analyze` measures it: from its
own pixels at its own geometry, never resampled onto the other, so that the same skin gives the
same numbers (resampling blurs the edges of lashes, lids and lines and changes what is found).
Face regions are drawn from the mean of the two photos' face meshes (each photo's own when the
meshes disagree by far more than their own error). The after photo is related to the before photo
by a similarity transform (rotation, uniform scale, shift) estimated from face-mesh landmarks and
refined on the face's pixels (ECC [3]), or from ORB feature matches with RANSAC when the photo is
not a face [1, 2]; it is used only to map regions from one photo to the other, to match colour
on the backdrop, and to draw the after overlay in the before photo's frame. Colour is
normalised per photo from a grey card when one is in the frame; without cards, the after photo's
white balance and exposure are matched to the before photo on the pixels that are not skin
(backdrop, clothing), which the treatment does not change.

References
----------
.. [1] Rublee E, Rabaud V, Konolige K, Bradski G. ORB: an efficient alternative to SIFT or SURF.
       ICCV 2011:2564-2571.
.. [2] Fischler MA, Bolles RC. Random sample consensus. Commun ACM 1981;24:381-395.
.. [3] Evangelidis GD, Psarakis EZ. Parametric image alignment using enhanced correlation
       coefficient maximization. IEEE Trans Pattern Anal Mach Intell 2008;30:1858-1865.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.analysis import (
    DEFAULT_ANALYSIS_PX_PER_MM,
    Frame,
    PhotoAnalysis,
    RegionMetrics,
    RegionSpec,
    measure_frame,
    prepare_frame,
    rescaled_frame,
)
from resurface.imaging.calibration import (
    NO_CALIBRATION,
    Calibration,
    apply_calibration,
    calibrate_from_grey_card,
)
from resurface.imaging.colour import lab_from_linear, linear_from_srgb8
from resurface.imaging.errors import EmptyRegion
from resurface.imaging.regions import RegionShape, face_regions, skin_mask

__all__ = ["Comparison", "RegionChange", "align_similarity", "compare"]

FloatArray = NDArray[np.float32]
Value = float | int | str | None

_MIN_INLIERS = 12
_MATCH_MAX_SIDE_PX = 1200
_MIN_SURROUND_FRACTION = 0.02
#: Resolution the backdrop is compared at (three medians need no detail).
_SURROUND_PX_PER_MM = 2.5


@dataclass(frozen=True, slots=True)
class RegionChange:
    """One region before and after.

    Attributes
    ----------
    name : str
    before, after : RegionMetrics
    change : dict
        after − before for numbers; ``"light -> tan"`` style text (or ``"unchanged"``) for the
        ITA° category.
    change_pct : dict
        100 · (after − before) / |before| (None where before is 0 or the metric is a category).
    """

    name: str
    before: RegionMetrics
    after: RegionMetrics
    change: dict[str, Value] = field(default_factory=dict)
    change_pct: dict[str, Value] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Comparison:
    """Two photos measured in the same regions.

    Attributes
    ----------
    before, after : PhotoAnalysis
        Each photo measured in its own frame (as :func:`resurface.imaging.analysis.analyze`).
    regions : tuple of RegionChange
    alignment : str
        ``"landmarks"``, ``"features"`` or ``"none"`` (no reliable match; photos used as taken).
    transform : ndarray, shape (2, 3)
        After analysis pixels -> before analysis pixels.
    colour_normalisation : str
        ``"grey_card"``, ``"surround"`` or ``"none"``.
    light_gains : tuple of float or None
        How much the after photo's light was corrected to match the before photo's (linear RGB
        gains; None when nothing in the frame could tell).
    """

    before: PhotoAnalysis
    after: PhotoAnalysis
    regions: tuple[RegionChange, ...]
    alignment: str
    transform: FloatArray = field(repr=False)
    colour_normalisation: str
    light_gains: tuple[float, float, float] | None = None


def compare(
    before_rgb: NDArray[np.uint8],
    after_rgb: NDArray[np.uint8],
    *,
    region: RegionSpec = "auto",
    px_per_mm: float | None = None,
    after_px_per_mm: float | None = None,
    analysis_px_per_mm: float = DEFAULT_ANALYSIS_PX_PER_MM,
) -> Comparison:
    """Measure two photos of the same area in the same regions and report the change.

    Parameters
    ----------
    before_rgb, after_rgb : ndarray, shape (H, W, 3), uint8
        Upright sRGB photos.
    region : {"auto", "whole"}, RegionShape or sequence of [x, y], optional
        As for :func:`resurface.imaging.analysis.analyze`; a polygon is in before-photo pixels.
    px_per_mm : float, optional
        Scale of the before photo (faces: from the iris when not given).
    after_px_per_mm : float, optional
        Scale of the after photo; defaults to ``px_per_mm``.
    analysis_px_per_mm : float, optional
        Resolution the metrics are computed at.

    Returns
    -------
    Comparison

    Raises
    ------
    NoFaceFound, EmptyRegion
        As :func:`resurface.imaging.analysis.analyze`, for either photo.
    """
    face = isinstance(region, str) and region == "auto"
    before = prepare_frame(
        before_rgb, region=region, px_per_mm=px_per_mm, analysis_px_per_mm=analysis_px_per_mm
    )
    after_scale = after_px_per_mm if after_px_per_mm is not None else px_per_mm
    after = prepare_frame(
        after_rgb,
        region="auto" if face else "whole",
        px_per_mm=after_scale,
        analysis_px_per_mm=analysis_px_per_mm,
    )
    transform, alignment = _transform(before, after, face=face)
    if not face:
        before, after = _shared_region(before, after, transform)
    elif alignment == "landmarks" and before.scale_source == after.scale_source == "iris":
        before, after = _shared_ruler(
            before, before_rgb, after, after_rgb, transform, analysis_px_per_mm
        )
        transform, alignment = _transform(before, after, face=face)
    if face and alignment == "landmarks":
        transform = _registered(before, after, transform)
        before, after = _shared_face_regions(before, after, transform)
    cal_before = calibrate_from_grey_card(before.rgb, px_per_mm=before.work_px_per_mm)
    cal_after = calibrate_from_grey_card(after.rgb, px_per_mm=after.work_px_per_mm)
    normalisation = "grey_card"
    (b0, b1, b2), (a0, a1, a2) = cal_before.gains, cal_after.gains
    light_gains: tuple[float, float, float] | None = (a0 / b0, a1 / b1, a2 / b2)
    if cal_before is NO_CALIBRATION or cal_after is NO_CALIBRATION:
        gains, normalisation = _surround_gains(before, after, transform, cal_before, cal_after)
        (g0, g1, g2), (c0, c1, c2) = gains.gains, cal_after.gains
        cal_after = Calibration(
            method=gains.method, gains=(g0 * c0, g1 * c1, g2 * c2),
            card_box_px=cal_after.card_box_px,
        )  # fmt: skip
        light_gains = gains.gains if normalisation == "surround" else None

    measured_before = measure_frame(before, calibration=cal_before)
    measured_after = measure_frame(after, calibration=cal_after)
    after_by_name = {r.name: r for r in measured_after.regions}
    changes = tuple(
        _change(r.name, r.metrics, after_by_name[r.name].metrics)
        for r in measured_before.regions
        if r.name in after_by_name
    )
    return Comparison(
        before=measured_before,
        after=measured_after,
        regions=changes,
        alignment=alignment,
        transform=transform,
        colour_normalisation=normalisation,
        light_gains=light_gains,
    )


def _shared_region(before: Frame, after: Frame, transform: FloatArray) -> tuple[Frame, Frame]:
    """The drawn region (or the whole frame) cut to what both photos show, in each one's pixels.

    ``transform`` maps after analysis pixels to before analysis pixels; the regions are kept in
    full-resolution pixels of each photo.
    """
    to_before = _full_resolution(transform, before.scale, after.scale)
    to_after = cv2.invertAffineTransform(to_before)
    after_box = _rectangle(after.width, after.height)
    after_in_before = _apply(to_before, after_box)
    shapes_before: list[RegionShape] = []
    shapes_after: list[RegionShape] = []
    for shape in before.shapes:
        outline = shape.outline_px
        if outline is None:
            outline = _rectangle(before.width, before.height)
        shared = _intersect(outline, after_in_before)
        if shared is None:
            raise EmptyRegion(f"the two photos show no common part of region {shape.name!r}")
        shapes_before.append(replace(shape, outline_px=shared))
        shapes_after.append(replace(shape, outline_px=_apply(to_after, shared)))
    return (
        replace(before, shapes=tuple(shapes_before), required=True),
        replace(after, shapes=tuple(shapes_after), required=True),
    )


#: How far (median, mm) the two photos' landmarks may lie apart, after the registration, and both
#: photos still be measured in one set of regions (drawn from the mean of the two meshes). The
#: face mesh alone puts repeat captures of one unmoved face up to 1.4 mm apart (measured, after
#: the registration: 0.3-1.0 mm over ten captures with 0-3 degrees of rotation, 0.95-1.05 zoom,
#: shifts and JPEG 85; 1.4 mm on a 3 % zoom alone), so that is not a change of pose; turning the
#: mesh's own 3-D landmarks by 10 degrees moves the median landmark 1.3-1.5 mm.
SHARED_REGIONS_MM = 1.5
#: From this far apart (median, mm) each photo keeps its own regions: a head turned by roughly
#: twenty degrees (2.2 mm at 15 degrees, by the mesh's own depth), where Results calls the photos
#: not comparable anyway. In between, each photo's regions lie part of
#: the way from the shared ones toward its own, in proportion, so that a near-miss changes the
#: regions by a little, not all at once (at the old single limit of 1 mm, a pair 1.08 mm apart
#: lost its shared regions and its tone moved 18-26 %). This project's choice, from those figures.
OWN_REGIONS_MM = 3.0


def _shared_face_regions(before: Frame, after: Frame, transform: FloatArray) -> tuple[Frame, Frame]:
    """Both face photos measured in one set of regions: drawn from the mean of the two photos'
    landmarks (the after photo's mapped into the before photo by ``transform``) and mapped back
    into the after photo.

    Each photo's own face mesh places a region's edges to within a few pixels, which moved the
    regions' skin area by 2-7 % between repeat captures of the same face, and every metric that
    is a share of the region (density, spot area, tone) with it. With one set of regions both
    photos measure the same skin, each in its own pixels. When the landmarks differ by more than
    the mesh's own error (:data:`SHARED_REGIONS_MM`: the pose changed), each photo's regions move
    toward its own, entirely so from :data:`OWN_REGIONS_MM`.
    """
    if before.landmarks_px is None or after.landmarks_px is None or before.px_per_mm is None:
        return before, after
    to_before = _full_resolution(transform, before.scale, after.scale)
    mapped = _apply(to_before, after.landmarks_px)
    apart_mm = np.linalg.norm(mapped - before.landmarks_px, axis=1) / before.px_per_mm
    own = own_share(float(np.median(apart_mm)))
    if own >= 1.0:
        return before, after
    to_after = cv2.invertAffineTransform(to_before)
    mean = 0.5 * (before.landmarks_px + mapped)
    in_before = mean + np.float32(own) * (before.landmarks_px - mean)
    in_after = mean + np.float32(own) * (mapped - mean)
    return (
        replace(before, shapes=face_regions(in_before)),
        replace(after, shapes=face_regions(_apply(to_after, in_after))),
    )


def own_share(apart_mm: float) -> float:
    """How far (0-1) each photo's regions lie toward its own mesh's, for landmarks ``apart_mm``
    apart (median, mm): 0 up to :data:`SHARED_REGIONS_MM`, 1 from :data:`OWN_REGIONS_MM`."""
    if not np.isfinite(apart_mm):
        return 1.0
    span = OWN_REGIONS_MM - SHARED_REGIONS_MM
    return float(np.clip((apart_mm - SHARED_REGIONS_MM) / span, 0.0, 1.0))


#: The face is registered at this resolution (px/mm): its features (eyes, brows, nostrils, lips)
#: are millimetres wide, and ECC finds their shift to a small fraction of a pixel.
_REGISTER_PX_PER_MM = 3.0
#: A registration that moves the face's landmarks further than this (median, mm) from where the
#: landmark fit puts them has locked on to something else, and the landmark fit is kept.
_REGISTER_MAX_MOVE_MM = 1.5
#: A refinement smaller than this (median, analysed pixels) is no refinement.
_REGISTER_MIN_MOVE_PX = 0.05
#: The after photo is searched this far (mm) around where the landmark fit puts the face.
_REGISTER_MARGIN_MM = 10.0


def _registered(before: Frame, after: Frame, transform: FloatArray) -> FloatArray:
    """The landmark similarity refined on the photos' pixels (enhanced correlation coefficient,
    affine [3]), or ``transform`` itself when that does not converge or moves the face too far.

    The landmark fit is as good as the face mesh, whose landmarks move by 0.3-1 mm between repeat
    captures of one face: the shared regions then land on skin a pixel or two apart in the two
    photos, which moved tone and texture by 2-3 % where the edge of a region crosses a shadow.
    The face's own pixels place it to a small fraction of that. Only the face (and, in the after
    photo, a margin around where the landmark fit puts it) is read, at 3 px/mm.
    """
    if before.landmarks_px is None or after.landmarks_px is None:
        return transform
    face = before.landmarks_px * np.float32(before.scale)
    box_before = _box(face, before.rgb.shape, 0.0)
    to_after = np.vstack([cv2.invertAffineTransform(transform.astype(np.float64)), [0, 0, 1]])
    margin = _REGISTER_MARGIN_MM * after.work_px_per_mm
    box_after = _box(_apply(np.asarray(to_after[:2], np.float32), face), after.rgb.shape, margin)
    if box_before is None or box_after is None:
        return transform
    template, from_template = _grey_crop(before, box_before)
    search, from_search = _grey_crop(after, box_after)
    if min(template.shape) < 16 or min(search.shape) < 16:
        return transform
    # Template pixels -> search pixels: the inverse of ``transform``, in the reduced crops.
    start = np.linalg.inv(from_search) @ to_after @ from_template
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-6)
    try:
        _, warp = cv2.findTransformECC(
            template, search, np.asarray(start[:2], np.float32), cv2.MOTION_AFFINE, criteria,
            None, 5,
        )  # fmt: skip
    except cv2.error:
        return transform
    refined = np.vstack([warp.astype(np.float64), [0.0, 0.0, 1.0]])
    back = (from_search @ refined @ np.linalg.inv(from_template))[:2]  # before -> after px
    moved_px = np.linalg.norm(
        _apply(np.asarray(back, np.float32), face)
        - _apply(np.asarray(to_after[:2], np.float32), face),
        axis=1,
    )
    if not np.isfinite(moved_px).all():
        return transform
    moved = float(np.median(moved_px))
    # Identical photos give identical landmarks and an exact fit, which ECC's filtering would
    # only blur by a few hundredths of a pixel.
    if moved < _REGISTER_MIN_MOVE_PX or moved > _REGISTER_MAX_MOVE_MM * after.work_px_per_mm:
        return transform
    return np.asarray(cv2.invertAffineTransform(back), np.float32)


def _box(
    points: FloatArray, shape: tuple[int, ...], margin: float
) -> tuple[int, int, int, int] | None:
    """``(x0, y0, x1, y1)``: the points' bounding box grown by ``margin`` px, inside ``shape``."""
    x0, y0 = np.floor(points.min(axis=0) - margin).astype(int)
    x1, y1 = np.ceil(points.max(axis=0) + margin).astype(int) + 1
    x0, y0, x1, y1 = (
        max(int(x0), 0),
        max(int(y0), 0),
        min(int(x1), shape[1]),
        min(int(y1), shape[0]),
    )
    return (x0, y0, x1, y1) if x1 > x0 and y1 > y0 else None


def _grey_crop(
    frame: Frame, box: tuple[int, int, int, int]
) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """The grey crop ``box`` of ``frame.rgb`` at about 3 px/mm, and the matrix taking its pixels to
    the frame's analysed pixels (exact pixel centres: area averaging by an exact factor)."""
    x0, y0, x1, y1 = box
    grey = cv2.cvtColor(np.ascontiguousarray(frame.rgb[y0:y1, x0:x1]), cv2.COLOR_RGB2GRAY)
    factor = min(1.0, _REGISTER_PX_PER_MM / frame.work_px_per_mm)
    h, w = grey.shape
    if factor < 1.0:
        size = (max(round(w * factor), 1), max(round(h * factor), 1))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    fx, fy = grey.shape[1] / w, grey.shape[0] / h
    # A reduced pixel u covers full pixels from u/f to (u+1)/f: its centre is (u + 0.5)/f - 0.5.
    to_frame = np.array(
        [[1.0 / fx, 0.0, 0.5 / fx - 0.5 + x0], [0.0, 1.0 / fy, 0.5 / fy - 0.5 + y0], [0, 0, 1.0]]
    )
    return np.asarray(grey, np.float32), to_frame


def _shared_ruler(
    before: Frame,
    before_rgb: NDArray[np.uint8],
    after: Frame,
    after_rgb: NDArray[np.uint8],
    transform: FloatArray,
    analysis_px_per_mm: float,
) -> tuple[Frame, Frame]:
    """Both face photos measured with one ruler: the mean of their two iris scales.

    The iris landmarks of one photo give its scale to about ±1.5 % (measured: 2.6 % between the
    largest and smallest of five repeat captures); lengths move by as much and areas by twice
    that, which would read as a change. The similarity transform fitted to all 478 landmarks
    gives the two photos' relative scale far more precisely, so the irises of both photos are
    averaged in the before photo's pixels and the after photo's scale follows from the
    transform.
    """
    assert before.px_per_mm is not None and after.px_per_mm is not None
    matrix = _full_resolution(transform, before.scale, after.scale)
    ratio = float(np.sqrt(abs(np.linalg.det(matrix[:, :2].astype(np.float64)))))
    if not np.isfinite(ratio) or ratio <= 0:
        return before, after
    shared = 0.5 * (before.px_per_mm + after.px_per_mm * ratio)
    return (
        rescaled_frame(before, before_rgb, shared, analysis_px_per_mm=analysis_px_per_mm),
        rescaled_frame(after, after_rgb, shared / ratio, analysis_px_per_mm=analysis_px_per_mm),
    )


def _full_resolution(transform: FloatArray, before_scale: float, after_scale: float) -> FloatArray:
    matrix = np.vstack([transform.astype(np.float64), [0.0, 0.0, 1.0]])
    shrink_after = np.diag([after_scale, after_scale, 1.0])
    grow_before = np.diag([1.0 / before_scale, 1.0 / before_scale, 1.0])
    return np.asarray((grow_before @ matrix @ shrink_after)[:2], np.float32)


def _rectangle(width: int, height: int) -> FloatArray:
    return np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)


def _apply(matrix: FloatArray, points: FloatArray) -> FloatArray:
    return np.asarray(points @ matrix[:, :2].T + matrix[:, 2], np.float32)


def _intersect(polygon: FloatArray, convex: FloatArray) -> FloatArray | None:
    """``polygon`` clipped to the convex quadrilateral ``convex`` (None when they do not meet)."""
    if cv2.isContourConvex(polygon.reshape(-1, 1, 2)):
        area, shared = cv2.intersectConvexConvex(polygon, convex)
        if area <= 0 or shared is None:
            return None
        return np.asarray(shared.reshape(-1, 2), np.float32)
    # A concave drawn polygon: clip it to each edge of the convex quadrilateral (Sutherland-
    # Hodgman), which keeps its shape.
    points: list[tuple[float, float]] = [(float(x), float(y)) for x, y in polygon.tolist()]
    corners = [(float(x), float(y)) for x, y in convex.tolist()]
    orientation = 1.0 if _signed_area(convex) >= 0 else -1.0
    for start, end in zip(corners, corners[1:] + corners[:1], strict=True):
        points = _clip_to_edge(points, start, end, orientation)
        if len(points) < 3:
            return None
    return np.asarray(points, np.float32)


Point = tuple[float, float]


def _clip_to_edge(points: list[Point], start: Point, end: Point, orientation: float) -> list[Point]:
    ex, ey = end[0] - start[0], end[1] - start[1]

    def side(p: Point) -> float:
        return orientation * (ex * (p[1] - start[1]) - ey * (p[0] - start[0]))

    def crossing(p: Point, q: Point) -> Point:
        sp, sq = side(p), side(q)
        t = sp / (sp - sq)
        return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))

    clipped: list[Point] = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if side(current) >= 0:
            if side(previous) < 0:
                clipped.append(crossing(previous, current))
            clipped.append(current)
        elif side(previous) >= 0:
            clipped.append(crossing(previous, current))
    return clipped


def _signed_area(points: FloatArray) -> float:
    x, y = points[:, 0].astype(np.float64), points[:, 1].astype(np.float64)
    return float(0.5 * (np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))


def _transform(before: Frame, after: Frame, *, face: bool) -> tuple[FloatArray, str]:
    if face and before.landmarks_px is not None and after.landmarks_px is not None:
        source = after.landmarks_px * after.scale
        target = before.landmarks_px * before.scale
        matrix, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.LMEDS)
        if matrix is not None:
            return matrix.astype(np.float32), "landmarks"
    matrix = align_similarity(before.rgb, after.rgb)
    if matrix is not None:
        return matrix, "features"
    identity = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    if after.rgb.shape[:2] != before.rgb.shape[:2]:
        identity[0, 0] = before.rgb.shape[1] / after.rgb.shape[1]
        identity[1, 1] = before.rgb.shape[0] / after.rgb.shape[0]
    return identity, "none"


def align_similarity(
    reference: NDArray[np.uint8],
    moving: NDArray[np.uint8],
    *,
    max_side_px: int = _MATCH_MAX_SIDE_PX,
) -> FloatArray | None:
    """Similarity transform taking ``moving`` pixels onto ``reference`` pixels, or None.

    ORB features are matched (cross-checked Hamming distance) on images shrunk to ``max_side_px``
    and a rotation-scale-shift is fitted with RANSAC [1, 2]. None when fewer than 12 matches
    agree.
    """
    f_ref = min(1.0, max_side_px / max(reference.shape[:2]))
    f_mov = min(1.0, max_side_px / max(moving.shape[:2]))
    grey_ref = _grey(reference, f_ref)
    grey_mov = _grey(moving, f_mov)
    orb = cv2.ORB_create(nfeatures=4000, fastThreshold=5)
    kp_ref, des_ref = orb.detectAndCompute(grey_ref, None)
    kp_mov, des_mov = orb.detectAndCompute(grey_mov, None)
    if des_ref is None or des_mov is None or len(kp_ref) < _MIN_INLIERS:
        return None
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(des_mov, des_ref)
    if len(matches) < _MIN_INLIERS:
        return None
    src = np.array([kp_mov[m.queryIdx].pt for m in matches], np.float32) / f_mov
    dst = np.array([kp_ref[m.trainIdx].pt for m in matches], np.float32) / f_ref
    matrix, inliers = cv2.estimateAffinePartial2D(
        src, dst, method=cv2.RANSAC, ransacReprojThreshold=3.0 / f_ref, maxIters=4000
    )
    if matrix is None or inliers is None or int(inliers.sum()) < _MIN_INLIERS:
        return None
    return np.asarray(matrix, np.float32)


def _grey(rgb: NDArray[np.uint8], factor: float) -> NDArray[np.uint8]:
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if factor < 1.0:
        size = (round(grey.shape[1] * factor), round(grey.shape[0] * factor))
        grey = cv2.resize(grey, size, interpolation=cv2.INTER_AREA)
    # Skin has little contrast; equalising it locally gives the detector corners to find.
    clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))
    return np.asarray(clahe.apply(grey), np.uint8)


def _surround_gains(
    before: Frame,
    after: Frame,
    transform: FloatArray,
    cal_before: Calibration,
    cal_after: Calibration,
) -> tuple[Calibration, str]:
    """Gains that match the after photo's backdrop (the pixels that are skin in neither photo)
    to the before photo's.

    Three medians need no detail: both photos are reduced to 2.5 px/mm, and only there is the
    after photo resampled onto the before photo.
    """
    small_before, f_before = _reduced(before.rgb, _SURROUND_PX_PER_MM / before.work_px_per_mm)
    small_after, f_after = _reduced(after.rgb, _SURROUND_PX_PER_MM / after.work_px_per_mm)
    linear_before = apply_calibration(linear_from_srgb8(small_before), cal_before)
    linear_after = apply_calibration(linear_from_srgb8(small_after), cal_after)
    matrix = np.vstack([transform.astype(np.float64), [0.0, 0.0, 1.0]])
    small = np.diag([f_before, f_before, 1.0]) @ matrix @ np.diag([1 / f_after, 1 / f_after, 1.0])
    hb, wb = linear_before.shape[:2]
    warped = cv2.warpAffine(
        linear_after, small[:2], (wb, hb), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )  # fmt: skip
    covered = cv2.warpAffine(
        np.full(linear_after.shape[:2], 255, np.uint8), small[:2], (wb, hb),
        flags=cv2.INTER_NEAREST,
    )  # fmt: skip
    valid = cv2.erode(covered, np.ones((3, 3), np.uint8)) > 0
    ppmm = before.work_px_per_mm * f_before
    skin = skin_mask(lab_from_linear(linear_before), px_per_mm=ppmm) | skin_mask(
        lab_from_linear(warped), px_per_mm=ppmm
    )
    # Neither too dark (noise) nor clipped in either photo: their ratio is the light's change.
    usable = (np.minimum(linear_before, warped).min(axis=2) > 0.01) & (
        np.maximum(linear_before, warped).max(axis=2) < 0.97
    )
    surround = valid & ~skin & usable
    if np.count_nonzero(surround) < _MIN_SURROUND_FRACTION * surround.size:
        return NO_CALIBRATION, "none"
    # The median of each pixel's own ratio: the same backdrop point in both photos, so a
    # different share of backdrop in the frame (a zoom, a shift) does not bias it, as a ratio
    # of the two photos' medians would (measured: up to 3 % per channel, 0.8 a*).
    log_ratio = np.log(linear_before[surround]) - np.log(warped[surround])
    ratio = np.exp(np.median(log_ratio, axis=0))
    gains = (float(ratio[0]), float(ratio[1]), float(ratio[2]))
    return Calibration(method="surround", gains=gains), "surround"


def _reduced(rgb: NDArray[np.uint8], factor: float) -> tuple[NDArray[np.uint8], float]:
    """``rgb`` reduced by area averaging to ``factor`` of its size (never enlarged)."""
    if factor >= 1.0:
        return rgb, 1.0
    size = (max(round(rgb.shape[1] * factor), 1), max(round(rgb.shape[0] * factor), 1))
    return np.asarray(cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)), size[0] / rgb.shape[1]


def _change(name: str, before: RegionMetrics, after: RegionMetrics) -> RegionChange:
    change: dict[str, Value] = {}
    change_pct: dict[str, Value] = {}
    b_values, a_values = before.as_dict(), after.as_dict()
    for key, b in b_values.items():
        a = a_values[key]
        if isinstance(b, str) or isinstance(a, str):
            change[key] = "unchanged" if a == b else f"{b} -> {a}"
            change_pct[key] = None
            continue
        change[key] = a - b
        change_pct[key] = 100.0 * (a - b) / abs(b) if b != 0 else None
    return RegionChange(name=name, before=before, after=after, change=change, change_pct=change_pct)
