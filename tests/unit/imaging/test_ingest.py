from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from resurface.imaging.errors import ImageTooLarge, NotAnImage
from resurface.imaging.ingest import decode_photo, ingest_photo


def _photo(fmt: str, *, orientation: int | None = None, gps: bool = False) -> bytes:
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[:10, :20] = (255, 0, 0)  # a red block at the top left
    image = Image.fromarray(rgb)
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (52.0, 22.0, 0.0)}
        exif[0x010F] = "CameraMaker"
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, exif=exif.tobytes() if (orientation or gps) else b"")
    return buffer.getvalue()


def test_exif_orientation_is_applied_and_size_reported_upright() -> None:
    photo = ingest_photo(_photo("JPEG", orientation=6))  # rotate 90° clockwise to view
    assert (photo.width, photo.height) == (40, 60)
    assert photo.rgb.shape == (60, 40, 3)
    assert photo.rgb[:20, -10:].mean(axis=(0, 1))[0] > 200  # the red block moved top right


def test_stored_copy_has_no_exif_gps_or_other_metadata() -> None:
    original = _photo("JPEG", orientation=6, gps=True)
    photo = ingest_photo(original)
    stored = Image.open(io.BytesIO(photo.stored_bytes))
    assert photo.media_type == "image/jpeg" and stored.format == "JPEG"
    assert len(stored.getexif()) == 0
    assert b"Exif" not in photo.stored_bytes and b"CameraMaker" not in photo.stored_bytes
    assert "icc_profile" not in stored.info
    assert stored.size == (40, 60)  # the orientation is baked in
    assert photo.sha256_original == __import__("hashlib").sha256(original).hexdigest()


@pytest.mark.parametrize(("fmt", "media_type"), [("PNG", "image/png"), ("TIFF", "image/png")])
def test_png_and_tiff_are_stored_as_png(fmt: str, media_type: str) -> None:
    photo = ingest_photo(_photo(fmt))
    assert photo.media_type == media_type
    assert Image.open(io.BytesIO(photo.stored_bytes)).format == "PNG"


def test_heic_is_read_when_the_encoder_is_available() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    buffer = io.BytesIO()
    try:
        pillow_heif.from_pillow(Image.fromarray(np.full((32, 48, 3), 120, np.uint8))).save(
            buffer, quality=90
        )
    except Exception as error:
        pytest.skip(f"no HEIC encoder: {error}")
    photo = ingest_photo(buffer.getvalue())
    assert (photo.width, photo.height) == (48, 32)
    assert photo.media_type in ("image/png", "image/jpeg")


@pytest.mark.parametrize("data", [b"", b"hello, not a photo", b"\x89PNG\r\n\x1a\n garbage"])
def test_non_images_are_refused(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        ingest_photo(data)


def test_truncated_files_are_refused() -> None:
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(buffer, "JPEG")
    with pytest.raises(NotAnImage, match="truncated"):
        ingest_photo(buffer.getvalue()[: len(buffer.getvalue()) // 2])


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_decompression_bombs_are_refused_before_decoding() -> None:
    with pytest.raises(ImageTooLarge, match="megapixels"):
        ingest_photo(_png_header_only(50_000, 50_000))
    with pytest.raises(ImageTooLarge):
        ingest_photo(_photo("PNG"), max_pixels=100)


def test_reduced_decode_reports_its_scale() -> None:
    buffer = io.BytesIO()
    Image.fromarray(np.full((400, 600, 3), 90, np.uint8)).save(buffer, "JPEG")
    decoded = decode_photo(buffer.getvalue(), reduce=2)
    assert decoded.rgb.shape == (200, 300, 3)
    assert (decoded.width, decoded.height, decoded.scale) == (600, 400, 0.5)


def test_truncated_files_are_refused_even_after_weasyprint_is_loaded() -> None:
    import weasyprint  # noqa: F401 - importing it turns Pillow's LOAD_TRUNCATED_IMAGES on

    test_truncated_files_are_refused()
