"""Decode uploaded photos safely and make a metadata-free stored copy.

Every photo enters Resurface through :func:`ingest_photo` (web upload, photo store) or
:func:`decode_photo` (analysis, which does not need a stored copy). Both refuse decompression bombs
before any pixel is decoded, refuse non-images and truncated files, apply the EXIF orientation, and
convert embedded ICC profiles to sRGB so that colour metrics mean the same thing for every camera.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from resurface.imaging.errors import ImageTooLarge, NotAnImage

try:  # HEIC/HEIF from phones; optional at run time, declared in pyproject.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - the dependency is installed everywhere we run
    pass

__all__ = [
    "ANALYSIS_MAX_PIXELS",
    "DEFAULT_MAX_PIXELS",
    "STORE_MAX_PIXELS",
    "DecodedPhoto",
    "IngestedPhoto",
    "decode_photo",
    "ingest_photo",
]

#: 60 megapixels: larger than any clinic camera (a 61 MP full-frame sensor is the largest common one
#: once rounded down), far below what would exhaust memory when decoded.
DEFAULT_MAX_PIXELS = 60_000_000
#: 24 megapixels: a larger photo is kept (and measured) reduced to this, by area averaging, so
#: a 60 MP upload costs the server about what a 24 MP one does. A face filling the frame stays
#: above 30 px/mm, three times the resolution analysis works at.
STORE_MAX_PIXELS = 24_000_000
#: 12 megapixels (4000 × 3000): a face filling the frame is still at 20 px/mm or more, twice
#: the resolution analysis works at; measuring all 24 MP would double the memory for nothing.
ANALYSIS_MAX_PIXELS = 12_000_000

_JPEG_QUALITY = 95
_MEDIA_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "TIFF": "image/tiff",
    "HEIF": "image/heic",
    "WEBP": "image/webp",
    "BMP": "image/bmp",
}
_SRGB_PROFILE = ImageCms.createProfile("sRGB")


@dataclass(frozen=True, slots=True)
class DecodedPhoto:
    """A decoded photo, ready for analysis.

    Attributes
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
        sRGB pixels with the EXIF orientation applied, possibly reduced (see ``scale``).
    width, height : int
        Size in pixels of the full-resolution, upright photo.
    scale : float
        ``rgb`` pixels per full-resolution pixel (1.0 unless a reduced decode was asked for).
    format : str
        Pillow's name of the container format, e.g. ``"JPEG"``.
    sha256_original : str
        Hex SHA-256 of the bytes exactly as received.
    """

    rgb: NDArray[np.uint8] = field(repr=False)
    width: int
    height: int
    scale: float
    format: str
    sha256_original: str


@dataclass(frozen=True, slots=True)
class IngestedPhoto:
    """An uploaded photo: pixels for analysis and a copy safe to store.

    Attributes
    ----------
    rgb : ndarray, shape (H, W, 3), uint8
        Upright sRGB pixels for analysis: the whole photo, reduced by area averaging to at most
        ``ANALYSIS_MAX_PIXELS`` (analysis works at about 10 px/mm, far below what that keeps).
    stored_bytes : bytes
        Re-encoded copy with the orientation baked in and no EXIF, GPS, XMP, ICC or text chunks.
        JPEG stays JPEG (quality 95); PNG stays PNG; TIFF, HEIC and the rest become PNG.
    media_type : str
        Media type of ``stored_bytes``.
    sha256_original : str
        Hex SHA-256 of the bytes as uploaded (for audit: the original is never stored).
    width, height : int
        Size in pixels of the stored copy (a photo over ``STORE_MAX_PIXELS`` is kept reduced).
    """

    rgb: NDArray[np.uint8] = field(repr=False)
    stored_bytes: bytes = field(repr=False)
    media_type: str
    sha256_original: str
    width: int
    height: int


def decode_photo(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    reduce: int = 1,
    keep_pixels: int | None = None,
) -> DecodedPhoto:
    """Decode a photo to upright sRGB pixels, refusing bombs, non-images and truncated files.

    Parameters
    ----------
    data : bytes
        The file's bytes.
    max_pixels : int, optional
        Largest accepted width × height; larger images raise :class:`ImageTooLarge` before
        any pixel is decoded.
    reduce : int, optional
        Decode at 1/``reduce`` of the size when the codec can do so cheaply (JPEG's DCT scaling:
        1, 2, 4 or 8). Analysis asks for this when it works at a lower resolution anyway.
    keep_pixels : int, optional
        Reduce a larger image to about this many pixels (JPEG decodes at a lower scale first,
        so the full image is never in memory).

    Returns
    -------
    DecodedPhoto

    Raises
    ------
    NotAnImage
        The bytes are not a supported image, or the file is truncated or corrupt.
    ImageTooLarge
        The image has more than ``max_pixels`` pixels.
    """
    if reduce not in (1, 2, 4, 8):
        raise ValueError(f"reduce must be 1, 2, 4 or 8, not {reduce}")
    digest = hashlib.sha256(data).hexdigest()
    image = _open(data, max_pixels=max_pixels)
    full_w, full_h = _upright_size(image)
    if reduce > 1 and image.format == "JPEG":
        image.draft("RGB", (image.width // reduce, image.height // reduce))
    factor = min(1.0, (keep_pixels / (full_w * full_h)) ** 0.5) if keep_pixels else 1.0
    if factor < 1 and image.format == "JPEG":
        image.draft("RGB", (int(image.width * factor), int(image.height * factor)))
    rgb_image = _to_srgb(_load(image))
    if factor < 1:
        rgb_image = _reduced(rgb_image, keep_pixels or 0)
    rgb = np.asarray(rgb_image, dtype=np.uint8)
    return DecodedPhoto(
        rgb=rgb,
        width=full_w,
        height=full_h,
        scale=rgb.shape[1] / full_w,
        format=str(image.format),
        sha256_original=digest,
    )


def ingest_photo(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> IngestedPhoto:
    """Decode an uploaded photo and make a copy without any metadata for the photo store.

    Parameters
    ----------
    data : bytes
        The uploaded file's bytes.
    max_pixels : int, optional
        Largest accepted width × height (decompression-bomb guard).

    Returns
    -------
    IngestedPhoto

    Raises
    ------
    NotAnImage, ImageTooLarge
        As :func:`decode_photo`.
    """
    decoded = decode_photo(data, max_pixels=max_pixels, keep_pixels=STORE_MAX_PIXELS)
    # A fresh image from bare pixels carries no info dict: no EXIF, GPS, XMP, ICC or text.
    clean = Image.fromarray(decoded.rgb, mode="RGB")
    buffer = io.BytesIO()
    if decoded.format in ("JPEG", "MPO"):
        clean.save(buffer, format="JPEG", quality=_JPEG_QUALITY, subsampling=0, optimize=True)
        media_type = "image/jpeg"
    else:
        clean.save(buffer, format="PNG", optimize=False, compress_level=6)
        media_type = "image/png"
    return IngestedPhoto(
        rgb=np.asarray(_reduced(clean, ANALYSIS_MAX_PIXELS), dtype=np.uint8),
        stored_bytes=buffer.getvalue(),
        media_type=media_type,
        sha256_original=decoded.sha256_original,
        width=clean.width,
        height=clean.height,
    )


def _reduced(image: Image.Image, pixels: int) -> Image.Image:
    """The image, reduced by area averaging when it has more than ``pixels``."""
    factor = (pixels / (image.width * image.height)) ** 0.5
    if factor >= 1:
        return image
    size = (max(1, int(image.width * factor)), max(1, int(image.height * factor)))
    return image.resize(size, Image.Resampling.BOX)


def media_type_of(format_name: str) -> str:
    """Media type for a Pillow format name (``application/octet-stream`` if unknown)."""
    return _MEDIA_TYPES.get(format_name, "application/octet-stream")


def _open(data: bytes, *, max_pixels: int) -> Image.Image:
    if not data:
        raise NotAnImage("the file is empty")
    try:
        with warnings.catch_warnings():
            # We apply our own limit below; Pillow's warning/limit would fire at its own threshold.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            previous = Image.MAX_IMAGE_PIXELS
            Image.MAX_IMAGE_PIXELS = None
            try:
                image = Image.open(io.BytesIO(data))
            finally:
                Image.MAX_IMAGE_PIXELS = previous
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise NotAnImage("not a photo Resurface can read (JPEG, PNG, TIFF or HEIC)") from None
    pixels = image.width * image.height
    if pixels > max_pixels:
        raise ImageTooLarge(
            f"the image is {image.width}×{image.height} = {pixels / 1e6:.1f} megapixels; "
            f"at most {max_pixels / 1e6:.1f} megapixels are accepted"
        )
    if image.width < 1 or image.height < 1:
        raise NotAnImage("the image has no pixels")
    return image


def _upright_size(image: Image.Image) -> tuple[int, int]:
    orientation = image.getexif().get(0x0112, 1)
    if orientation in (5, 6, 7, 8):  # rotated by ±90°: width and height swap
        return image.height, image.width
    return image.width, image.height


def _load(image: Image.Image) -> Image.Image:
    # WeasyPrint turns Pillow's LOAD_TRUNCATED_IMAGES on for the whole process when imported;
    # a truncated upload must still be refused, not silently padded with grey.
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
        if image.getexif().get(0x0112, 1) != 1:  # turned: a turned copy (else no copy)
            image = ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise NotAnImage(f"the image is truncated or corrupt: {error}") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale (TIFF/PNG): scale to 8 bits before the mode change clips it.
        array = np.asarray(image, dtype=np.float32)
        top = 65535.0 if array.max() > 255 else 255.0
        image = Image.fromarray(np.clip(array * (255.0 / top), 0, 255).astype(np.uint8), mode="L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        # Transparent pixels become white, not the arbitrary colour stored under them.
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    if icc and image.mode in ("RGB", "CMYK", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            converted = ImageCms.profileToProfile(image, source, _SRGB_PROFILE, outputMode="RGB")
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: treat the pixels as sRGB, as browsers do
    return image if image.mode == "RGB" else image.convert("RGB")
