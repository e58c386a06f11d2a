"""Analyse a photo: per-region redness, pigmentation, wrinkles, texture and tone.

The photo is resampled to a fixed analysis resolution in pixels per millimetre (10 px/mm by
default, enough for lines 0.25 mm wide), so a 12-megapixel close-up costs no more than a 3-megapixel
one and every filter has a size in millimetres. Colour is calibrated from a grey card when one is
in the frame, converted to CIELAB (D65), and measured inside each region's skin pixels.

When no scale is known (not a face, no ``px_per_mm``), filters assume the image is at the analysis
resolution and lengths and areas are reported in pixels of the original photo
(``length_unit == "px"``).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.calibration import (
    NO_CALIBRATION,
    Calibration,
    calibrate_from_grey_card,
    calibrated_linear,
)
from resurface.imaging.colour import (
    erythema_index_map,
    ita_category,
    ita_deg,
    lab_from_linear,
)
from resurface.imaging.errors import EmptyRegion
from resurface.imaging.landmarks import Pose, detect_face_mesh, face_pose
from resurface.imaging.pigmentation import SpotMap, detect_spots, skin_reference
from resurface.imaging.redness import DEFAULT_RED_A_STAR_MIN, red_mask
from resurface.imaging.regions import (
    RegionShape,
    SkinModel,
    face_regions,
    model_skin_mask,
    polygon_region,
    rasterize,
    skin_mask,
    skin_model,
    whole_region,
)
from resurface.imaging.scale import px_per_mm_from_iris
from resurface.imaging.texture import band_pass, mean64, std64, tone_map
from resurface.imaging.wrinkles import wrinkle_map

__all__ = [
    "ANALYSIS_VERSION",
    "DEFAULT_ANALYSIS_PX_PER_MM",
    "METRIC_NAMES",
    "AnalysisMaps",
    "Frame",
    "PhotoAnalysis",
    "RegionMetrics",
    "RegionResult",
    "RegionSpec",
    "analyze",
    "measure_frame",
    "prepare_frame",
    "regions_box",
    "rescaled_frame",
]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]
RegionSpec = Literal["auto", "whole"] | RegionShape | Sequence[Sequence[float]]

#: The version of the measuring method. Stored measurements and comparisons are kept under it:
#: raise it when a change to imaging/ changes the numbers, and stored comparisons of the earlier
#: version are computed again by the background jobs.
ANALYSIS_VERSION = "2026.12.8"

#: Analysis resolution: lines 0.25 mm wide are 2.5 px wide, the smallest a Hessian resolves well.
DEFAULT_ANALYSIS_PX_PER_MM = 10.0
#: Longest side of the analysed image when no scale is known.
DEFAULT_MAX_SIDE_PX = 3000
_MIN_REGION_MM2 = 4.0
_MIN_SIDE_PX = 16
#: The skin model is taken this far inside the cheek regions.
_CHEEK_CORE_MM = 3.0
#: Spots and lines are sought this far (mm) inside the measured skin.
_FEATURE_EDGE_MM = 1.0
_LINE_EDGE_MM = 1.5
#: Non-skin narrower than about twice this (mm) is a strand of hair, not an edge.
_STRAND_MM = 0.3
#: Pixels read around the regions: the filters' reach and the skin model's morphology.
_BOX_MARGIN_MM = 4.0

METRIC_NAMES = (
    "a_star_mean",
    "erythema_index",
    "red_area_pct",
    "l_star_mean",
    "b_star_mean",
    "ita_deg",
    "ita_category",
    "spot_count",
    "spot_area_pct",
    "wrinkle_length_mm",
    "wrinkle_density",
    "texture_roughness",
    "tone_evenness",
)


@dataclass(frozen=True, slots=True)
class RegionMetrics:
    """The measurements of one region.

    Attributes
    ----------
    a_star_mean : float
        Mean CIELAB a* (redness).
    erythema_index : float
        Mean of 100·log10(R/G) of linear RGB.
    red_area_pct : float
        Percent of the region with a* at or above the red threshold.
    l_star_mean, b_star_mean : float
        Mean L* and b*.
    ita_deg : float
        Individual typology angle of the mean L*, b*, degrees.
    ita_category : str
        very_light, light, intermediate, tan, brown or dark.
    spot_count : int
        Pigmented spots whose centre lies in the region.
    spot_area_pct : float
        Percent of the region covered by spots.
    wrinkle_length_mm : float
        Total centreline length of lines, mm (pixels of the original photo when no scale).
    wrinkle_density : float
        Line length per cm² (per 100 px² when no scale).
    texture_roughness : float
        Standard deviation of band-passed L* (0.3-1.5 mm) of the skin, L* units: the root mean
        square of the relief, like the Rq of a surface profile (ISO 4287), pores and spots
        included. Not the robust σ: non-skin is kept out of the band-pass and its edge corrected
        (:func:`resurface.imaging.texture.band_pass`), so there are no outliers of the region's
        edge to guard against, and the median absolute deviation, which uses only the central half
        of the values, moved up to twice as much between repeat captures.
    tone_evenness : float
        Standard deviation of ITA° over the region with the illumination field of L* and b*
        removed (:func:`resurface.imaging.texture.tone_map`), degrees; 0 is perfectly even tone.
    """

    a_star_mean: float
    erythema_index: float
    red_area_pct: float
    l_star_mean: float
    b_star_mean: float
    ita_deg: float
    ita_category: str
    spot_count: int
    spot_area_pct: float
    wrinkle_length_mm: float
    wrinkle_density: float
    texture_roughness: float
    tone_evenness: float

    def as_dict(self) -> dict[str, float | int | str]:
        """Metric name -> value, in the order of :data:`METRIC_NAMES`."""
        return {name: getattr(self, name) for name in METRIC_NAMES}


@dataclass(frozen=True, slots=True)
class RegionResult:
    """One measured region.

    Attributes
    ----------
    name : str
    area_mm2 : float or None
        Skin area measured, mm² (None when no scale is known).
    area_px : float
        The same area in pixels of the original photo.
    metrics : RegionMetrics
    """

    name: str
    area_mm2: float | None
    area_px: float
    metrics: RegionMetrics


@dataclass(frozen=True, slots=True)
class AnalysisMaps:
    """Images behind the numbers, at the analysis resolution, for overlays.

    Attributes
    ----------
    rgb : ndarray, uint8
        The analysed image (colour-calibrated).
    region_masks : tuple of ndarray of bool
        Skin pixels measured for each region, in the order of the results.
    outlines_px : tuple of ndarray
        Region outlines in analysed pixels (empty arrays for the whole frame).
    wrinkles, spots, red : ndarray of bool
        Wrinkle centrelines, spot pixels and red pixels.
    hair : ndarray of bool
        Hairs found in the regions (left out of the wrinkles).
    box : tuple of int or None
        ``(x0, y0, x1, y1)``: every mask is False outside this part of the image (None: the
        whole image).
    """

    rgb: NDArray[np.uint8] = field(repr=False)
    region_masks: tuple[BoolArray, ...] = field(repr=False)
    outlines_px: tuple[FloatArray, ...] = field(repr=False)
    wrinkles: BoolArray = field(repr=False)
    spots: BoolArray = field(repr=False)
    red: BoolArray = field(repr=False)
    hair: BoolArray = field(repr=False)
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True, slots=True)
class PhotoAnalysis:
    """Everything measured on one photo.

    Attributes
    ----------
    width, height : int
        Size of the photo, pixels.
    px_per_mm : float or None
        Scale of the photo (None when unknown).
    scale_source : str
        ``"iris"``, ``"given"`` or ``"none"``.
    length_unit : str
        ``"mm"``, or ``"px"`` when no scale is known.
    analysis_px_per_mm : float or None
        Resolution the metrics were computed at.
    calibration : Calibration
    regions : tuple of RegionResult
    maps : AnalysisMaps
    skin_model : SkinModel or None
        The photo's own skin colour that decided which pixels of the regions were skin.
    pose : Pose or None
        Face pose, degrees (None without a face).
    """

    width: int
    height: int
    px_per_mm: float | None
    scale_source: str
    length_unit: str
    analysis_px_per_mm: float | None
    calibration: Calibration
    regions: tuple[RegionResult, ...]
    maps: AnalysisMaps = field(repr=False)
    skin_model: SkinModel | None = None
    pose: Pose | None = None


@dataclass(frozen=True, slots=True)
class Frame:
    """A photo resampled to the analysis resolution, with its regions (see :func:`prepare_frame`).

    Attributes
    ----------
    rgb : ndarray, uint8
        Resampled photo.
    scale : float
        Resampled pixels per original pixel.
    px_per_mm : float or None
        Scale of the original photo.
    work_px_per_mm : float
        Scale of ``rgb`` (nominal when ``px_per_mm`` is None).
    scale_source : str
    shapes : tuple of RegionShape
        Regions in original pixels.
    required : bool
        True when the caller named the region (an empty one is then an error).
    landmarks_px : ndarray or None
        Face-mesh landmarks in original pixels.
    width, height : int
        Size of the original photo.
    pose : Pose or None
        Face pose from the mesh (None without a face).
    """

    rgb: NDArray[np.uint8] = field(repr=False)
    scale: float
    px_per_mm: float | None
    work_px_per_mm: float
    scale_source: str
    shapes: tuple[RegionShape, ...]
    required: bool
    landmarks_px: FloatArray | None = field(repr=False)
    width: int
    height: int
    pose: Pose | None = None

    @property
    def length_unit(self) -> str:
        return "mm" if self.px_per_mm is not None else "px"


def check_rgb(rgb: object, *, name: str = "rgb") -> NDArray[np.uint8]:
    """Return ``rgb`` if it is an (H, W, 3) uint8 array of a usable size, else raise ValueError."""
    if not isinstance(rgb, np.ndarray) or rgb.dtype != np.uint8:
        raise ValueError(f"{name} must be a uint8 numpy array")
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"{name} must have shape (height, width, 3), not {rgb.shape}")
    if min(rgb.shape[:2]) < _MIN_SIDE_PX:
        raise EmptyRegion(f"the image is too small to analyse ({rgb.shape[1]}×{rgb.shape[0]})")
    return rgb


def prepare_frame(
    rgb: NDArray[np.uint8],
    *,
    region: RegionSpec = "auto",
    px_per_mm: float | None = None,
    analysis_px_per_mm: float = DEFAULT_ANALYSIS_PX_PER_MM,
    max_side_px: int = DEFAULT_MAX_SIDE_PX,
) -> Frame:
    """Find the regions and the scale, and resample the photo to the analysis resolution.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
        Upright sRGB photo.
    region : {"auto", "whole"}, RegionShape or sequence of [x, y]
        ``"auto"``: the six face regions (raises NoFaceFound without a face); ``"whole"``: the
        skin in the whole frame; a polygon in pixels of ``rgb``.
    px_per_mm : float, optional
        Known scale of ``rgb``; for faces it overrides the iris.
    analysis_px_per_mm : float, optional
        Resolution to analyse at (never upsampled).
    max_side_px : int, optional
        Longest analysed side when no scale is known.

    Returns
    -------
    Frame
    """
    check_rgb(rgb)
    if px_per_mm is not None and not (np.isfinite(px_per_mm) and px_per_mm > 0):
        raise ValueError(f"px_per_mm must be a positive number, not {px_per_mm}")
    h, w = rgb.shape[:2]
    landmarks = None
    pose = None
    scale_source = "given" if px_per_mm is not None else "none"
    if isinstance(region, str) and region == "auto":
        mesh = detect_face_mesh(rgb)
        pose = face_pose(mesh)
        landmarks = np.ascontiguousarray(mesh[:, :2])
        shapes = face_regions(landmarks)
        if px_per_mm is None:
            px_per_mm, scale_source = px_per_mm_from_iris(landmarks), "iris"
        required = False
    elif isinstance(region, str) and region == "whole":
        shapes, required = (whole_region(),), True
    elif isinstance(region, RegionShape):
        shapes, required = (region,), True
    elif isinstance(region, str):
        raise ValueError(f"region must be 'auto', 'whole' or a polygon, not {region!r}")
    else:
        shapes, required = (polygon_region(region),), True
    work, scale, work_px_per_mm = _resampled(rgb, px_per_mm, analysis_px_per_mm, max_side_px)
    return Frame(
        rgb=work,
        scale=scale,
        px_per_mm=px_per_mm,
        work_px_per_mm=work_px_per_mm,
        scale_source=scale_source,
        shapes=shapes,
        required=required,
        landmarks_px=landmarks,
        width=w,
        height=h,
        pose=pose,
    )


def rescaled_frame(
    frame: Frame,
    rgb: NDArray[np.uint8],
    px_per_mm: float,
    *,
    analysis_px_per_mm: float = DEFAULT_ANALYSIS_PX_PER_MM,
) -> Frame:
    """``frame`` (of the photo ``rgb``) with another scale: the same regions and landmarks,
    resampled for ``px_per_mm`` (see :func:`resurface.imaging.compare.compare`)."""
    work, scale, work_px_per_mm = _resampled(
        rgb, px_per_mm, analysis_px_per_mm, DEFAULT_MAX_SIDE_PX
    )
    return replace(frame, rgb=work, scale=scale, px_per_mm=px_per_mm, work_px_per_mm=work_px_per_mm)


def _resampled(
    rgb: NDArray[np.uint8],
    px_per_mm: float | None,
    analysis_px_per_mm: float,
    max_side_px: int,
) -> tuple[NDArray[np.uint8], float, float]:
    """The photo at the analysis resolution, its scale to the photo, and its px/mm."""
    h, w = rgb.shape[:2]
    if px_per_mm is not None:
        scale = min(1.0, analysis_px_per_mm / px_per_mm)
        work_px_per_mm = px_per_mm * scale
    else:
        scale = min(1.0, max_side_px / max(h, w))
        work_px_per_mm = analysis_px_per_mm
    work = rgb
    if scale < 1.0:
        size = (max(round(w * scale), 1), max(round(h * scale), 1))
        work = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        scale = size[0] / w
        if px_per_mm is not None:
            work_px_per_mm = px_per_mm * scale
    return np.ascontiguousarray(work), scale, work_px_per_mm


def analyze(
    rgb: NDArray[np.uint8],
    *,
    region: RegionSpec = "auto",
    px_per_mm: float | None = None,
    analysis_px_per_mm: float = DEFAULT_ANALYSIS_PX_PER_MM,
    calibrate: bool = True,
    red_a_star_min: float = DEFAULT_RED_A_STAR_MIN,
) -> PhotoAnalysis:
    """Measure redness, pigmentation, wrinkles, texture and tone per region of a photo.

    Parameters
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
        Upright sRGB photo (see :func:`resurface.imaging.ingest.decode_photo`).
    region : {"auto", "whole"}, RegionShape or sequence of [x, y], optional
        Face regions, the whole frame, or a polygon (pixels of ``rgb``).
    px_per_mm : float, optional
        Scale of ``rgb``. Faces are measured from the iris when it is not given.
    analysis_px_per_mm : float, optional
        Resolution the metrics are computed at.
    calibrate : bool, optional
        Correct white balance and exposure from a grey card in the frame, if any.
    red_a_star_min : float, optional
        a* at which skin counts as red (``red_area_pct``).

    Returns
    -------
    PhotoAnalysis

    Raises
    ------
    NoFaceFound
        ``region="auto"`` and no face was found.
    EmptyRegion
        A requested region contains no skin.
    """
    frame = prepare_frame(
        rgb, region=region, px_per_mm=px_per_mm, analysis_px_per_mm=analysis_px_per_mm
    )
    calibration = NO_CALIBRATION
    if calibrate:
        calibration = calibrate_from_grey_card(frame.rgb, px_per_mm=frame.work_px_per_mm)
    return measure_frame(frame, calibration=calibration, red_a_star_min=red_a_star_min)


def photo_skin(
    lab: FloatArray,
    shapes: Sequence[RegionShape],
    drawn: Sequence[BoolArray],
    *,
    px_per_mm: float,
    channels: tuple[FloatArray, FloatArray, FloatArray] | None = None,
) -> tuple[BoolArray, SkinModel | None]:
    """The photo's skin pixels inside the regions, and the skin model they were judged by.

    The generic skin test (:func:`resurface.imaging.regions.skin_mask`) finds skin-coloured
    pixels; the photo's own skin colour is then taken from the central cheeks (the skin least
    often covered by hair, shadow or make-up; 3 mm inside each cheek region), or, without a face,
    from the regions' own skin-coloured pixels, and every region keeps only the pixels of that
    colour (:func:`resurface.imaging.regions.model_skin_mask`). ``channels``: L*, a* and b* of
    ``lab`` as contiguous images, if already copied out.
    """
    union = np.logical_or.reduce(list(drawn)) if drawn else np.zeros(lab.shape[:2], bool)
    skin = np.zeros(lab.shape[:2], bool)
    if not union.any():
        return skin, None
    bx, by, bw, bh = cv2.boundingRect(union.view(np.uint8))
    box = (slice(by, by + bh), slice(bx, bx + bw))
    lab_box = np.ascontiguousarray(lab[box])
    a_b = None
    if channels is not None:
        a_b = (np.ascontiguousarray(channels[1][box]), np.ascontiguousarray(channels[2][box]))
    generic = skin_mask(lab_box, px_per_mm=px_per_mm, a_b=a_b) & union[box]
    cheeks = [m[box] for s, m in zip(shapes, drawn, strict=True) if s.name.startswith("cheek_")]
    model = None
    if cheeks:
        inner = np.logical_or.reduce(cheeks).view(np.uint8)
        distance = cv2.distanceTransform(inner, cv2.DIST_L2, 3)
        reference = (distance >= _CHEEK_CORE_MM * px_per_mm) & generic
        model = skin_model(lab_box, reference, source="cheeks")
    if model is None:
        model = skin_model(lab_box, generic, source="region")
    if model is None:
        return skin, None
    kept = model_skin_mask(lab_box, model, px_per_mm=px_per_mm, within=generic, a_b=a_b)
    skin[box] = kept & union[box]
    return skin, model


def regions_box(frame: Frame) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the part of ``frame.rgb`` any measurement reads.

    The regions' outlines (in analysed pixels) with a margin for the filters and the skin model
    (4 mm), clipped to the frame; the whole frame when a region is the whole frame.
    """
    h, w = frame.rgb.shape[:2]
    outlines = [s.outline_px for s in frame.shapes]
    if not outlines or any(o is None for o in outlines):
        return 0, 0, w, h
    points = np.concatenate([o for o in outlines if o is not None]) * frame.scale
    margin = int(np.ceil(_BOX_MARGIN_MM * frame.work_px_per_mm)) + 2
    x0, y0 = np.floor(points.min(axis=0)).astype(int) - margin
    x1, y1 = np.ceil(points.max(axis=0)).astype(int) + margin + 1
    x0, y0, x1, y1 = max(int(x0), 0), max(int(y0), 0), min(int(x1), w), min(int(y1), h)
    if x1 <= x0 or y1 <= y0:
        return 0, 0, w, h
    return x0, y0, x1, y1


