"""Fictional clinic photos for the demo: rendered skin, never a real person.

A skin-coloured field with gentle shading and pores, some brown spots and a few fine dark lines;
``response`` in 0–1 clears that share of the spots and fades the rest, and the lines, as after
a course of treatment.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 640, 480


def render_skin(
    seed: int, *, response: float = 0.0, tone: tuple[int, int, int] = (224, 178, 150)
) -> bytes:
    """A PNG of fictional skin. Same seed, same patient: only ``response`` changes the picture."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
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
        spot = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * radius**2))
        image -= (spot * 38 * fade)[..., None] * np.array([0.8, 1.0, 1.1], np.float32)
    for _ in range(int(rng.integers(3, 7))):
        row, slope = rng.uniform(60, HEIGHT - 60), rng.uniform(-0.15, 0.15)
        line = np.exp(-((y - (row + slope * (x - WIDTH / 2))) ** 2) / 2.0)
        image -= (line * 30 * fade)[..., None]
    pixels = np.clip(image, 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()
