"""Capture quality: can this photo be measured, and can two photos be compared?

Every photo gets a verdict: its scale (px/mm) against what each metric needs, focus, exposure,
the face's pose, and whether a grey card was found. A metric the photo is too coarse for is "not
measurable", never 0. Two photos are "not comparable" when the face is turned or tilted too
differently, or the light changed too much with nothing in the frame to correct it.

Focus is judged by re-blurring [1]: blurring a sharp photo a little more removes much of its
fine gradient; blurring an already blurred one changes little. Pose is read from the
face mesh's 3-D landmarks [2] (:func:`resurface.imaging.landmarks.face_pose`).

The limits here are the software's own settings, not clinical values: they say when a number
cannot be trusted, and are chosen from the filters' sizes (a scale is usable when it is at least
0.7 px, see :mod:`resurface.imaging.wrinkles`) and from this project's repeat-capture tests.

References
----------
.. [1] Crété-Roffet F, Dolmiere T, Ladret P, Nicolas M. The blur effect: perception and
       estimation with a new no-reference perceptual blur metric. Proc SPIE 6492, Human Vision
       and Electronic Imaging XII, 2007.
.. [2] Kartynnik Y, Ablavatski A, Grishchenko I, Grundmann M. Real-time facial surface geometry
       from monocular video on mobile GPUs. CVPR Workshops 2019 (arXiv:1907.06724).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.analysis import PhotoAnalysis
from resurface.imaging.landmarks import Pose, face_pose
from resurface.imaging.wrinkles import HAIR_MIN_PX_PER_MM

__all__ = [
    "MIN_PX_PER_MM",
    "CaptureQuality",
    "Comparability",
    "Pose",
    "capture_quality",
    "comparability",
    "face_pose",
    "measurable_metrics",
]

#: Resolution each metric needs (px/mm of the analysed image). Wrinkles: the finest line scale
#: (0.12 mm) must be ≥ 0.7 px, or hair cannot be told from lines and fine lines are lost. Spots:
#: the smallest spot (0.4 mm², 0.7 mm across) must span 2 px. Texture: its finest band (0.3 mm)
#: must be ≥ 1 px. Colour metrics need no detail.
MIN_PX_PER_MM = {
    "spot_count": 3.0,
    "spot_area_pct": 3.0,
    "wrinkle_length_mm": HAIR_MIN_PX_PER_MM,
    "wrinkle_density": HAIR_MIN_PX_PER_MM,
    "texture_roughness": 3.4,
}
#: Sharpness below which a photo is out of focus. Measured: the sharp skin phantom 0.39-0.41,
#: blurred by 0.1 mm 0.30, by 0.15 mm 0.25, by 0.3 mm 0.15-0.16; the astronaut upscaled 3x 0.18
#: and 9x 0.08 (cubic upscaling is blur).
MIN_SHARPNESS = 0.2
#: Share of measured skin pixels at 0 or 255 in any channel above which exposure is wrong.
MAX_CLIPPED = 0.02
#: Largest difference of yaw, pitch or roll (degrees) between two comparable face photos.
MAX_POSE_DIFFERENCE_DEG = 10.0
#: Largest change of light (ratio of exposure gains, percent) between two comparable photos
#: with nothing in the frame to correct it.
MAX_LIGHT_CHANGE_PCT = 25.0


@dataclass(frozen=True, slots=True)
class CaptureQuality:
    """The capture verdict of one photo.

    Attributes
    ----------
    px_per_mm : float or None
        Scale the metrics were computed at (None: unknown).
    not_measurable : tuple of str
        Metrics this resolution cannot measure.
    sharpness : float
        Re-blur sharpness 0-1 of the measured skin [1].
    in_focus : bool
    clipped_fraction : float
        Share of measured skin pixels clipped to black or white.
    exposure_ok : bool
    pose : Pose or None
        Face pose (None when no face was measured).
    grey_card : bool
        A grey card was found and used.
    problems : tuple of str
        Plain-language problems, empty when the photo is good.
    """

    px_per_mm: float | None
    not_measurable: tuple[str, ...]
    sharpness: float
    in_focus: bool
    clipped_fraction: float
    exposure_ok: bool
    pose: Pose | None
    grey_card: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class Comparability:
    """Whether two photos can be compared.

    Attributes
    ----------
    pose_difference : Pose or None
        After minus before, degrees (None when not both are faces).
    light_change_pct : float or None
        Change of exposure between the photos found by the colour normalisation, percent
        (None when there was nothing to measure it by).
    comparable : bool
    reasons : tuple of str
        Why not, in plain language.
    """

    pose_difference: Pose | None
    light_change_pct: float | None
    comparable: bool
    reasons: tuple[str, ...]


def measurable_metrics(px_per_mm: float | None) -> tuple[str, ...]:
    """The metrics that cannot be measured at ``px_per_mm`` (all are, when it is unknown)."""
    if px_per_mm is None:
        return ()
    return tuple(m for m, need in MIN_PX_PER_MM.items() if px_per_mm < need)


def capture_quality(analysis: PhotoAnalysis) -> CaptureQuality:
    """The capture verdict of an analysed photo."""
    pose = analysis.pose
    maps = analysis.maps
    h, w = maps.rgb.shape[:2]
    x0, y0, x1, y1 = maps.box if maps.box is not None else (0, 0, w, h)
    masks = [m[y0:y1, x0:x1] for m in maps.region_masks]
    measured = masks[0] if len(masks) == 1 else np.logical_or.reduce(masks)
    ppmm = analysis.analysis_px_per_mm
    crop = maps.rgb[y0:y1, x0:x1]
    grey = cv2.cvtColor(crop, cv2.COLOR_RGB2GRAY).astype(np.float32)
    sharpness = _sharpness(grey, measured, ppmm if ppmm is not None else 10.0)
    clipped = _clipped_fraction(crop, measured)
    not_measurable = measurable_metrics(ppmm)
    problems = []
    if not_measurable:
        problems.append(
            f"the photo is too coarse ({ppmm:.1f} px/mm) to measure "
            + ", ".join(m.replace("_", " ") for m in not_measurable)
        )
    if analysis.px_per_mm is None:
        problems.append("no scale: lengths are in pixels, not millimetres")
    in_focus = sharpness >= MIN_SHARPNESS
    if not in_focus:
        problems.append("the photo looks out of focus")
    exposure_ok = clipped <= MAX_CLIPPED
    if not exposure_ok:
        problems.append(f"{100 * clipped:.0f} % of the skin is over- or under-exposed")
    grey_card = analysis.calibration.method == "grey_card"
    return CaptureQuality(
        px_per_mm=ppmm,
        not_measurable=not_measurable,
        sharpness=round(sharpness, 3),
        in_focus=in_focus,
        clipped_fraction=round(clipped, 4),
        exposure_ok=exposure_ok,
        pose=pose,
        grey_card=grey_card,
        problems=tuple(problems),
    )


def comparability(
    before: Pose | None,
    after: Pose | None,
    gains: tuple[float, float, float] | None,
    *,
    grey_cards: bool = False,
) -> Comparability:
    """Can two photos be compared?

    ``gains``: the after photo's exposure correction relative to the before photo (None when
    neither a grey card nor a backdrop gave one). A large change of light makes the photos not
    comparable unless grey cards in both (``grey_cards``) corrected it.
    """
    reasons = []
    difference = None
    if before is not None and after is not None:
        difference = Pose(
            round(after.yaw - before.yaw, 1),
            round(after.pitch - before.pitch, 1),
            round(after.roll - before.roll, 1),
        )
        for name, value in (("turned", difference.yaw), ("nodded", difference.pitch),
                            ("tilted", difference.roll)):  # fmt: skip
            if abs(value) > MAX_POSE_DIFFERENCE_DEG:
                reasons.append(f"the head is {name} {abs(value):.0f}° differently")
    light = None
    if gains is not None:
        light = round(100.0 * (1.0 / max(float(np.mean(gains)), 1e-6) - 1.0), 1)
        if abs(light) > MAX_LIGHT_CHANGE_PCT and not grey_cards:
            reasons.append(
                f"the light changed by {light:+.0f} % with no grey card in both photos to "
                "correct it"
            )
    return Comparability(difference, light, not reasons, tuple(reasons))


def _sharpness(grey: NDArray[np.float32], mask: NDArray[np.bool_], ppmm: float) -> float:
    """Share of the skin's fine gradient that a re-blur removes [1], in [0, 1].

    The mean gradient magnitude after a 0.8 px Gaussian (which removes 8-bit steps and noise) is
    compared with that after a 2.5 px Gaussian: on a sharp photo the stronger blur removes much
    of it, on a photo already blurred by more than a few pixels almost none.
    """
    del ppmm  # defined on pixels: the analysed image is at a fixed px/mm
    bx, by, bw, bh = cv2.boundingRect(mask.view(np.uint8))
    if bw == 0 or min(bw, bh) < 12:
        return 0.0
    box = (slice(by, by + bh), slice(bx, bx + bw))
    crop, inside = grey[box], np.ascontiguousarray(mask[box]).view(np.uint8)
    energies = []
    for sigma in (0.8, 2.5):
        smooth = cv2.GaussianBlur(crop, (0, 0), sigma)
        gradient = cv2.magnitude(
            cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3),
            cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3),
        )
        energies.append(float(cv2.mean(gradient, inside)[0]))
    if energies[0] <= 1e-9:
        return 0.0
    return max(0.0, 1.0 - energies[1] / energies[0])


def _clipped_fraction(rgb: NDArray[np.uint8], mask: NDArray[np.bool_]) -> float:
    """Share of the ``mask`` pixels of ``rgb`` with a channel at 0 or 255."""
    measured = np.count_nonzero(mask)
    if measured == 0:
        return 0.0
    unclipped = cv2.inRange(rgb, (1, 1, 1), (254, 254, 254))
    unclipped &= np.ascontiguousarray(mask).view(np.uint8)
    return float(measured - np.count_nonzero(unclipped)) / measured
