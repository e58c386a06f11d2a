"""Uploading a photo: the pixel budget, and the photo work slot held while it is decoded."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pytest
from PIL import Image

from resurface.domain.errors import InvalidInput
from resurface.services import photos
from resurface.services.context import Context, Limits
from tests.support.contexts import seed_clinic
from tests.support.fakes import FakeDatabase


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 150, 130)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_a_photo_over_the_pixel_budget_is_refused_on_its_field(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    small = replace(ctx, limits=Limits(photo_pixels=100 * 100))
    with pytest.raises(InvalidInput) as refused:
        photos.upload_photo(small, north.clinician, north.patient.id, "neck", _png(101, 100))
    assert refused.value.field == "file" and "megapixels" in refused.value.message
    assert db.state.photos == {}


def test_the_photo_is_decoded_and_measured_inside_the_work_slot(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    held: list[str] = []

    @contextmanager
    def slot() -> Iterator[None]:
        held.append("taken")
        yield
        held.append("given back")

    counted = replace(ctx, photo_work=slot)
    uploaded = photos.upload_photo(counted, north.clinician, north.patient.id, "neck", _png(64, 48))
    assert held == ["taken", "given back"]
    assert uploaded.photo.width == 64 and db.state.photos
