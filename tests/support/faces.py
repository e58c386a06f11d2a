"""A real face with known lesions, and repeat captures of it.

scikit-image's ``data.astronaut()`` (a 512-pixel portrait) is upscaled so that its face has the
resolution of a clinic photo, and spots and lines of known size are drawn on its clean skin (in
CIELAB, at a relative contrast of 15 % of L* + 16, like the phantoms): the analysis must find them
and leave the rest of the face as it was. :func:`recapture` photographs it again as a clinic would
from one visit to the next: a few degrees of rotation, a small zoom and shift, JPEG 85, ±5 %
brightness.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from skimage import data

from resurface.imaging.analysis import analyze
from resurface.imaging.colour import (
    lab_from_linear,
    linear_from_lab,
    linear_from_srgb8,
    srgb8_from_linear,
)


@dataclass(frozen=True)
class RegionTruth:
    spot_count: int
    spot_area_mm2: float
    line_length_mm: float


@dataclass(frozen=True)
class MarkedFace:
    rgb: NDArray[np.uint8] = field(repr=False)
    px_per_mm: float
    truth: dict[str, RegionTruth]


def upscaled_astronaut(factor: float) -> NDArray[np.uint8]:
    return np.ascontiguousarray(
        cv2.resize(data.astronaut(), None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
    )


def marked_face(
    factor: float = 9.0,
    *,
    spots: dict[str, int] | None = None,
    lines: dict[str, int] | None = None,
    seed: int = 0,
) -> MarkedFace:
    """The upscaled astronaut with ``spots[region]`` spots and ``lines[region]`` lines drawn."""
    spots = {"cheek_left": 3, "cheek_right": 3, "forehead": 3} if spots is None else spots
    lines = {"forehead": 2, "cheek_left": 1, "cheek_right": 1} if lines is None else lines
    rgb = upscaled_astronaut(factor)
    plain = analyze(rgb)
    ppmm = float(plain.px_per_mm or 0.0)
    rng = np.random.default_rng(seed)
    lab = lab_from_linear(linear_from_srgb8(rgb))
    h, w = rgb.shape[:2]
    truth: dict[str, RegionTruth] = {}
    for region, mask in zip(plain.regions, plain.maps.region_masks, strict=True):
        big = cv2.resize(mask.view(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST)
        room = cv2.distanceTransform(big, cv2.DIST_L2, 5) / ppmm  # mm from the region's edge
        taken: list[tuple[float, float, float]] = []
        count, area, length = 0, 0.0, 0.0
        for _ in range(spots.get(region.name, 0)):
            radius = rng.uniform(1.0, 1.6)
            centre = _free_spot(rng, room, taken, radius + 2.5, ppmm)
            if centre is None:
                continue
            cx, cy = centre
            y0, y1 = int(cy - radius * ppmm - 3), int(cy + radius * ppmm + 4)
            x0, x1 = int(cx - radius * ppmm - 3), int(cx + radius * ppmm + 4)
            gy, gx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
            alpha = np.clip(radius * ppmm - np.hypot(gx - cx, gy - cy) + 0.5, 0, 1)
            patch = lab[y0:y1, x0:x1]
            patch[..., 0] -= 0.15 * (patch[..., 0] + 16.0) * alpha
            patch[..., 2] += 2.0 * alpha
            count += 1
            area += np.pi * radius * radius
        for _ in range(lines.get(region.name, 0)):
            half = rng.uniform(3.0, 4.5)
            centre = _free_spot(rng, room, taken, half + 2.0, ppmm)
            if centre is None:
                continue
            cx, cy = centre
            angle = rng.uniform(-0.4, 0.4)  # mostly horizontal, as forehead and cheek lines run
            ends = np.array(
                [[cx - half * ppmm * np.cos(angle), cy - half * ppmm * np.sin(angle)],
                 [cx + half * ppmm * np.cos(angle), cy + half * ppmm * np.sin(angle)]]
            )  # fmt: skip
            line = np.zeros((h, w), np.uint8)
            pts = np.round(ends * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(line, [pts], False, 255, 1, cv2.LINE_8, 4)
            y0, y1 = int(min(ends[:, 1]) - 4 * ppmm), int(max(ends[:, 1]) + 4 * ppmm)
            x0, x1 = int(min(ends[:, 0]) - 4 * ppmm), int(max(ends[:, 0]) + 4 * ppmm)
            distance = cv2.distanceTransform(255 - line[y0:y1, x0:x1], cv2.DIST_L2, 5)
            s = 0.6 * ppmm / 2.3548
            profile = np.exp(-(distance**2) / (2 * s * s))
            patch = lab[y0:y1, x0:x1]
            patch[..., 0] -= 0.15 * (patch[..., 0] + 16.0) * profile
            length += 2 * half
        truth[region.name] = RegionTruth(count, area, length)
    out = srgb8_from_linear(np.clip(linear_from_lab(lab), 0.0, 1.0))
    return MarkedFace(rgb=out, px_per_mm=ppmm, truth=truth)


def _free_spot(
    rng: np.random.Generator,
    room: NDArray[np.float32],
    taken: list[tuple[float, float, float]],
    radius_mm: float,
    ppmm: float,
) -> tuple[float, float] | None:
    ys, xs = np.nonzero(room >= radius_mm)
    for _ in range(200):
        if ys.size == 0:
            return None
        i = int(rng.integers(ys.size))
        x, y = float(xs[i]), float(ys[i])
        if all(np.hypot(x - tx, y - ty) > (radius_mm + tr) * ppmm for tx, ty, tr in taken):
            taken.append((x, y, radius_mm))
            return x, y
    return None


def recapture(
    rgb: NDArray[np.uint8],
    *,
    rotation_deg: float = 0.0,
    zoom: float = 1.0,
    shift_px: tuple[float, float] = (0.0, 0.0),
    brightness: float = 1.0,
    jpeg_quality: int = 85,
) -> NDArray[np.uint8]:
    """The same face photographed again: turned, zoomed, shifted, brighter or darker, JPEG."""
    h, w = rgb.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rotation_deg, zoom)
    matrix[:, 2] += shift_px
    moved = cv2.warpAffine(
        rgb, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT
    )
    if brightness != 1.0:
        linear = linear_from_srgb8(moved) * np.float32(brightness)
        moved = srgb8_from_linear(np.clip(linear, 0.0, 1.0))
    ok, encoded = cv2.imencode(".jpg", moved[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
    assert ok
    return np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])


#: The repeat captures of issue 15: ±3° rotation, ±5 % zoom, small shifts, JPEG 85, ±5 % light.
REPEATS = (
    {"rotation_deg": 0.0},
    {"rotation_deg": 3.0, "shift_px": (25.0, -15.0)},
    {"rotation_deg": -3.0, "zoom": 1.05, "brightness": 1.05},
    {"rotation_deg": 1.5, "zoom": 0.95, "shift_px": (-30.0, 20.0), "brightness": 0.95},
    {"rotation_deg": -1.0, "zoom": 1.03, "shift_px": (10.0, 30.0), "brightness": 1.03},
)


def random_repeats(count: int = 6, seed: int = 1) -> list[dict[str, Any]]:
    """More repeat captures, drawn at random in the same ranges: rotation −3° to 3°, zoom
    0.95-1.05, shifts up to 36 px each way, light ±5 % (JPEG 85, as ``recapture`` does)."""
    rng = np.random.default_rng(seed)
    return [
        {
            "rotation_deg": float(rng.uniform(-3.0, 3.0)),
            "zoom": float(rng.uniform(0.95, 1.05)),
            "shift_px": (float(rng.uniform(-36.0, 36.0)), float(rng.uniform(-36.0, 36.0))),
            "brightness": float(rng.uniform(0.95, 1.05)),
        }
        for _ in range(count)
    ]
