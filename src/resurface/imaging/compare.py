"""Compare two photos of the same patient and area: align, normalise colour, measure the change.

The after photo is mapped onto the before photo with a similarity transform (rotation, uniform
scale, shift) estimated from face-mesh landmarks, or from ORB feature matches with RANSAC when the
photo is not a face [1, 2]. Both are then measured inside the same region masks, over the pixels
both photos cover. Colour is normalised per photo from a grey card when one is in the frame;
without cards, the after photo's white balance and exposure are matched to the before photo on
the pixels that are not skin (backdrop, clothing), which the treatment does not change.

References
----------
.. [1] Rublee E, Rabaud V, Konolige K, Bradski G. ORB: an efficient alternative to SIFT or SURF.
       ICCV 2011:2564-2571.
.. [2] Fischler MA, Bolles RC. Random sample consensus. Commun ACM 1981;24:381-395.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
)
from resurface.imaging.calibration import (
    NO_CALIBRATION,
    Calibration,
    apply_calibration,
    calibrate_from_grey_card,
)
from resurface.imaging.colour import lab_from_linear, linear_from_srgb8
from resurface.imaging.regions import skin_mask

__all__ = ["Comparison", "RegionChange", "align_similarity", "compare"]

FloatArray = NDArray[np.float32]
Value = float | int | str | None

_MIN_INLIERS = 12
_MATCH_MAX_SIDE_PX = 1200
_MIN_SURROUND_FRACTION = 0.02


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
        The after analysis is in the before photo's frame (its maps show the aligned photo).
    regions : tuple of RegionChange
    alignment : str
        ``"landmarks"``, ``"features"`` or ``"none"`` (no reliable match; photos used as taken).
    transform : ndarray, shape (2, 3)
        After analysis pixels -> before analysis pixels.
    colour_normalisation : str
        ``"grey_card"``, ``"surround"`` or ``"none"``.
    """

    before: PhotoAnalysis
    after: PhotoAnalysis
    regions: tuple[RegionChange, ...]
    alignment: str
    transform: FloatArray = field(repr=False)
    colour_normalisation: str


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
    hb, wb = before.rgb.shape[:2]
    warped = cv2.warpAffine(
        after.rgb, transform, (wb, hb), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    covered = cv2.warpAffine(
        np.full(after.rgb.shape[:2], 255, np.uint8), transform, (wb, hb), flags=cv2.INTER_NEAREST
    )
    valid = cv2.erode(covered, np.ones((5, 5), np.uint8)) > 0

    linear_before = linear_from_srgb8(before.rgb)
    linear_after = linear_from_srgb8(warped)
    ppmm = before.work_px_per_mm
    cal_before = calibrate_from_grey_card(linear_before, px_per_mm=ppmm)
    cal_after = calibrate_from_grey_card(linear_after, px_per_mm=ppmm)
    linear_before = apply_calibration(linear_before, cal_before)
    linear_after = apply_calibration(linear_after, cal_after)
    normalisation = "grey_card"
    if cal_before is NO_CALIBRATION or cal_after is NO_CALIBRATION:
        cal_after, normalisation = _surround_gains(linear_before, linear_after, valid, ppmm)
        linear_after = apply_calibration(linear_after, cal_after)

    measured_before = measure_frame(before, linear_before, calibration=cal_before, valid=valid)
    measured_after = measure_frame(
        before, linear_after, calibration=cal_after, valid=valid, display_rgb=warped
    )
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
    )


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
    before: FloatArray, after: FloatArray, valid: NDArray[np.bool_], ppmm: float
) -> tuple[Calibration, str]:
    skin = skin_mask(lab_from_linear(before), px_per_mm=ppmm) | skin_mask(
        lab_from_linear(after), px_per_mm=ppmm
    )
    surround = valid & ~skin
    if np.count_nonzero(surround) < _MIN_SURROUND_FRACTION * surround.size:
        return NO_CALIBRATION, "none"
    ratio = np.median(before[surround], axis=0) / np.maximum(
        np.median(after[surround], axis=0), 1e-4
    )
    gains = (float(ratio[0]), float(ratio[1]), float(ratio[2]))
    return Calibration(method="surround", gains=gains), "surround"


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