def measure_frame(
    frame: Frame,
    *,
    calibration: Calibration = NO_CALIBRATION,
    red_a_star_min: float = DEFAULT_RED_A_STAR_MIN,
) -> PhotoAnalysis:
    """Measure every region of ``frame``, its colour corrected by ``calibration``.

    Only the regions' bounding box (:func:`regions_box`) is converted to linear RGB and CIELAB and
    filtered; the maps are then placed in frames of the analysed photo's size for overlays.
    """
    ppmm = frame.work_px_per_mm
    x0, y0, x1, y1 = regions_box(frame)
    linear = calibrated_linear(frame.rgb[y0:y1, x0:x1], calibration)
    lab = lab_from_linear(linear)
    # L*, a* and b* copied out once, for the skin test, the filters and the region means.
    channels = (
        np.asarray(cv2.extractChannel(lab, 0), np.float32),
        np.asarray(cv2.extractChannel(lab, 1), np.float32),
        np.asarray(cv2.extractChannel(lab, 2), np.float32),
    )
    shape_hw = (y1 - y0, x1 - x0)
    drawn = [
        rasterize(shape, shape_hw, scale=frame.scale, px_per_mm=ppmm, origin=(x0, y0))
        for shape in frame.shapes
    ]
    skin, skin_colour = photo_skin(lab, frame.shapes, drawn, px_per_mm=ppmm, channels=channels)
    masks: list[BoolArray] = []
    kept: list[RegionShape] = []
    min_px = _MIN_REGION_MM2 * ppmm * ppmm
    for shape, region_px in zip(frame.shapes, drawn, strict=True):
        mask = region_px & skin
        if np.count_nonzero(mask) < min_px:
            if frame.required:
                raise EmptyRegion(f"region {shape.name!r} contains no skin to measure")
            continue
        masks.append(mask)
        kept.append(shape)
    if not masks:
        raise EmptyRegion("none of the face regions contains skin to measure")
    maps = _feature_maps(channels, linear, skin, masks, ppmm, red_a_star_min)
    unit_per_px = 1.0 / ppmm if frame.px_per_mm is not None else 1.0 / frame.scale
    results = tuple(
        _region_result(shape.name, mask, maps, unit_per_px, frame.px_per_mm is not None, frame)
        for shape, mask in zip(kept, masks, strict=True)
    )
    outlines = tuple(
        (s.outline_px * frame.scale).astype(np.float32)
        if s.outline_px is not None
        else np.zeros((0, 2), np.float32)
        for s in kept
    )
    size = frame.rgb.shape[:2]

    def placed(box_mask: BoolArray) -> BoolArray:
        if box_mask.shape == size:  # the box is the whole frame: the map itself (its own array)
            return box_mask
        out = np.zeros(size, bool)
        out[y0:y1, x0:x1] = box_mask
        return out

    return PhotoAnalysis(
        width=frame.width,
        height=frame.height,
        px_per_mm=frame.px_per_mm,
        scale_source=frame.scale_source,
        length_unit=frame.length_unit,
        analysis_px_per_mm=ppmm if frame.px_per_mm is not None else None,
        calibration=calibration,
        regions=results,
        maps=AnalysisMaps(
            rgb=frame.rgb,
            region_masks=tuple(placed(m) for m in masks),
            outlines_px=outlines,
            wrinkles=placed(maps.wrinkle_length > 0),
            spots=placed(maps.spots),
            red=placed(maps.red),
            hair=placed(maps.hair),
            box=(x0, y0, x1, y1),
        ),
        skin_model=skin_colour,
        pose=frame.pose,
    )


