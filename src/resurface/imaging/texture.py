"""Texture and evenness of tone.

Roughness is the spread (root mean square) of band-passed lightness: a difference of Gaussians
keeps relief between about 0.3 mm and 1.5 mm (finer is sensor noise and JPEG, coarser is tone).
Evenness of tone is the spread of ITA° after smoothing away texture, so it sees mottled
pigmentation and spots (:func:`tone_map`); the field of both of ITA°'s coordinates (L* and b*
smoother than :data:`ILLUMINATION_MM`) is removed first, so the shading of a curved face and the
colour of the light across it are not read as uneven skin. Before analysis version 2026.12.7
only the lightness field was removed: the coarse slope of b* left in made the spread depend on
exactly where the region's edge fell and on the light's level, and tone moved up to 4.0 %
between repeat captures of a face (now at most 2.8 %). Both filter only
the measured skin (normalised convolution [3]): hair, lids, lips and the face's edge next to a
region do not leak into it, which moved texture around the eyes by 11 % between repeat captures.
The coarse mean of the texture band is corrected to first order at the edge of the skin
(:func:`masked_low_pass` with ``first_order``): a plain normalised mean there is a one-sided
mean, off by the lightness gradient times the shift of its centroid, so the shading toward the
lips or an eye drew a bright rim of false texture along the region's edge, and that rim moved
with every sub-millimetre shift of the region between repeat captures (5.4 % around the mouth).

References
----------
.. [1] Marr D, Hildreth E. Theory of edge detection. Proc R Soc Lond B 1980;207:187-217
       (difference of Gaussians as a band-pass filter).
.. [2] Rousseeuw PJ, Croux C. Alternatives to the median absolute deviation.
       J Am Stat Assoc 1993;88:1273-1283 (1.4826·MAD estimates σ).
.. [3] Knutsson H, Westin C-F. Normalized and differential convolution. Proc IEEE CVPR 1993:
       515-523 (filtering only the valid pixels of an image; normalised differential
       convolution, its first-order form).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import cv2

__all__ = [
    "ILLUMINATION_MM",
    "band_pass",
    "flattened",
    "ita_map",
    "masked_low_pass",
    "mean_std",
    "robust_std",
    "std64",
    "tone_map",
]

FloatArray = NDArray[np.float32]


#: Lighting on a face varies over distances of about a centimetre and more (the curve of the
#: forehead, the shade beside the nose, a window's light on one side and the room's on the
#: other): L* and b* smoother than a Gaussian of this σ (mm) are taken as illumination and removed
#: before tone is measured. This project's choice (not a literature value), the clinic's to
#: change; mottling and spots (up to ~10 mm) pass it.
ILLUMINATION_MM = 6.0


def band_pass(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    fine_mm: float = 0.3,
    coarse_mm: float = 1.5,
    weight: FloatArray | None = None,
    weighted: FloatArray | None = None,
) -> FloatArray:
    """Difference of Gaussians σ = ``fine_mm`` minus σ = ``coarse_mm`` (L* units).

    With ``weight`` (1 on measured skin, 0 elsewhere) both Gaussians are normalised
    convolutions [3]: means of the skin pixels only, so the edge of hair, lids or lips and
    whatever fills them do not leak into the texture of the skin beside them. ``weighted``,
    if given, is ``l_star * weight`` already computed (both means use it).
    """
    if weight is None:
        fine = cv2.GaussianBlur(l_star, (0, 0), max(fine_mm * px_per_mm, 0.5))
        coarse = _low_pass(l_star, coarse_mm * px_per_mm)
        return np.asarray(fine - coarse, np.float32)
    if weighted is None:
        weighted = np.multiply(l_star, weight, dtype=np.float32)
    fine = masked_low_pass(l_star, weight, fine_mm * px_per_mm, weighted=weighted)
    coarse = masked_low_pass(
        l_star, weight, coarse_mm * px_per_mm, first_order=True, weighted=weighted
    )
    return np.asarray(fine - coarse, np.float32)


def masked_low_pass(
    image: FloatArray,
    weight: FloatArray,
    sigma_px: float,
    *,
    first_order: bool = False,
    weighted: FloatArray | None = None,
) -> FloatArray:
    """Normalised convolution [3]: the Gaussian mean of ``image`` over pixels of ``weight``.

    Near the edge of ``weight`` that mean is taken over one side only: it is the value at the
    weighted centroid of the kernel, not at the pixel. With ``first_order`` it is carried back to
    the pixel along the local gradient (mean − ∇mean · (centroid − pixel)), which is exact for a
    linear ramp of lightness, the shading toward an edge [3]. Every term of that is smooth, so a
    wide one is computed at reduced resolution and enlarged once. ``weighted``, if given, is
    ``image * weight`` already computed.
    """
    if weighted is None:
        weighted = np.multiply(image, weight, dtype=np.float32)
    if not first_order:
        return _masked_means([image], weight, sigma_px, [weighted])[0]
    h, w = image.shape
    factor = min(1.0, 3.0 / max(sigma_px, 1e-6))
    size = (w, h) if factor >= 0.5 else (max(round(w * factor), 1), max(round(h * factor), 1))
    step_x, step_y = w / size[0], h / size[1]  # full-resolution pixels per reduced pixel

    def reduced(values: FloatArray) -> FloatArray:
        if size != (w, h):
            values = cv2.resize(values, size, interpolation=cv2.INTER_AREA)
        return np.asarray(cv2.GaussianBlur(values, (0, 0), max(sigma_px / step_x, 0.5)), np.float32)

    den = np.maximum(reduced(weight), np.float32(1e-3))
    mean = reduced(weighted) / den
    # The centroid's shift from each pixel, in reduced pixels.
    xs = np.broadcast_to(np.arange(w, dtype=np.float32), (h, w))
    ys = np.broadcast_to(np.arange(h, dtype=np.float32)[:, None], (h, w))
    grid_x = np.broadcast_to((np.arange(size[0], dtype=np.float32) + 0.5) * step_x - 0.5, den.shape)
    grid_y = np.broadcast_to(
        (np.arange(size[1], dtype=np.float32)[:, None] + 0.5) * step_y - 0.5, den.shape
    )
    shift_x = (reduced(np.asarray(xs * weight, np.float32)) / den - grid_x) / np.float32(step_x)
    shift_y = (reduced(np.asarray(ys * weight, np.float32)) / den - grid_y) / np.float32(step_y)
    slope_x = cv2.Sobel(mean, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    slope_y = cv2.Sobel(mean, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    corrected = np.asarray(mean - slope_x * shift_x - slope_y * shift_y, np.float32)
    if size != (w, h):
        corrected = cv2.resize(corrected, (w, h), interpolation=cv2.INTER_LINEAR)
    return np.asarray(corrected, np.float32)


def _masked_means(
    images: list[FloatArray],
    weight: FloatArray,
    sigma_px: float,
    weighted: list[FloatArray | None] | None = None,
) -> list[FloatArray]:
    """:func:`masked_low_pass` (zero order) of several images over one ``weight``, whose own
    Gaussian mean (the denominator) is computed once (``weighted``: each ``image * weight``
    already computed, or None)."""

    def blur(values: FloatArray) -> FloatArray:
        if sigma_px * 3.0 < 4.0:
            return np.asarray(cv2.GaussianBlur(values, (0, 0), max(sigma_px, 0.5)), np.float32)
        return _low_pass(values, sigma_px)

    den = np.maximum(blur(weight), np.float32(1e-3))
    products = weighted if weighted is not None else [None] * len(images)
    return [
        np.asarray(
            blur(product if product is not None else np.multiply(im, weight, dtype=np.float32))
            / den,
            np.float32,
        )
        for im, product in zip(images, products, strict=True)
    ]


def flattened(
    channel: FloatArray, weight: FloatArray, *, px_per_mm: float, field_mm: float = ILLUMINATION_MM
) -> FloatArray:
    """``channel`` (L* or b*) with its illumination field (its Gaussian mean over the skin,
    σ = ``field_mm``) replaced by the skin's mean value: shading gone, local tone kept.

    The level is the mean, not the median (as before analysis version 2026.12.7): a photo's
    8-bit, JPEG-compressed skin takes few distinct colours (0.6 % of a smooth phantom's skin
    pixels, 5 % of a face's have a b* of their own), so the median snaps from one to another: on
    repeat captures of a face it moved b* by up to 0.42 where the mean moved 0.07, and ITA°'s
    spread, which depends on the level (about 2 % per b*), with it.
    """
    field = masked_low_pass(channel, weight, field_mm * px_per_mm)
    skin = channel[weight > 0]
    level = float(skin.mean(dtype=np.float64)) if skin.size else 0.0
    return np.asarray(channel - field + np.float32(level), np.float32)


def tone_map(
    l_star: FloatArray,
    b_star: FloatArray,
    weight: FloatArray,
    *,
    px_per_mm: float,
    field_mm: float = ILLUMINATION_MM,
    smooth_mm: float = 1.0,
    skin: NDArray[np.bool_] | None = None,
    l_weighted: FloatArray | None = None,
) -> FloatArray:
    """ITA° per pixel of the skin's own tone pattern, degrees: L* and b* each with its
    illumination field removed (:func:`flattened`), then smoothed over ``smooth_mm`` and
    ``weight`` only (:func:`ita_map`). Its spread over a region is the tone's unevenness.

    Both coordinates of ITA° lose the same field. Variation of b* coarser than it is as much the
    light's as the skin's (the colour of a window's light on one side of the face and the room's
    on the other, light reflected off clothes), and when it was kept (analysis versions before
    2026.12.7, which flattened L* alone) its slope across a region made the spread depend on
    exactly where the region's edge lay and on the light's level: tone unevenness of a face moved
    up to 4.0 % between repeat captures (cheeks; 3.4 % around the eyes, 3.2 % around the mouth),
    now 2.8 %. A pigment pattern changes L* and b* together; mottling and blotches up to about
    10 mm pass the field in b* as they pass it in L*.

    ``skin`` (``weight > 0``) and ``l_weighted`` (``l_star * weight``), if given, are used
    instead of being computed again.
    """
    # As flattened() and ita_map(), with each Gaussian mean of the weight computed once.
    if skin is None:
        skin = weight > 0
    fields = _masked_means([l_star, b_star], weight, field_mm * px_per_mm, [l_weighted, None])
    flat = []
    for channel, field in zip((l_star, b_star), fields, strict=True):
        values = channel[skin]
        level = float(values.mean(dtype=np.float64)) if values.size else 0.0
        flat.append(np.asarray(channel - field + np.float32(level), np.float32))
    l_smooth, b_smooth = _masked_means(flat, weight, max(smooth_mm * px_per_mm, 0.5))
    return _ita(l_smooth, b_smooth)


def _low_pass(image: FloatArray, sigma_px: float) -> FloatArray:
    """Gaussian blur; wide ones at reduced resolution (the result is smooth anyway)."""
    h, w = image.shape
    factor = min(1.0, 3.0 / max(sigma_px, 1e-6))
    if factor >= 0.5:
        return np.asarray(cv2.GaussianBlur(image, (0, 0), max(sigma_px, 0.5)), np.float32)
    size = (max(round(w * factor), 1), max(round(h * factor), 1))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(sigma_px * size[0] / w, 0.5))
    return np.asarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def ita_map(
    l_star: FloatArray,
    b_star: FloatArray,
    *,
    px_per_mm: float,
    smooth_mm: float = 1.0,
    weight: FloatArray | None = None,
) -> FloatArray:
    """ITA° per pixel of the smoothed L* and b*, degrees (smoothed over ``weight`` only)."""
    sigma = max(smooth_mm * px_per_mm, 0.5)
    if weight is None:
        l_smooth = _low_pass(l_star, sigma)
        b_smooth = _low_pass(b_star, sigma)
    else:
        l_smooth = masked_low_pass(l_star, weight, sigma)
        b_smooth = masked_low_pass(b_star, weight, sigma)
    return _ita(l_smooth, b_smooth)


def _ita(l_star: FloatArray, b_star: FloatArray) -> FloatArray:
    # cv2.phase gives atan2(y, x) in [0, 360); ITA lies in (-90, 90) as b* > 0 on skin.
    angle = np.asarray(cv2.phase(b_star, l_star - 50.0, angleInDegrees=True), np.float32)
    np.subtract(angle, np.float32(360.0), out=angle, where=angle > 180.0)
    return angle


def robust_std(values: NDArray[np.float32]) -> float:
    """1.4826 × median absolute deviation: σ of the bulk, unmoved by a few outliers [2]."""
    if values.size == 0:
        return 0.0
    if values.size > 400_000:  # a regular subsample estimates the median to well below 1 %
        values = values[:: values.size // 200_000]
    median = np.median(values)
    return float(1.4826 * np.median(np.abs(values - median)))


def mean_std(values: NDArray[np.float32]) -> tuple[float, float]:
    """Mean and standard deviation accumulated in float64 (float32 sums drift on 10⁷ pixels)."""
    v = values.astype(np.float64)
    return float(v.mean()), float(v.std())


def std64(values: NDArray[np.float32]) -> float:
    """:func:`mean_std`'s standard deviation alone: numpy's ``std`` of the values in float64, the
    same operations in the same order (mean, deviations, squares, their mean, square root), done
    in one float64 copy of the values instead of three images and an extra mean."""
    x = values.astype(np.float64)
    if x.size == 0:
        return float(x.std())
    count = np.intp(x.size)
    mean = np.add.reduce(x, axis=None, keepdims=True)
    np.true_divide(mean, count, out=mean)
    np.subtract(x, mean, out=x)
    np.multiply(x, x, out=x)
    total = np.add.reduce(x, axis=None)
    return float(np.sqrt(total.dtype.type(total / count)))


def mean64(values: NDArray[np.float32]) -> float:
    """:func:`mean_std`'s mean alone (the same number, without the spread's passes)."""
    return float(values.astype(np.float64).mean())
