"""Photo upload on both databases: GPS gone from the stored copy, original hash kept, measured."""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from skimage import data as samples

from resurface.bootstrap import Runtime
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import AnalysisStatus
from resurface.domain.people import Role
from resurface.services import jobs, photos
from resurface.services.access import Actor
from resurface.services.context import Limits
from resurface.services.errors import NotFound
from tests.support.clinic import seed_clinic


def _jpeg_with_gps(pixels: np.ndarray) -> bytes:
    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (51.0, 30.0, 0.0)  # GPSLatitudeRef, GPSLatitude
    gps[3], gps[4] = "W", (0.0, 7.0, 0.0)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def test_upload_strips_gps_keeps_original_hash_and_saves_measurement(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    south = seed_clinic(runtime.context.uow, "south")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    actor = Actor(user.id, user.clinic_id, Role.CLINICIAN, user.display_name)
    original = _jpeg_with_gps(samples.astronaut())
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # the test photo has GPS
    uploaded = photos.upload_photo(runtime.context, actor, north.patient.id, "full_face", original)
    stored = runtime.context.photos.get(uploaded.photo.storage_key)
    assert not Image.open(io.BytesIO(stored)).getexif().get_ifd(0x8825)
    assert uploaded.photo.sha256 == hashlib.sha256(original).hexdigest()
    assert uploaded.status is AnalysisStatus.PENDING and uploaded.measurement is None
    assert jobs.run_pending_jobs(runtime.context) >= 1  # the background job measures it
    view = photos.read_analysis(runtime.context, actor, uploaded.photo.id)
    assert view.measurement is not None and view.measurement.quality is not None
    assert {r.name for r in view.measurement.regions} >= {"forehead", "perioral"}
    assert view.measurement.overlay_key and runtime.context.photos.exists(
        view.measurement.overlay_key
    )

    with runtime.context.uow() as uow:
        south_user = uow.users.by_username(south.usernames[Role.CLINICIAN])
        assert south_user is not None
    stranger = Actor(south_user.id, south_user.clinic_id, Role.CLINICIAN, "south")
    with pytest.raises(NotFound):
        photos.read_analysis(runtime.context, stranger, uploaded.photo.id)


def test_a_face_photo_without_a_face_is_measured_whole_and_says_so(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    actor = Actor(user.id, user.clinic_id, Role.CLINICIAN, user.display_name)
    skin = np.full((300, 400, 3), (214, 170, 145), np.uint8)
    uploaded = photos.upload_photo(
        runtime.context, actor, north.patient.id, "cheeks", _jpeg_with_gps(skin)
    )
    jobs.run_pending_jobs(runtime.context)
    view = photos.read_analysis(runtime.context, actor, uploaded.photo.id)
    no_face, quality = view.notes  # the capture verdict, kept with the measurement
    assert no_face == photos.NO_FACE_NOTE
    assert quality.startswith("Capture quality: no scale: lengths are in pixels")
    assert view.measurement is not None and len(view.measurement.regions) == 1
    assert view.measurement.quality is not None and not view.measurement.quality.grey_card
    with pytest.raises(InvalidInput) as refused:
        photos.upload_photo(runtime.context, actor, north.patient.id, "cheeks", b"GIF89a")
    assert refused.value.field == "file"


def test_an_upload_over_the_clinic_limit_is_refused(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
    actor = Actor(user.id, user.clinic_id, Role.CLINICIAN, user.display_name)
    small = replace(runtime.context, limits=Limits(upload_bytes=1024 * 1024))
    with pytest.raises(InvalidInput) as refused:
        photos.upload_photo(small, actor, north.patient.id, "neck", b"x" * (1024 * 1024 + 1))
    assert refused.value.field == "file" and "1 MB" in refused.value.message