@dataclass(frozen=True, slots=True)
class _Maps:
    #: L*, a* and b* of the feature box, each contiguous, and the box's corner (x, y) in the frame.
    channels: tuple[FloatArray, FloatArray, FloatArray]
    channels_origin: tuple[int, int]
    erythema: FloatArray
    red: BoolArray
    spots: BoolArray
    spot_centroids: FloatArray
    wrinkle_length: FloatArray
    hair: BoolArray
    texture: FloatArray
    ita: FloatArray


def _feature_maps(
    channels: tuple[FloatArray, FloatArray, FloatArray],
    linear: FloatArray,
    skin: BoolArray,
    masks: list[BoolArray],
    ppmm: float,
    red_a_star_min: float,
) -> _Maps:
    union = np.logical_or.reduce(masks)
    h, w = union.shape
    # Work inside the regions' bounding box (plus a margin for the filters) only.
    bx, by, bw, bh = cv2.boundingRect(union.view(np.uint8))
    margin = int(np.ceil(4.0 * ppmm))
    y0, y1 = max(by - margin, 0), min(by + bh + margin, h)
    x0, x1 = max(bx - margin, 0), min(bx + bw + margin, w)
    box = (slice(y0, y1), slice(x0, x1))
    skin_box = skin[box]
    union_box = union[box]
    l_star, a_star, b_star = (np.ascontiguousarray(channel[box]) for channel in channels)
    # Non-skin (hair, card, background) is filled with typical skin lightness so its edges do
    # not read as lines (spots are judged against the measured skin alone, on the real L*).
    fill_l = float(np.median(l_star[union_box], overwrite_input=True))  # (its own copy)
    l_filled = np.where(skin_box, l_star, np.float32(fill_l)).astype(np.float32, copy=False)
    # Distance (mm) from the nearest pixel that is not measured skin: the shading at the edge of
    # hair, lips, lids and the face is one-sided, but within the filters' reach (3.5 σ of the
    # coarsest line scale, about 2 mm) it still reads as lines and dots.
    # Thin strands of non-skin (single hairs, filled with skin lightness) have no such edge.
    measured = (union_box & skin_box).view(np.uint8)
    strand = max(round(_STRAND_MM * ppmm), 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * strand + 1, 2 * strand + 1))
    solid = cv2.morphologyEx(1 - measured, cv2.MORPH_OPEN, kernel) | (1 - union_box.view(np.uint8))
    inside_mm = cv2.distanceTransform(1 - solid, cv2.DIST_L2, 5) / np.float32(ppmm)
    inner = inside_mm >= _FEATURE_EDGE_MM
    lines_inner = inside_mm >= _LINE_EDGE_MM
    # (Images no longer needed are let go as soon as they are not: the filters below allocate
    # frame-sized images of their own, and the peak memory is theirs plus what is still held.)
    del inside_mm, solid, measured

    # Texture, tone, red skin and the erythema index need nothing of the lines and spots: they
    # are computed on the other core meanwhile (OpenCV and numpy let go of the interpreter).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="resurface-relief") as other_core:
        relief = other_core.submit(
            _relief_and_colour, l_star, a_star, b_star, skin_box, linear, ppmm, red_a_star_min
        )
        line_length, hair, spots = _lines_and_spots(l_star, l_filled, inner, lines_inner, ppmm)
        del l_filled, inner, lines_inner
        texture, ita, red, erythema = relief.result()

    def full(array: NDArray[np.generic], fill: float | bool) -> NDArray[np.generic]:
        if array.shape == (h, w):  # the box is the whole frame: the map itself (its own array)
            return array
        out = np.full((h, w), fill, dtype=array.dtype)
        out[box] = array
        return out

    return _Maps(
        channels=(l_star, a_star, b_star),
        channels_origin=(x0, y0),
        erythema=erythema,
        red=np.asarray(full(red, False), bool),
        spots=np.asarray(full(spots.mask, False), bool),
        spot_centroids=spots.centroids_px + np.array([x0, y0], np.float32),
        wrinkle_length=np.asarray(full(line_length, 0.0), np.float32),
        hair=np.asarray(full(hair, False), bool),
        texture=np.asarray(full(texture, 0.0), np.float32),
        ita=np.asarray(full(ita, 0.0), np.float32),
    )


