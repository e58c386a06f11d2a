"""Overlay images for reports: region outlines, wrinkle lines, spots and red areas on the photo.

Colours: region outlines white, wrinkles cyan, hair (found and left out of the wrinkles) orange,
spot outlines yellow, red areas tinted magenta. Pixels that were not measured (outside the regions,
or inside them but not skin: eyes, lips, nostrils, hair, background) are shown dimmed and grey, so
the picture shows exactly which pixels every number comes from.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2
from resurface.imaging.analysis import PhotoAnalysis
from resurface.imaging.compare import Comparison

__all__ = ["comparison_overlay_png", "overlay_png", "overlay_rgb"]

_WHITE = (255, 255, 255)
_CYAN = (0, 230, 255)
_YELLOW = (255, 220, 0)
_ORANGE = (255, 140, 0)
_MAGENTA = np.array([255, 0, 200], np.float32)
#: Unmeasured pixels: 45 % as bright, 70 % of the colour replaced by its grey (Rec. 601 luma).
_DIMMED = (0.45 * (0.3 * np.eye(3) + 0.7 * np.array([[0.299, 0.587, 0.114]] * 3))).astype(
    np.float32
)


def overlay_rgb(analysis: PhotoAnalysis) -> NDArray[np.uint8]:
    """The analysed photo with its maps drawn on it (RGB, analysis resolution).

    Drawn with 8-bit OpenCV operations, and inside the regions' box only (the maps are empty
    outside it): a 12-megapixel overlay costs tens of milliseconds.
    """
    maps = analysis.maps
    rgb = maps.rgb
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = maps.box if maps.box is not None else (0, 0, w, h)
    box = (slice(y0, y1), slice(x0, x1))
    crop = rgb[box]
    if maps.region_masks:
        out = cv2.transform(rgb, _DIMMED)
        masks = [m[box] for m in maps.region_masks]
        inside = masks[0] if len(masks) == 1 else np.logical_or.reduce(masks)
        cv2.copyTo(crop, inside.view(np.uint8), out[box])
    else:
        out = rgb.copy()
        inside = np.ones(crop.shape[:2], bool)
    view = out[box]
    _tint(view, crop, maps.red[box] & inside)
    contours, _ = cv2.findContours(
        maps.spots[box].astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    cv2.drawContours(view, contours, -1, _YELLOW, 1, cv2.LINE_AA)
    _paint(view, maps.wrinkles[box], _CYAN)
    _paint(view, maps.hair[box], _ORANGE)
    thickness = max(1, round(max(out.shape[:2]) / 800))
    for region, outline in zip(analysis.regions, maps.outlines_px, strict=True):
        if outline.shape[0] < 3:
            continue
        points = np.round(outline).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(out, [points], True, _WHITE, thickness, cv2.LINE_AA)
        x, y = points[:, 0, 0].min(), points[:, 0, 1].min()
        cv2.putText(
            out,
            region.name,
            (int(x), max(int(y) - 4, 10)),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.35 * thickness,
            _WHITE,
            1,
            cv2.LINE_AA,
        )
    return np.asarray(out, np.uint8)


def overlay_png(analysis: PhotoAnalysis) -> bytes:
    """:func:`overlay_rgb` encoded as PNG (no metadata)."""
    return _png(overlay_rgb(analysis))


def comparison_overlay_png(comparison: Comparison) -> bytes:
    """Before (left) and after (right) overlays side by side, as PNG.

    Each overlay is drawn on its own photo where it was measured; the after overlay is then
    turned, scaled and shifted into the before photo's frame, so the two can be compared at a
    glance.
    """
    left = overlay_rgb(comparison.before)
    h, w = left.shape[:2]
    right = cv2.warpAffine(
        overlay_rgb(comparison.after), comparison.transform, (w, h), flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255),
    )  # fmt: skip
    gap = np.full((left.shape[0], 8, 3), 255, np.uint8)
    return _png(np.hstack([left, gap, right]))


def _png(rgb: NDArray[np.uint8]) -> bytes:
    ok, encoded = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:  # pragma: no cover - encoding an in-memory uint8 image does not fail
        raise RuntimeError("PNG encoding failed")
    return bytes(encoded.tobytes())


def _tint(view: NDArray[np.uint8], photo: NDArray[np.uint8], red: NDArray[np.bool_]) -> None:
    """Tint the ``red`` pixels of ``view`` magenta (35 %) over ``photo``, within their box."""
    mask = np.ascontiguousarray(red).view(np.uint8)
    bx, by, bw, bh = cv2.boundingRect(mask)
    if bw == 0:
        return
    part = (slice(by, by + bh), slice(bx, bx + bw))
    magenta = np.empty((bh, bw, 3), np.uint8)
    magenta[:] = _MAGENTA.astype(np.uint8)
    tinted = cv2.addWeighted(photo[part], 0.65, magenta, 0.35, 0.0)
    cv2.copyTo(tinted, mask[part], view[part])


def _paint(view: NDArray[np.uint8], lines: NDArray[np.bool_], colour: tuple[int, int, int]) -> None:
    """Draw the one-pixel ``lines`` on ``view`` two pixels wide in ``colour``."""
    # A masked copy (OpenCV), not fancy indexing: listing the pixels' coordinates cost more
    # than the drawing.
    drawn = cv2.dilate(lines.view(np.uint8), np.ones((2, 2), np.uint8))
    bx, by, bw, bh = cv2.boundingRect(drawn)
    if bw == 0:
        return
    part = (slice(by, by + bh), slice(bx, bx + bw))
    paint = np.empty((bh, bw, 3), np.uint8)
    paint[:] = colour
    cv2.copyTo(paint, drawn[part], view[part])
