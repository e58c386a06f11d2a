"""Pigmented spots: L* below the skin around them, segmented at half each spot's contrast.

Thresholds adapt to the skin: a spot must be darker than its surround by a fixed fraction of
the local reflectance, expressed in L* as a fraction of (L*_surround + 16) (L* = 116·Y^(1/3) − 16,
so a relative drop ΔY/Y of reflectance lowers L* by about (L* + 16)/3 · ΔY/Y whatever the skin's
lightness), and by several robust standard deviations [3] of the skin's own variation at the
scale of spots, so that the same relative contrast is found on every skin type and ordinary
texture is not counted on any.

The surround is the Gaussian mean (σ 2 mm) of the measured skin only (normalised convolution
[4]): hair, lids and the filled non-skin beside a region do not enter it. It is taken again
without the pixels that stand out of the first estimate (spots, and highlights around which
ordinary skin would read as darker). The spread is measured about that surround, so the face's
shading, which changes over a centimetre and more, hardly enters it. (Judged against a 12 mm
median background, as before analysis version 2026.12.4, the shading of the upscaled astronaut
raised 5 σ to 15-35 L*, above the 13-14 L* of spots drawn on it, and six of nine were missed.)

Pixels at least half the threshold dark are candidates; those reaching it near the top of their
own blob are cores. Each core is grown to the pixels at least half as dark as its own peak (full
width at half maximum, so that the area does not depend on the contrast), within its own reach;
two cores stay apart only where lighter skin separates them. Components that are too small
(pores), too large (tone, not spots), elongated or lying along a line (lines are measured as
wrinkles), or lying along the edge of the measured skin (the shade of hair, a lid or the face's
edge) are dropped, and so is a blob beside such a patch and nearly as deep (whether the saddle
between them cuts it off changes from one capture to the next). Small unmeasured islands inside
the skin are measured for spots: the per-photo skin model sometimes leaves out the darkest part
of a spot, in one capture and not the next.

References
----------
.. [1] Chardon A, Cretois I, Hourseau C. Skin colour typology and suntanning pathways.
       Int J Cosmet Sci 1991;13:191-208.
.. [2] Huang T, Yang G, Tang G. A fast two-dimensional median filtering algorithm.
       IEEE Trans Acoust Speech Signal Process 1979;27:13-18.
.. [3] Rousseeuw PJ, Croux C. Alternatives to the median absolute deviation.
       J Am Stat Assoc 1993;88:1273-1283 (1.4826·MAD estimates σ).
.. [4] Knutsson H, Westin C-F. Normalized and differential convolution. Proc IEEE CVPR 1993:
       515-523 (filtering only the valid pixels of an image).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from resurface.imaging._cv import content_box, cv2

__all__ = [
    "SPOT_MIN_RELATIVE_CONTRAST",
    "SkinReference",
    "SpotContrast",
    "SpotMap",
    "background_l_star",
    "detect_spots",
    "skin_reference",
    "spot_contrast",
]

FloatArray = NDArray[np.float32]
BoolArray = NDArray[np.bool_]

_BACKGROUND_PX_PER_MM = 2.0
#: Texture is the detail finer than this (Gaussian σ, mm).
_TEXTURE_MM = 1.0
#: The skin's spread is taken over this neighbourhood (Gaussian σ, mm).
_SIGMA_WINDOW_MM = 4.0
#: A spot is judged against the skin around it: the Gaussian mean (this σ, mm) of the measured
#: skin beside it, spots left out. Lentigines are mostly 2-5 mm across; the face's shading
#: changes over a centimetre and more, so within this reach it barely moves the surround.
#: This project's choice (not a literature value).
_SURROUND_MM = 2.0
#: Margin (mm) around a dark patch left out of the surround: its soft edge.
_EXCLUSION_MARGIN_MM = 0.3
#: A spot's core: its pixels within this share of the darkest within :data:`_CORE_REACH_MM`.
_CORE_SHARE = 0.8
_CORE_REACH_MM = 1.0
#: Times the surround is taken again without what stands out of the previous one.
_SURROUND_PASSES = 2
#: Width (mm) of the ring just outside a spot whose unmeasured share is checked.
_EDGE_RING_MM = 0.3
#: A spot may have at most this share of that ring unmeasured (strands as thin as a hair are not
#: counted); a dark patch lying along the edge of the measured skin is shade. Project's choice.
_MAX_EDGE_FRACTION = 0.1
#: Unmeasured islands smaller than this (mm²) inside the skin are measured for spots (the skin
#: model may leave out the darkest part of a spot); hair, lids, lips and the face's edge are
#: larger. Project's choice.
_ISLAND_MM2 = 25.0
#: A spot's peak is at least this fraction of (L*_surround + 16) darker: about 15 % less
#: reflectance (4 L* on skin of L* 62, 2.4 on skin of L* 30, 4.8 on skin of L* 78).
SPOT_MIN_RELATIVE_CONTRAST = 0.05
#: ... and at least this many robust σ of the skin's own variation at the spots' scale.
SPOT_MIN_SIGMAS = 5.5


@dataclass(frozen=True, slots=True)
class SkinReference:
    """What "ordinary skin" is at each pixel: its lightness and the spread of its texture.

    Attributes
    ----------
    background : ndarray, float32
        Large-scale L* (median over 12 mm, :func:`background_l_star`).
    fine_sigma : ndarray, float32
        Local standard deviation of the fine texture (L* − its 1 mm Gaussian mean) over the
        skin within about 4 mm, at least 0.3 L*: the spread lines are judged against. It is
        robust: deviations are clipped at three times their median before they are averaged
        (1.2533 × the mean |x| estimates σ of Gaussian detail), so the lines themselves barely
        raise it [3].
    window : tuple of (ndarray of bool, ndarray of float32), optional
        The skin pixels σ was taken over and the Gaussian share of them around each pixel (at
        least 0.001), for :func:`detect_spots` to reuse when it measures over the same pixels.
    """

    background: FloatArray = field(repr=False)
    fine_sigma: FloatArray = field(repr=False)
    window: tuple[BoolArray, FloatArray] | None = field(default=None, repr=False, compare=False)

    def scale(self) -> FloatArray:
        """(L*_background + 16): thresholds are fractions of it."""
        return np.asarray(self.background + np.float32(16.0), np.float32)


def skin_reference(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    smooth_mm: float = 0.1,
) -> SkinReference:
    """Background lightness and fine-texture σ of a lightness image (what lines are judged
    against; spots have their own, :func:`spot_contrast`).

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        L* with non-skin already filled with typical skin lightness.
    px_per_mm : float
    valid : ndarray of bool, optional
        Skin pixels; only they count towards σ.
    smooth_mm : float, optional
        Smoothing against sensor noise (as used by :func:`detect_spots`).

    Returns
    -------
    SkinReference
    """
    smooth = cv2.GaussianBlur(l_star, (0, 0), max(smooth_mm * px_per_mm, 0.5))
    background = background_l_star(smooth, px_per_mm=px_per_mm)
    # Lines are judged by a band-pass filter, so their σ is that of the fine detail about a
    # 1 mm mean (shading that the background does not follow, as beside a fringe, is not line
    # texture).
    fine = _gaussian(smooth, max(_TEXTURE_MM * px_per_mm, 0.5))
    np.subtract(smooth, fine, out=fine)
    skin = np.ones(l_star.shape, bool) if valid is None else valid
    weight = skin.astype(np.float32)
    share = _window_share(weight, _SIGMA_WINDOW_MM * px_per_mm)
    fine_sigma = _local_sigma(
        np.abs(fine, out=fine), skin, _SIGMA_WINDOW_MM * px_per_mm, weight, share=share
    )
    return SkinReference(background=background, fine_sigma=fine_sigma, window=(skin, share))


def _gaussian(image: FloatArray, sigma_px: float) -> FloatArray:
    """``cv2.GaussianBlur(image, (0, 0), sigma_px)``, for wide kernels through the Fourier
    transform: the same kernel (81 taps at σ 10 px) and border (reflected), the same result to
    float32 rounding (about 1e-6 of the image's range), in half the time at σ 10 px."""
    radius = round(sigma_px * 4.0)  # OpenCV's kernel size for float images: 8σ + 1
    h, w = image.shape
    if radius < 32 or min(h, w) <= radius:  # below, the direct filter is faster
        return np.asarray(cv2.GaussianBlur(image, (0, 0), sigma_px), np.float32)
    rows = cv2.getOptimalDFTSize(h + 2 * radius)
    cols = cv2.getOptimalDFTSize(w + 2 * radius)
    # The image reflected into a margin of at least the kernel's reach on every side, so that
    # nothing wraps around; transformed, filtered and transformed back in place.
    padded = cv2.copyMakeBorder(
        image, radius, rows - h - radius, radius, cols - w - radius, cv2.BORDER_REFLECT_101
    )
    cv2.dft(padded, dst=padded, flags=cv2.DFT_REAL_OUTPUT)
    cv2.mulSpectrums(padded, _gaussian_spectrum(rows, cols, radius, sigma_px), 0, padded)
    flags = cv2.DFT_INVERSE | cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT
    cv2.dft(padded, dst=padded, flags=flags)
    return np.ascontiguousarray(padded[radius : radius + h, radius : radius + w])


@functools.lru_cache(maxsize=1)
def _gaussian_spectrum(rows: int, cols: int, radius: int, sigma_px: float) -> FloatArray:
    """Fourier transform (OpenCV's packed real format) of the Gaussian kernel of
    ``cv2.GaussianBlur`` centred on (0, 0) of a periodic ``rows`` × ``cols`` frame (kept for the
    next photo of the same size)."""
    taps = np.roll(cv2.getGaussianKernel(2 * radius + 1, sigma_px, cv2.CV_32F).ravel(), -radius)
    offsets = np.roll(np.arange(-radius, radius + 1), -radius)
    kernel = np.zeros((rows, cols), np.float32)
    kernel[np.ix_(offsets % rows, offsets % cols)] = np.outer(taps, taps)
    spectrum = np.asarray(cv2.dft(kernel, dst=kernel, flags=cv2.DFT_REAL_OUTPUT), np.float32)
    spectrum.flags.writeable = False
    return spectrum


def _median(values: FloatArray) -> float:
    if values.size == 0:
        return 0.0
    if values.size > 400_000:  # a regular subsample estimates the median to well below 1 %
        values = values[:: values.size // 200_000]
    return float(np.median(values))


def _masked_median(image: FloatArray, mask: BoolArray) -> float:
    """``_median(image[mask])``, gathering only the pixels of the subsample."""
    if not image.flags.c_contiguous:
        return _median(image[mask])
    index = np.flatnonzero(mask)
    if index.size > 400_000:
        index = index[:: index.size // 200_000]
    return _median(image.ravel()[index])


def _blur(image: FloatArray, sigma_px: float, out: FloatArray | None = None) -> FloatArray:
    """Wide Gaussian blur at reduced resolution (the result is smooth anyway), into ``out``
    when given (which may be ``image`` itself: it is read before it is written)."""
    h, w = image.shape
    factor = min(1.0, 3.0 / max(sigma_px, 1e-6))
    size = (max(round(w * factor), 1), max(round(h * factor), 1))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (0, 0), max(sigma_px * size[0] / w, 0.5))
    if out is None:
        out = np.empty((h, w), np.float32)
    return np.asarray(cv2.resize(small, (w, h), dst=out, interpolation=cv2.INTER_LINEAR))


@dataclass(frozen=True, slots=True)
class SpotMap:
    """Detected spots.

    Attributes
    ----------
    mask : ndarray of bool
        Spot pixels.
    centroids_px : ndarray, shape (N, 2), float32
        (x, y) centre of each spot.
    areas_px : ndarray, shape (N,), float32
        Area of each spot, pixels.
    contrast_l_star : ndarray, shape (N,), float32
        Peak L* drop of each spot below the skin around it.
    """

    mask: BoolArray = field(repr=False)
    centroids_px: FloatArray = field(repr=False)
    areas_px: FloatArray = field(repr=False)
    contrast_l_star: FloatArray = field(repr=False)


@dataclass(frozen=True, slots=True)
class SpotContrast:
    """What a spot is judged against at each pixel.

    Attributes
    ----------
    darker : ndarray, float32
        L* below the surround (positive where darker).
    surround : ndarray, float32
        L* of the measured skin around the pixel, spots left out (:data:`_SURROUND_MM`).
    sigma : ndarray, float32
        Robust local σ of (surround − L*) over the skin within about 4 mm, at least 0.3 L*:
        the skin's own variation at the scale of spots, with the face's shading (which changes
        over a centimetre and more) mostly left out.
    """

    darker: FloatArray = field(repr=False)
    surround: FloatArray = field(repr=False)
    sigma: FloatArray = field(repr=False)


def background_l_star(
    l_star: FloatArray, *, px_per_mm: float, window_mm: float = 12.0
) -> FloatArray:
    """Large-scale lightness: a median over ``window_mm``, computed at 2 px/mm then smoothed.

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
    px_per_mm : float
        Scale of ``l_star``.
    window_mm : float, optional
        Median window; spots up to about half this diameter leave it unchanged.

    Returns
    -------
    ndarray, shape (H, W), float32
    """
    h, w = l_star.shape
    factor = min(1.0, _BACKGROUND_PX_PER_MM / px_per_mm)
    small_size = (max(round(w * factor), 1), max(round(h * factor), 1))
    small = cv2.resize(l_star, small_size, interpolation=cv2.INTER_AREA)
    # medianBlur needs 8 bits for large windows: 0.4 L* steps are far below any threshold used.
    quantised = np.clip(small * 2.5, 0, 255).astype(np.uint8)
    ksize = max(round(window_mm * px_per_mm * factor) | 1, 3)
    median = cv2.medianBlur(quantised, ksize).astype(np.float32) / 2.5
    median = cv2.GaussianBlur(median, (0, 0), max(ksize / 6.0, 0.5))
    return np.asarray(cv2.resize(median, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)


def spot_contrast(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    smooth_mm: float = 0.2,
    exclude_sigmas: float = 2.0,
    window: tuple[BoolArray, FloatArray] | None = None,
) -> SpotContrast:
    """How much darker each pixel is than the skin around it, and the skin's own spread.

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        Lightness L*.
    px_per_mm : float
        Scale of the image.
    valid : ndarray of bool, optional
        Measured skin: only it makes up the surround and the spread.
    smooth_mm : float, optional
        Gaussian smoothing against sensor noise (and most of the contrast of pores).
    exclude_sigmas : float, optional
        Pixels this many σ darker than the first surround are left out of the second.
    window : tuple, optional
        :attr:`SkinReference.window` of the same image: its share of skin is reused when it
        was taken over the same pixels as ``valid``.

    Returns
    -------
    SpotContrast
    """
    smooth = cv2.GaussianBlur(l_star, (0, 0), max(smooth_mm * px_per_mm, 0.5))
    skin = np.ones(l_star.shape, bool) if valid is None else valid
    weight = skin.astype(np.float32)
    surround_px = _SURROUND_MM * px_per_mm
    share = np.empty_like(smooth)
    first, _ = _skin_mean(smooth, weight, surround_px, np.empty_like(smooth), share)
    # (The images below are reused from step to step: fresh image-sized arrays cost more in
    # page faults than the arithmetic done in them.)
    deviation = cv2.absdiff(first, smooth)
    known = None
    if window is not None and window[0].shape == skin.shape and np.array_equal(window[0], skin):
        known = window[1]  # the same pixels: the same share (computed once)
    sigma = _local_sigma(deviation, skin, _SIGMA_WINDOW_MM * px_per_mm, weight, share, share=known)
    # The first surround is darkened by the spots it contains and lightened by highlights
    # (around which ordinary skin would read as darker); the second leaves out whatever stands
    # clearly out of the first either way (with a margin for the soft edge). Inside a large
    # spot little skin is left within reach, and the first surround is kept there.
    margin = max(round(_EXCLUSION_MARGIN_MM * px_per_mm), 1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * margin + 1, 2 * margin + 1))
    reach = np.multiply(sigma, np.float32(exclude_sigmas))
    outlier = np.empty(skin.shape, bool)
    kept_weight = np.empty_like(weight)
    surround = first
    kept = np.empty_like(smooth)  # each pass's surround (and, before it, how far off the last)
    for _ in range(_SURROUND_PASSES):
        np.greater(cv2.absdiff(surround, smooth, kept), reach, out=outlier)
        outlier &= skin
        grown = cv2.dilate(outlier.view(np.uint8), disc).view(bool)
        np.multiply(weight, ~grown, out=kept_weight)
        kept, share = _skin_mean(smooth, kept_weight, surround_px, kept, share)
        np.copyto(kept, first, where=share < np.float32(0.05))
        surround = kept
    return SpotContrast(darker=surround - smooth, surround=surround, sigma=sigma)


def _skin_mean(
    image: FloatArray, weight: FloatArray, sigma_px: float, out: FloatArray, share: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Normalised convolution [4]: the Gaussian mean of ``image`` over pixels of ``weight``
    (into ``out``), and the share of the Gaussian's weight that fell on them (at least 0.001;
    into ``share``)."""
    share = _blur(weight, sigma_px, out=share)
    np.maximum(share, np.float32(1e-3), out=share)
    mean = _blur(np.multiply(image, weight, out=out), sigma_px, out=out)
    return np.divide(mean, share, out=mean), share


def _window_share(
    weight: FloatArray, window_px: float, out: FloatArray | None = None
) -> FloatArray:
    """The Gaussian share (σ ``window_px``) of the skin (``weight``) around each pixel, at
    least 0.001 (into ``out`` when given)."""
    share = _blur(weight, window_px, out=out)
    return np.maximum(share, np.float32(1e-3), out=share)


def _local_sigma(
    size: FloatArray,
    skin: BoolArray,
    window_px: float,
    weight: FloatArray | None = None,
    scratch: FloatArray | None = None,
    *,
    share: FloatArray | None = None,
) -> FloatArray:
    """Robust local σ of deviations of absolute value ``size`` (overwritten) over the skin
    (``weight``: ``skin`` as 0 and 1) within about ``window_px`` (``scratch``: an image of the
    same size that it may overwrite; ``share``: :func:`_window_share` of ``weight``, if
    already computed).

    Deviations are clipped at three times their median before they are averaged (1.2533 × the
    mean |x| estimates σ of Gaussian detail), so the spots themselves barely raise it [3].
    """
    if weight is None:
        weight = skin.astype(np.float32)
    cap = np.float32(3.0 * _masked_median(size, skin))
    if share is None:
        share = _window_share(weight, window_px, out=scratch)
    np.minimum(size, cap, out=size)
    mean = _blur(np.multiply(size, weight, out=size), window_px, out=size)
    np.divide(mean, share, out=mean)
    mean *= np.float32(1.2533)
    return np.maximum(mean, np.float32(0.3), out=mean)


def detect_spots(
    l_star: FloatArray,
    *,
    px_per_mm: float,
    valid: BoolArray | None = None,
    min_relative_contrast: float = SPOT_MIN_RELATIVE_CONTRAST,
    min_sigmas: float = SPOT_MIN_SIGMAS,
    min_area_mm2: float = 0.4,
    max_area_mm2: float = 80.0,
    max_elongation: float = 2.5,
    ridges: BoolArray | None = None,
    max_ridge_fraction: float = 0.4,
    max_edge_fraction: float = _MAX_EDGE_FRACTION,
    smooth_mm: float = 0.2,
    reference: SkinReference | None = None,
) -> SpotMap:
    """Find pigmented spots (darker than the skin around them).

    Parameters
    ----------
    l_star : ndarray, shape (H, W), float32
        Lightness L*.
    px_per_mm : float
        Scale of the image.
    valid : ndarray of bool, optional
        Measured skin: spots lie in it, and only it is their surround (its small unmeasured
        islands are measured again: :data:`_ISLAND_MM2`).
    min_relative_contrast : float, optional
        A spot's peak must be darker than its surround by this fraction of
        (L*_surround + 16) ...
    min_sigmas : float, optional
        ... and by this many local σ of the skin's own variation at the spots' scale.
    min_area_mm2 : float, optional
        Smaller dark dots are pores or noise (0.4 mm² ≈ 0.7 mm diameter).
    max_area_mm2 : float, optional
        Larger dark patches are uneven tone, not spots.
    max_elongation : float, optional
        Largest ratio of the principal axes (lines are measured as wrinkles).
    ridges : ndarray of bool, optional
        Line centrelines (wrinkles and hair); a dark component lying mostly along one is a
        fragment of the line, where pores deepen it, not a spot.
    max_ridge_fraction : float, optional
        Largest fraction of a spot's pixels within one pixel of a centreline.
    max_edge_fraction : float, optional
        Largest fraction of the ring just outside a spot that may be unmeasured: a dark patch
        along the edge of the measured skin is the shade of hair, a lid or the face's edge,
        whose far side was not measured.
    smooth_mm : float, optional
        Gaussian smoothing before thresholding: against sensor noise, and it takes most of the
        contrast of pores (0.1-0.4 mm) while spots (from 0.7 mm) keep theirs.
    reference : SkinReference, optional
        The lines' skin reference of the same image (:func:`skin_reference`): what it computed
        over the same pixels is not computed again.

    Returns
    -------
    SpotMap
    """
    if valid is not None:
        valid = _with_islands(valid, px_per_mm)
    contrast = spot_contrast(
        l_star,
        px_per_mm=px_per_mm,
        valid=valid,
        smooth_mm=smooth_mm,
        window=reference.window if reference is not None else None,
    )
    darker = contrast.darker
    # Contrast in units of the local threshold: a spot's core must reach 1. (Computed in the
    # surround's and σ's own images, which are not needed after.)
    threshold = np.add(contrast.surround, np.float32(16.0), out=contrast.surround)
    threshold *= np.float32(min_relative_contrast)
    floor = np.multiply(contrast.sigma, np.float32(min_sigmas), out=contrast.sigma)
    relative = np.divide(darker, np.maximum(threshold, floor, out=threshold), out=threshold)
    candidate = relative >= 0.5
    if valid is not None:
        candidate &= valid
    # Everything after the threshold works on the candidates (a few percent of the skin).
    candidates = np.flatnonzero(candidate)
    at_core = relative.ravel()[candidates] >= 1.0
    at_core &= _near_peak(darker, px_per_mm, candidates)
    cores = candidates[at_core]
    if not cores.size:
        return _no_spots(l_star.shape)
    pixels = _half_maximum_pieces(darker, candidates, cores)
    spot = _scattered(pixels, darker.shape)
    count, labels, stats, centroids = cv2.connectedComponentsWithStats(spot.view(np.uint8), 8)
    areas = stats[:, cv2.CC_STAT_AREA].astype(np.float64)
    label = labels.ravel()[pixels]
    has_core = np.bincount(labels.ravel()[cores], minlength=count) > 0
    elongation = _elongation(pixels, label, darker.shape[1], count, areas)
    mm2 = areas / (px_per_mm * px_per_mm)
    keep = has_core & (mm2 >= min_area_mm2) & (mm2 <= max_area_mm2)
    keep &= elongation <= max_elongation
    if valid is not None and not valid.all():
        keep &= _edge_fraction(labels, count, ~valid, px_per_mm) <= max_edge_fraction
    # A blob beside a dark patch that is not a spot (too large, elongated, or along the edge of
    # the measured skin: the shade of a fringe) and nearly as deep (:data:`_CORE_SHARE` of its
    # own depth) is cut from that patch only by a saddle near the same share of their depths:
    # cut off in one capture, joined in the next, and its surround is not skin on that side. It
    # is not counted either way. (A spot on a fainter line keeps its own depth and is judged.)
    peak = _label_maximum(darker, pixels, label, count)
    patch = has_core & (mm2 >= min_area_mm2) & ~keep
    keep &= ~_beside_as_deep(labels, pixels, label, patch, peak, px_per_mm)
    if ridges is not None and ridges.any():
        near = cv2.dilate(ridges.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
        on_ridge = np.bincount(label[near.ravel()[pixels]], minlength=count).astype(np.float64)
        keep &= on_ridge <= max_ridge_fraction * areas
    keep[0] = False
    return SpotMap(
        mask=_scattered(pixels[keep[label]], darker.shape),
        centroids_px=centroids[keep].astype(np.float32),
        areas_px=areas[keep].astype(np.float32),
        contrast_l_star=peak[keep],
    )


def _with_islands(valid: BoolArray, px_per_mm: float) -> BoolArray:
    """``valid`` with its small unmeasured islands measured again: inside the skin, such an
    island is most often the darkest part of a spot that the per-photo skin model left out (in
    one capture and not the next), and a spot is measured whole.

    The islands are labelled inside the bounding box of the unmeasured pixels (on the phantom,
    its grey card), not over the whole frame: the same components."""
    found = content_box((~valid).view(np.uint8))
    if found is None:
        return valid
    outside, part, whole = found
    _, islands, stats, _ = cv2.connectedComponentsWithStats(outside, 8)
    small = stats[:, cv2.CC_STAT_AREA] < _ISLAND_MM2 * px_per_mm * px_per_mm
    small[0] = False
    if not small.any():
        return valid
    # Set over the unmeasured pixels only (few beside the skin).
    pixels = np.flatnonzero(outside)
    measured = pixels[small[islands.ravel()[pixels]]]
    out = valid.copy()
    if whole:
        out.ravel()[measured] = True
    else:
        again = np.zeros(outside.shape, bool)
        again.ravel()[measured] = True
        out[part] |= again
    return out


def _near_peak(darker: FloatArray, px_per_mm: float, pixels: NDArray[np.intp]) -> BoolArray:
    """Which of ``pixels`` (flat indices) are within :data:`_CORE_SHARE` of the darkest pixel
    within about 1 mm: the top of each dark blob, so that a spot joined to a darker band by a
    neck keeps a core of its own."""
    reach = max(round(_CORE_REACH_MM * px_per_mm), 1)
    square = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    top = cv2.dilate(darker, square).ravel()[pixels]
    return np.asarray(darker.ravel()[pixels] >= np.float32(_CORE_SHARE) * top, bool)


def _label_maximum(
    values: FloatArray, pixels: NDArray[np.intp], label: NDArray[np.int32], count: int
) -> FloatArray:
    """Largest of ``values`` at the ``pixels`` (flat indices) of each label (0 for label 0)."""
    peaks = np.zeros(count, np.float32)
    np.maximum.at(peaks, label, values.ravel()[pixels])
    peaks[0] = 0.0
    return peaks


def _half_maximum_pieces(
    darker: FloatArray, candidates: NDArray[np.intp], cores: NDArray[np.intp]
) -> NDArray[np.intp]:
    """Each core grown to the candidates at least half as dark as its own peak (full width at
    half maximum: an edge that does not depend on the contrast), within the pixels nearer to it
    than to any other core. ``candidates`` and ``cores`` are flat indices, in order; so are the
    spot pixels returned.

    Where two cores' reach meets, a one-pixel cut separates them only if the darkest pixel on
    it is below :data:`_CORE_SHARE` of the shallower core's peak: a spot beside a darker patch
    (the shade at a hairline) is told from it by the lighter skin between them, while the tops
    of one undulating band or blob are joined again and judged as one.
    """
    core = _scattered(cores, darker.shape)
    count, core_labels = cv2.connectedComponents(core.view(np.uint8), connectivity=8)
    # Each pixel's nearest core pixel (numbered 1, 2, ... in raster order, as ``cores`` is),
    # mapped to that pixel's core: the same owners as labelling the cores' components in the
    # transform (DIST_LABEL_CCOMP), which first finds those components again, for nothing.
    _, nearest = cv2.distanceTransformWithLabels(
        (~core).view(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    core_label = core_labels.ravel()[cores]
    lookup = np.zeros(cores.size + 1, np.int32)
    lookup[nearest.ravel()[cores]] = core_label
    peaks = _label_maximum(darker, cores, core_label, count)
    owner = lookup[nearest.ravel()[candidates]]
    values = darker.ravel()[candidates]
    half = values >= np.float32(0.5) * peaks[owner]
    spot, owner, values = candidates[half], owner[half], values[half]
    low, high = _owner_range(spot, owner, nearest, lookup)
    on_cut = high != low
    first, second = low[on_cut].astype(np.int64), high[on_cut].astype(np.int64)
    pairs, which = np.unique(first * count + second, return_inverse=True)
    saddle = np.zeros(pairs.size, np.float32)
    np.maximum.at(saddle, which, values[on_cut])
    shallower = np.minimum(peaks[first], peaks[second])
    joined = saddle[which] >= np.float32(_CORE_SHARE) * shallower
    cut = np.zeros(spot.size, bool)
    cut[on_cut] = ~joined
    return np.asarray(spot[~cut], np.intp)


def _owner_range(
    pixels: NDArray[np.intp],
    own: NDArray[np.int32],
    nearest: NDArray[np.int32],
    lookup: NDArray[np.int32],
) -> tuple[NDArray[np.int32], NDArray[np.int32]]:
    """Lowest and highest owner (``lookup[nearest]``) in the 3 × 3 neighbourhood of each of
    ``pixels`` (flat indices; ``own`` their own owners) inside the image."""
    h, w = nearest.shape
    ys, xs = np.divmod(pixels, w)
    low, high = own.copy(), own.copy()
    for dy, dx in ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)):
        # A neighbour outside the image is clipped onto one inside the same neighbourhood.
        y = np.clip(ys + dy, 0, h - 1)
        x = np.clip(xs + dx, 0, w - 1)
        other = lookup[nearest[y, x]]
        np.minimum(low, other, out=low)
        np.maximum(high, other, out=high)
    return low, high


def _edge_fraction(
    labels: NDArray[np.int32], count: int, outside: BoolArray, px_per_mm: float
) -> NDArray[np.float64]:
    """Fraction of the ring (about 0.3 mm wide) just outside each component that is ``outside``,
    thin strands of it (a hair across a spot) left out.

    The labels are grown as 16-bit integers when they fit (the same maxima as in float32, in
    half the memory), and ``outside`` is opened inside its own bounding box with a margin wider
    than the disc (opening cannot reach further than the disc from what it opens)."""
    width = max(round(_EDGE_RING_MM * px_per_mm), 1)
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    h, w = labels.shape
    bx, by, bw, bh = cv2.boundingRect(outside.view(np.uint8))
    margin = 2 * width + 2
    y0, y1 = max(by - margin, 0), min(by + bh + margin, h)
    x0, x1 = max(bx - margin, 0), min(bx + bw + margin, w)
    part = (slice(y0, y1), slice(x0, x1))
    if count <= np.iinfo(np.uint16).max:
        grown = cv2.dilate(labels.astype(np.uint16), disc)
    else:
        grown = cv2.dilate(labels.astype(np.float32), disc).astype(np.int32)
    ring = (labels == 0) & (grown > 0)
    total = np.bincount(grown[ring], minlength=count).astype(np.float64)
    unmeasured = np.zeros(count, np.float64)
    if bw > 0:
        opened = cv2.morphologyEx(
            np.ascontiguousarray(outside[part]).view(np.uint8), cv2.MORPH_OPEN, disc
        ).view(bool)
        unmeasured += np.bincount(grown[part][ring[part] & opened], minlength=count)
    return np.asarray(unmeasured / np.maximum(total, 1.0))


def _beside_as_deep(
    labels: NDArray[np.int32],
    pixels: NDArray[np.intp],
    label: NDArray[np.int32],
    patch: NDArray[np.bool_],
    peak: FloatArray,
    px_per_mm: float,
) -> NDArray[np.bool_]:
    """Which components (``label`` of each of ``pixels``) lie within the ring
    (:data:`_EDGE_RING_MM`, beyond a cut) of a ``patch`` component whose ``peak`` is at least
    :data:`_CORE_SHARE` of their own (patches themselves excepted)."""
    beside = np.zeros(peak.size, np.float32)
    if not patch[1:].any():
        return beside > 0
    # The ring, plus the two pixels of a cut between two cores' pieces.
    width = max(round(_EDGE_RING_MM * px_per_mm), 1) + 2
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * width + 1, 2 * width + 1))
    on_patch = patch[label]
    h, w = labels.shape
    # Each patch pixel carries its patch's peak; they are grown (dilated) only inside the box of
    # those with a positive peak, with the ring's margin (few pixels beside the skin), in an
    # image of that box alone; everywhere else the grown depth is 0.
    ys, xs = np.divmod(pixels[on_patch], w)
    depth = peak[label[on_patch]]
    positive = depth > 0
    if not positive.any():
        return np.zeros(peak.size, bool)
    y0, y1 = max(int(ys[positive].min()) - width, 0), min(int(ys[positive].max()) + 1 + width, h)
    x0, x1 = max(int(xs[positive].min()) - width, 0), min(int(xs[positive].max()) + 1 + width, w)
    inside = (ys >= y0) & (ys < y1) & (xs >= x0) & (xs < x1)
    box = np.zeros((y1 - y0, x1 - x0), np.float32)
    box[ys[inside] - y0, xs[inside] - x0] = depth[inside]
    grown = cv2.dilate(box, disc)
    py, px = np.divmod(pixels, w)
    within = (py >= y0) & (py < y1) & (px >= x0) & (px < x1)
    near = np.zeros(pixels.size, np.float32)
    near[within] = grown[py[within] - y0, px[within] - x0]
    np.maximum.at(beside, label, near)
    return (beside >= np.float32(_CORE_SHARE) * peak) & (beside > 0) & ~patch


def _elongation(
    pixels: NDArray[np.intp],
    label: NDArray[np.int32],
    width: int,
    count: int,
    areas: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Ratio of principal axes of each labelled component (``label`` of each of ``pixels``,
    flat indices in an image ``width`` wide), from second moments."""
    ys, xs = np.divmod(pixels, width)
    lab = label
    n = np.maximum(areas, 1.0)
    mx = np.bincount(lab, xs, count) / n
    my = np.bincount(lab, ys, count) / n
    dx = xs - mx[lab]
    dy = ys - my[lab]
    cxx = np.bincount(lab, dx * dx, count) / n + 1.0 / 12.0
    cyy = np.bincount(lab, dy * dy, count) / n + 1.0 / 12.0
    cxy = np.bincount(lab, dx * dy, count) / n
    half_trace = 0.5 * (cxx + cyy)
    root = np.sqrt(np.maximum(0.25 * (cxx - cyy) ** 2 + cxy * cxy, 0.0))
    major = half_trace + root
    minor = np.maximum(half_trace - root, 1e-6)
    return np.asarray(np.sqrt(major / minor))


def _scattered(pixels: NDArray[np.intp], shape: tuple[int, ...]) -> BoolArray:
    """A mask of ``shape`` that is True at the flat indices ``pixels``."""
    mask = np.zeros(shape, bool)
    mask.ravel()[pixels] = True
    return mask


def _no_spots(shape: tuple[int, ...]) -> SpotMap:
    return SpotMap(
        mask=np.zeros(shape[:2], dtype=bool),
        centroids_px=np.zeros((0, 2), np.float32),
        areas_px=np.zeros(0, np.float32),
        contrast_l_star=np.zeros(0, np.float32),
    )