def _lines_and_spots(
    l_star: FloatArray, l_filled: FloatArray, inner: BoolArray, lines_inner: BoolArray, ppmm: float
) -> tuple[FloatArray, BoolArray, SpotMap]:
    """The lines (their length per pixel), the hair and the spots of the feature box."""
    # Edges of non-skin (a card, hair) are dark against skin: no spot or line is sought there.
    reference = skin_reference(l_filled, px_per_mm=ppmm, valid=inner)
    wrinkles = wrinkle_map(l_filled, px_per_mm=ppmm, valid=lines_inner, reference=reference)
    hair_band = cv2.dilate(wrinkles.hair.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
    spots = detect_spots(
        l_star,
        px_per_mm=ppmm,
        valid=inner & ~hair_band,
        ridges=wrinkles.centreline,
        reference=reference,
    )
    return wrinkles.length_px, wrinkles.hair, spots


def _relief_and_colour(
    l_star: FloatArray,
    a_star: FloatArray,
    b_star: FloatArray,
    skin_box: BoolArray,
    linear: FloatArray,
    ppmm: float,
    red_a_star_min: float,
) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
    """Texture and tone (means over the measured skin only, by normalised convolution; tone read
    with the illumination field of L* and b* removed: shading and the colour of the light across
    the face are the room's, not the skin's), red skin and the erythema index."""
    weight = skin_box.astype(np.float32)
    weighted = np.multiply(l_star, weight, dtype=np.float32)  # used by both
    texture = band_pass(l_star, px_per_mm=ppmm, weight=weight, weighted=weighted)
    ita = tone_map(l_star, b_star, weight, px_per_mm=ppmm, skin=skin_box, l_weighted=weighted)
    red = red_mask(a_star, px_per_mm=ppmm, a_star_min=red_a_star_min)
    return texture, ita, red, erythema_index_map(linear)


def _region_result(
    name: str,
    mask: BoolArray,
    maps: _Maps,
    unit_per_px: float,
    scaled: bool,
    frame: Frame,
) -> RegionResult:
    n_px = int(np.count_nonzero(mask))
    full_mask = mask
    # Every reduction runs inside the region's bounding box, not over the whole frame.
    bx, by, bw, bh = cv2.boundingRect(mask.view(np.uint8))
    box = (slice(by, by + bh), slice(bx, bx + bw))
    mask = mask[box]
    # The region's box inside the feature box, whose L*, a*, b* are contiguous images (the same
    # values, in the same order, as the channels of the Lab frame, gathered faster).
    fx, fy = maps.channels_origin
    part = (slice(by - fy, by + bh - fy), slice(bx - fx, bx + bw - fx))
    l_mean, a_mean, b_mean = (mean64(channel[part][mask]) for channel in maps.channels)
    ita = float(ita_deg(l_mean, b_mean))
    area_units = n_px * unit_per_px * unit_per_px
    length = float(maps.wrinkle_length[box][mask].sum()) * unit_per_px
    centroids = np.round(maps.spot_centroids).astype(np.int64)
    inside = 0
    if centroids.size:
        cx = np.clip(centroids[:, 0], 0, full_mask.shape[1] - 1)
        cy = np.clip(centroids[:, 1], 0, full_mask.shape[0] - 1)
        inside = int(np.count_nonzero(full_mask[cy, cx]))
    metrics = RegionMetrics(
        a_star_mean=a_mean,
        erythema_index=mean64(maps.erythema[box][mask]),
        red_area_pct=100.0 * np.count_nonzero(maps.red[box] & mask) / n_px,
        l_star_mean=l_mean,
        b_star_mean=b_mean,
        ita_deg=ita,
        ita_category=ita_category(ita),
        spot_count=inside,
        spot_area_pct=100.0 * np.count_nonzero(maps.spots[box] & mask) / n_px,
        wrinkle_length_mm=length,
        wrinkle_density=length / (area_units / 100.0),
        texture_roughness=std64(maps.texture[box][mask]),
        tone_evenness=std64(maps.ita[box][mask]),
    )
    return RegionResult(
        name=name,
        area_mm2=area_units if scaled else None,
        area_px=n_px / (frame.scale * frame.scale),
        metrics=metrics,
    )
