"""Fictional clinic photos for the demo: rendered skin, never a real person.

A skin-coloured field with gentle shading and pores, some brown spots and a few fine dark lines;
``response`` in 0–1 clears that share of the spots and fades the rest, and the lines, as after
a course of treatment.
"""

from __future__ import annotations

import io

import numpy as np
from numpy.typing import NDArray
from PIL import Image

WIDTH, HEIGHT = 640, 480


_REACH = 6.0
"""Spots and lines are drawn within this many widths of their centre: beyond it a Gaussian is
below 2e-8 of its depth, nothing a pixel's 8 bits can hold."""


def render_skin(
    seed: int,
    *,
    response: float = 0.0,
    tone: tuple[int, int, int] = (224, 178, 150),
    image_format: str = "PNG",
) -> bytes:
    """A photo of fictional skin, PNG (lossless) or JPEG (quality 95, as a clinic's camera
    delivers it). Same seed, same patient: only ``response`` changes the picture."""
    rng = np.random.default_rng(seed)
    y, x = np.ogrid[0:HEIGHT, 0:WIDTH]
    x, y = x.astype(np.float32), y.astype(np.float32)
    shade = 1.0 - 0.08 * ((x - WIDTH / 2) ** 2 + (y - HEIGHT / 2) ** 2) / (WIDTH / 2) ** 2
    image = np.asarray(tone, np.float32)[None, None, :] * shade[..., None]
    image += rng.normal(0, 3.0, (HEIGHT, WIDTH, 1)).astype(np.float32)
    fade = 1.0 - response
    for _ in range(int(rng.integers(12, 30))):
        cx, cy, radius = (
            rng.uniform(20, WIDTH - 20),
            rng.uniform(20, HEIGHT - 20),
            rng.uniform(3, 9),
        )
        if rng.uniform() < response:  # drawn for every spot, so a seed keeps its spots in place
            continue
        _spot(image, cx, cy, radius, 38 * fade)
    for _ in range(int(rng.integers(3, 7))):
        row, slope = rng.uniform(60, HEIGHT - 60), rng.uniform(-0.15, 0.15)
        _line(image, row, slope, 30 * fade)
    pixels = np.clip(image, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    if image_format == "JPEG":
        Image.fromarray(pixels, "RGB").save(buffer, format="JPEG", quality=95, subsampling=0)
    else:
        # Level 1: the pixels are the same at any level; 6 takes four times as long on noise.
        Image.fromarray(pixels, "RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _spot(image: NDArray[np.float32], cx: float, cy: float, radius: float, depth: float) -> None:
    """A brown spot: a Gaussian of ``radius``, drawn in the box it is visible in."""
    reach = _REACH * radius
    top, bottom = max(int(cy - reach), 0), min(int(cy + reach) + 1, HEIGHT)
    left, right = max(int(cx - reach), 0), min(int(cx + reach) + 1, WIDTH)
    y, x = np.ogrid[top:bottom, left:right]
    spot = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius**2)).astype(np.float32)
    image[top:bottom, left:right] -= (spot * depth)[..., None] * _SPOT_COLOUR


def _line(image: NDArray[np.float32], row: float, slope: float, depth: float) -> None:
    """A fine dark line across the frame, drawn in the band of rows it crosses."""
    ends = (row + slope * (0 - WIDTH / 2), row + slope * (WIDTH - 1 - WIDTH / 2))
    top = max(int(min(ends) - _REACH), 0)
    bottom = min(int(max(ends) + _REACH) + 1, HEIGHT)
    y, x = np.ogrid[top:bottom, 0:WIDTH]
    line = np.exp(-((y - (row + slope * (x - WIDTH / 2))) ** 2) / 2.0).astype(np.float32)
    image[top:bottom] -= (line * depth)[..., None]


_SPOT_COLOUR = np.array([0.8, 1.0, 1.1], np.float32)
