"""Skin phantoms with known ground truth, and simulated "captures" of them.

A phantom is rendered in CIELAB (D65) at a known scale: a skin tone with low-frequency mottling and
fine texture, dark spots (discs of known count and diameter), dark lines of Gaussian cross-section
(known length, width at half depth, and depth in L*), red patches (known area and Δa*), and an 18 %
grey card. :func:`capture` then photographs it: exposure and colour-cast change, small rotation,
sensor noise, JPEG compression. Used by the tests and by ``bench/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from resurface.imaging.colour import ita_deg, lab_from_linear, linear_from_lab, srgb8_from_linear

FloatArray = NDArray[np.float32]

CARD_REFLECTANCE = 0.18
RED_A_STAR_MIN = 18.0


@dataclass(frozen=True)
class PhantomSpec:
    """What to render. Lengths in mm, colours in CIELAB units."""

    width_mm: float = 80.0
    height_mm: float = 60.0
    px_per_mm: float = 10.0
    base_lab: tuple[float, float, float] = (62.0, 12.0, 17.0)
    spot_count: int = 10
    spot_diameter_mm: tuple[float, float] = (1.5, 4.0)
    spot_contrast_l: float = 12.0
    line_count: int = 5
    line_length_mm: tuple[float, float] = (8.0, 16.0)
    line_width_mm: float = 0.5
    line_contrast_l: float = 12.0
    red_patch_count: int = 2
    red_patch_radius_mm: tuple[float, float] = (3.0, 5.0)
    red_delta_a: float = 10.0
    global_delta_a: float = 0.0
    mottling_l: float = 1.0
    texture_l: float = 0.6
    grey_card: bool = True
    seed: int = 1
    # Nuisances with no truth of their own: none of them is a spot, a wrinkle or red skin.
    pore_count: int = 0
    pore_diameter_mm: tuple[float, float] = (0.15, 0.35)
    pore_contrast_l: float = 6.0
    hair_count: int = 0
    hair_length_mm: tuple[float, float] = (4.0, 9.0)
    hair_width_mm: float = 0.08
    hair_contrast_l: float = 30.0
    shadow: float = 0.0
    """Fraction of the light lost from the left edge to the right edge (a shadow gradient)."""
    highlight_count: int = 0
    highlight_radius_mm: tuple[float, float] = (0.6, 1.5)
    highlight_strength: float = 0.35


@dataclass(frozen=True)
class PhantomTruth:
    """Ground truth of a rendered phantom (skin = everything but the grey card)."""

    px_per_mm: float
    skin_area_mm2: float
    l_star_mean: float
    a_star_mean: float
    b_star_mean: float
    ita_deg: float
    spot_count: int
    spot_area_mm2: float
    spot_area_pct: float
    wrinkle_length_mm: float
    red_area_mm2: float
    red_area_pct: float
    hair_length_mm: float = 0.0


@dataclass(frozen=True)
class Phantom:
    """A rendered phantom: sRGB pixels, the true Lab field and the truth."""

    rgb: NDArray[np.uint8] = field(repr=False)
    lab: FloatArray = field(repr=False)
    truth: PhantomTruth
    spec: PhantomSpec


def _smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma_px: float) -> FloatArray:
    # Wide fields are drawn coarse (4 samples per σ) and interpolated: same statistics, faster.
    step = max(int(sigma_px / 4), 1)
    small = (shape[0] // step + 1, shape[1] // step + 1)
    noise = rng.standard_normal(small).astype(np.float32)
    field_ = cv2.GaussianBlur(noise, (0, 0), sigma_px / step)
    if step > 1:
        field_ = cv2.resize(
            field_, (small[1] * step, small[0] * step), interpolation=cv2.INTER_CUBIC
        )
    field_ = np.ascontiguousarray(field_[: shape[0], : shape[1]])
    return np.asarray(field_ / max(float(field_.std()), 1e-6), np.float32)


def _place(
    rng: np.random.Generator,
    taken: list[tuple[float, float, float]],
    radius: float,
    box: tuple[float, float, float, float],
) -> tuple[float, float]:
    x0, y0, x1, y1 = box
    for _ in range(2000):
        x, y = rng.uniform(x0 + radius, x1 - radius), rng.uniform(y0 + radius, y1 - radius)
        if all(np.hypot(x - tx, y - ty) > radius + tr for tx, ty, tr in taken):
            taken.append((x, y, radius))
            return x, y
    raise RuntimeError("phantom too crowded: fewer or smaller lesions, or a larger field")


def _disc(
    cx: float, cy: float, radius: float, shape: tuple[int, int]
) -> tuple[tuple[slice, slice], FloatArray]:
    """Anti-aliased disc coverage (0..1) in its bounding box."""
    y0, y1 = max(int(cy - radius - 2), 0), min(int(cy + radius + 3), shape[0])
    x0, x1 = max(int(cx - radius - 2), 0), min(int(cx + radius + 3), shape[1])
    yy, xx = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    alpha = np.clip(radius - np.hypot(xx - cx, yy - cy) + 0.5, 0.0, 1.0)
    return (slice(y0, y1), slice(x0, x1)), alpha.astype(np.float32)


def _card_mm(spec: PhantomSpec) -> tuple[float, float, float, float]:
    return (2.0, 2.0, 2.0 + 0.22 * spec.width_mm, 2.0 + 0.2 * spec.height_mm)


def _card_box(spec: PhantomSpec) -> tuple[slice, slice]:
    x0, y0, x1, y1 = (round(v * spec.px_per_mm) for v in _card_mm(spec))
    return slice(y0, y1), slice(x0, x1)


def skin_spec(px_per_mm: float, **changes: Any) -> PhantomSpec:
    """The bench's skin phantom (``bench.imaging``): 200 × 150 mm with 50 spots, 18 lines of
    8-20 mm and 6 red patches, at ``px_per_mm``, with ``changes`` (pores, say)."""
    spec = PhantomSpec(
        width_mm=200.0,
        height_mm=150.0,
        px_per_mm=px_per_mm,
        spot_count=50,
        line_count=18,
        line_length_mm=(8.0, 20.0),
        red_patch_count=6,
        seed=7,
    )
    return replace(spec, **changes)


def render_phantom(spec: PhantomSpec = PhantomSpec()) -> Phantom:
    """Render a phantom; the same spec always gives the same pixels."""
    # Layout and noise come from separate streams: the same scene at any resolution.
    rng = np.random.default_rng([spec.seed, 1])
    noise_rng = np.random.default_rng([spec.seed, 2])
    ppmm = spec.px_per_mm
    w, h = round(spec.width_mm * ppmm), round(spec.height_mm * ppmm)
    l_star = np.full((h, w), spec.base_lab[0], np.float32)
    a_star = np.full((h, w), spec.base_lab[1] + spec.global_delta_a, np.float32)
    b_star = np.full((h, w), spec.base_lab[2], np.float32)
    l_star += spec.mottling_l * _smooth_noise(noise_rng, (h, w), 4.0 * ppmm)
    b_star += 0.5 * spec.mottling_l * _smooth_noise(noise_rng, (h, w), 4.0 * ppmm)
    texture = (
        _smooth_noise(noise_rng, (h, w), 0.35 * ppmm)
        - _smooth_noise(noise_rng, (h, w), 1.2 * ppmm) * 0.3
    )
    l_star += spec.texture_l * texture / max(float(texture.std()), 1e-6)

    # Lesions stay 15 % away from the frame so that rotated captures keep them all.
    margin_x, margin_y = 0.15 * spec.width_mm, 0.15 * spec.height_mm
    zone = (margin_x, margin_y, spec.width_mm - margin_x, spec.height_mm - margin_y)
    card = _card_mm(spec)
    taken: list[tuple[float, float, float]] = []
    if spec.grey_card:
        taken.append(((card[0] + card[2]) / 2, (card[1] + card[3]) / 2, 0.6 * (card[2] - card[0])))

    line_mask = np.zeros((h, w), np.uint8)
    total_line = 0.0
    for _ in range(spec.line_count):
        length = rng.uniform(*spec.line_length_mm)
        cx, cy = _place(rng, taken, length / 2 + 1.0, zone)
        angle = rng.uniform(0, np.pi)
        bend = rng.uniform(-0.15, 0.15) * length  # a gentle arc
        t = np.linspace(-0.5, 0.5, 200)
        px = cx + t * length * np.cos(angle) - (1 - 4 * t * t) * bend * np.sin(angle) / 2
        py = cy + t * length * np.sin(angle) + (1 - 4 * t * t) * bend * np.cos(angle) / 2
        pts = np.stack([px, py], axis=1)
        # Rescale the arc so that its true length is exactly `length`.
        arc = float(np.sum(np.hypot(*np.diff(pts, axis=0).T)))
        pts = (pts - [cx, cy]) * (length / arc) + [cx, cy]
        total_line += length
        shift = 4
        poly = np.round(pts * ppmm * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(line_mask, [poly], False, 255, 1, cv2.LINE_8, shift)
    if spec.line_count:
        distance = cv2.distanceTransform(255 - line_mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        s = spec.line_width_mm * ppmm / 2.3548  # width given at half depth
        l_star -= spec.line_contrast_l * np.exp(-(distance**2) / (2 * s * s)).astype(np.float32)

    spot_area = 0.0
    for _ in range(spec.spot_count):
        radius = rng.uniform(*spec.spot_diameter_mm) / 2
        cx, cy = _place(rng, taken, radius + 1.5, zone)
        box, alpha = _disc(cx * ppmm, cy * ppmm, radius * ppmm, (h, w))
        l_star[box] -= spec.spot_contrast_l * alpha
        b_star[box] += 0.3 * spec.spot_contrast_l * alpha
        spot_area += np.pi * radius * radius

    total_hair = 0.0
    # Hair, pores and highlights have streams of their own: adding or removing them leaves the
    # lesions and each other where they were.
    hair_rng = np.random.default_rng([spec.seed, 3])
    pore_rng = np.random.default_rng([spec.seed, 4])
    glint_rng = np.random.default_rng([spec.seed, 5])
    if spec.hair_count:
        hair_mask = np.zeros((h, w), np.uint8)
        for _ in range(spec.hair_count):
            length = hair_rng.uniform(*spec.hair_length_mm)
            cx, cy = _place(hair_rng, taken, length / 2 + 0.8, zone)
            angle = hair_rng.uniform(0, np.pi)
            total_hair += length
            ends = np.array(
                [[cx - length / 2 * np.cos(angle), cy - length / 2 * np.sin(angle)],
                 [cx + length / 2 * np.cos(angle), cy + length / 2 * np.sin(angle)]]
            )  # fmt: skip
            poly = np.round(ends * ppmm * 16).astype(np.int32).reshape(-1, 1, 2)
            cv2.polylines(hair_mask, [poly], False, 255, 1, cv2.LINE_8, 4)
        distance = cv2.distanceTransform(255 - hair_mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
        s_hair = spec.hair_width_mm * ppmm / 2.3548
        l_star -= spec.hair_contrast_l * np.exp(-(distance**2) / (2 * s_hair * s_hair)).astype(
            np.float32
        )
    for _ in range(spec.pore_count):
        # Pores fall anywhere, on lines and spots too (where they deepen them).
        radius = pore_rng.uniform(*spec.pore_diameter_mm) / 2
        cx, cy = pore_rng.uniform(zone[0], zone[2]), pore_rng.uniform(zone[1], zone[3])
        box, alpha = _disc(cx * ppmm, cy * ppmm, radius * ppmm, (h, w))
        l_star[box] -= spec.pore_contrast_l * alpha

    red = np.zeros((h, w), np.float32)
    red_taken = taken[:1] if spec.grey_card else []  # redness may overlie spots and lines
    for _ in range(spec.red_patch_count):
        radius = rng.uniform(*spec.red_patch_radius_mm)
        cx, cy = _place(rng, red_taken, radius, zone)
        box, alpha = _disc(cx * ppmm, cy * ppmm, radius * ppmm, (h, w))
        red[box] = np.maximum(red[box], alpha)
    red = cv2.GaussianBlur(red, (0, 0), 0.15 * ppmm)
    a_star += spec.red_delta_a * red

    lab = np.dstack([l_star, a_star, b_star]).astype(np.float32)
    linear = linear_from_lab(lab)
    for _ in range(spec.highlight_count):
        # Specular reflection: the light source's own colour (white) added on top of the skin.
        radius = glint_rng.uniform(*spec.highlight_radius_mm)
        cx, cy = _place(glint_rng, taken, 3 * radius, zone)
        box, _ = _disc(cx * ppmm, cy * ppmm, 3 * radius * ppmm, (h, w))
        yy, xx = np.mgrid[box[0], box[1]].astype(np.float32)
        glow = np.exp(-((xx - cx * ppmm) ** 2 + (yy - cy * ppmm) ** 2) / (2 * (radius * ppmm) ** 2))
        linear[box] += (spec.highlight_strength * glow)[..., None]
    if spec.shadow:
        light = 1.0 - spec.shadow * np.linspace(0.0, 1.0, w, dtype=np.float32)
        linear *= light[None, :, None]
    linear = np.clip(linear, 0.0, 1.0)
    skin = np.ones((h, w), bool)
    if spec.grey_card:
        linear[_card_box(spec)] = CARD_REFLECTANCE
        skin[_card_box(spec)] = False
    rgb = srgb8_from_linear(linear)
    true_lab = lab_from_linear(linear)  # what the pixels really are, after gamut clipping
    skin_mm2 = float(skin.sum()) / ppmm**2
    l_mean, a_mean, b_mean = (float(v) for v in true_lab[skin].astype(np.float64).mean(axis=0))
    # Red skin, as defined for the phantom: a* at least RED_A_STAR_MIN (the analysis default).
    red_mm2 = float(np.count_nonzero((a_star >= RED_A_STAR_MIN) & skin)) / ppmm**2
    truth = PhantomTruth(
        px_per_mm=ppmm,
        skin_area_mm2=skin_mm2,
        l_star_mean=l_mean,
        a_star_mean=a_mean,
        b_star_mean=b_mean,
        ita_deg=float(ita_deg(l_mean, b_mean)),
        spot_count=spec.spot_count,
        spot_area_mm2=spot_area,
        spot_area_pct=100.0 * spot_area / skin_mm2,
        wrinkle_length_mm=total_line,
        red_area_mm2=red_mm2,
        red_area_pct=100.0 * red_mm2 / skin_mm2,
        hair_length_mm=total_hair,
    )
    return Phantom(rgb=rgb, lab=true_lab, truth=truth, spec=spec)


def capture(
    phantom: Phantom,
    *,
    gains: tuple[float, float, float] = (1.0, 1.0, 1.0),
    rotation_deg: float = 0.0,
    noise_dn: float = 0.0,
    jpeg_quality: int | None = None,
    seed: int = 0,
) -> NDArray[np.uint8]:
    """Photograph a phantom again: lighting (linear gains), rotation, noise (8-bit DN), JPEG.

    As in a camera, the signal is quantised to 8 bits once, after the noise: noise dithers the
    quantisation, so averages over many pixels keep sub-step precision.
    """
    linear = linear_from_lab(phantom.lab) * np.asarray(gains, np.float32)
    if phantom.spec.grey_card:
        card = _card_box(phantom.spec)
        linear[card] = CARD_REFLECTANCE * np.asarray(gains, np.float32)
    value = np.clip(linear, 0.0, 1.0)
    encoded = np.where(value <= 0.0031308, value * 12.92, 1.055 * np.power(value, 1 / 2.4) - 0.055)
    signal = (encoded * 255.0).astype(np.float32)
    if rotation_deg:
        h, w = signal.shape[:2]
        matrix = cv2.getRotationMatrix2D((w / 2, h / 2), rotation_deg, 1.0)
        signal = cv2.warpAffine(
            signal, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101
        )
    if noise_dn:
        rng = np.random.default_rng(seed)
        signal = signal + rng.normal(0.0, noise_dn, signal.shape).astype(np.float32)
    rgb = np.clip(signal + 0.5, 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        ok, encoded = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality])
        assert ok
        rgb = np.ascontiguousarray(cv2.imdecode(encoded, cv2.IMREAD_COLOR)[..., ::-1])
    return rgb


def with_changes(spec: PhantomSpec, **changes: object) -> PhantomSpec:
    """The same scene (same seed) with some lesions changed, e.g. for an after photo."""
    return replace(spec, **changes)  # type: ignore[arg-type]
