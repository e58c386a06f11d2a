"""Uploading photos: the pixel budget, the slots held while one is taken in and measured, several
photos from one form (each row on its own, resent without saving twice), and the follow-up desk."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace

import pytest
from PIL import Image

from resurface.domain.chart import PhotoPurpose
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import AnalysisStatus
from resurface.services import jobs, photo_analysis, photos
from resurface.services.context import Context, Limits
from resurface.services.errors import NotFound, PermissionDenied
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


def test_the_photo_is_taken_in_an_intake_slot_and_measured_in_a_measuring_slot(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    held: list[str] = []

    def slot(kind: str) -> Callable[[], AbstractContextManager[None]]:
        @contextmanager
        def hold() -> Iterator[None]:
            held.append(f"{kind} taken")
            yield
            held.append(f"{kind} given back")

        return hold

    counted = replace(ctx, photo_intake=slot("intake"), photo_work=slot("measuring"))
    uploaded = photos.upload_photo(counted, north.clinician, north.patient.id, "neck", _png(64, 48))
    assert held == ["intake taken", "intake given back"]  # decoded to strip its EXIF
    jobs.run_pending_jobs(counted)
    assert held[2:] == ["measuring taken", "measuring given back"]  # measured by the job
    assert uploaded.photo.width == 64 and db.state.photos and db.state.measurements


def _rows(*rows: tuple[str, bytes]) -> dict[int, photos.PhotoRow]:
    return {i: photos.PhotoRow(region, data) for i, (region, data) in enumerate(rows)}


def test_several_photos_are_saved_each_with_its_region_and_purpose(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    rows = _rows(("cheeks", _png(64, 48)), ("", b""), ("neck", _png(48, 64)))
    uploaded = photos.upload_photos(
        ctx, north.clinician, north.patient.id, rows, purpose=PhotoPurpose.FOLLOW_UP
    )
    assert not uploaded.refused and sorted(uploaded.saved) == [0, 2]  # the empty row is skipped
    stored = sorted(db.state.photos.values(), key=lambda p: p.id)
    assert [(p.region, p.purpose) for p in stored] == [
        ("cheeks", PhotoPurpose.FOLLOW_UP),
        ("neck", PhotoPurpose.FOLLOW_UP),
    ]


def test_a_bad_photo_is_refused_on_its_row_and_a_resend_saves_nothing_twice(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    good, bad = ("cheeks", _png(64, 48)), ("neck", b"not a photo at all")
    first = photos.upload_photos(
        ctx, north.clinician, north.patient.id, _rows(good, bad, ("hands", _png(40, 40))),
        request_key="form-1",
    )  # fmt: skip
    assert sorted(first.saved) == [0, 2] and list(first.refused) == [1]
    assert first.refused[1].field == "file" and "not a photo" in first.refused[1].message
    assert len(db.state.photos) == 2
    # The same form sent again, its bad row now mended: only that row is new.
    again = photos.upload_photos(
        ctx, north.clinician, north.patient.id,
        _rows(good, ("neck", _png(30, 30)), ("hands", _png(40, 40))), request_key="form-1",
    )  # fmt: skip
    assert not again.refused
    assert again.saved[0].photo.id == first.saved[0].photo.id
    assert again.saved[2].photo.id == first.saved[2].photo.id
    assert len(db.state.photos) == 3


def test_a_row_without_a_region_is_refused_on_its_region(ctx: Context, db: FakeDatabase) -> None:
    north = seed_clinic(db)
    uploaded = photos.upload_photos(
        ctx, north.clinician, north.patient.id, _rows(("", _png(20, 20)))
    )
    assert uploaded.refused[0].field == "region" and not db.state.photos


def test_an_empty_form_or_too_many_photos_saves_nothing(ctx: Context, db: FakeDatabase) -> None:
    north = seed_clinic(db)
    with pytest.raises(InvalidInput) as empty:
        photos.upload_photos(ctx, north.clinician, north.patient.id, _rows(("neck", b"")))
    assert empty.value.field == "file"
    many = _rows(*[("neck", _png(20, 20))] * (photos.MAX_PHOTOS_AT_ONCE + 1))
    with pytest.raises(InvalidInput, match="at most"):
        photos.upload_photos(ctx, north.clinician, north.patient.id, many)
    assert not db.state.photos


def test_front_desk_cannot_upload_and_another_clinic_is_not_found(
    ctx: Context, db: FakeDatabase
) -> None:
    north, south = seed_clinic(db, "north"), seed_clinic(db, "south")
    rows = _rows(("neck", _png(20, 20)))
    with pytest.raises(PermissionDenied):
        photos.upload_photos(ctx, north.front_desk, north.patient.id, rows)
    with pytest.raises(NotFound):
        photos.upload_photos(ctx, south.clinician, north.patient.id, rows)
    with pytest.raises(PermissionDenied):
        photos.follow_up_desk(ctx, north.front_desk, north.patient.id)
    with pytest.raises(NotFound):
        photos.follow_up_desk(ctx, south.clinician, north.patient.id)
    assert not db.state.photos


def test_the_follow_up_desk_shows_each_region_with_its_baseline(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    pid = north.patient.id
    baseline = photos.upload_photo(ctx, north.clinician, pid, "cheeks", _png(32, 32)).photo
    later = photos.upload_photo(
        ctx, north.clinician, pid, "cheeks", _png(32, 32), purpose=PhotoPurpose.FOLLOW_UP
    ).photo
    neck = photos.upload_photo(
        ctx, north.clinician, pid, "neck", _png(32, 32), purpose=PhotoPurpose.FOLLOW_UP
    ).photo
    desk = photos.follow_up_desk(ctx, north.clinician, pid)
    cheeks, neck_series = desk.series
    assert cheeks.baseline == baseline and [p.id for p in cheeks.photos] == [baseline.id, later.id]
    assert cheeks.label(later) == "follow-up" and cheeks.label(baseline) == "baseline"
    assert neck_series.baseline is None and neck_series.label(neck) == "follow-up"
    assert desk.follow_ups == 2 and set(desk.measurements) == {baseline.id, later.id, neck.id}


def test_a_face_photo_measured_over_the_whole_frame_says_so_on_its_analysis(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    cheeks = photos.upload_photo(ctx, north.clinician, north.patient.id, "cheeks", _png(64, 48))
    neck = photos.upload_photo(ctx, north.clinician, north.patient.id, "neck", _png(64, 48))
    assert cheeks.notes == () and cheeks.status is AnalysisStatus.PENDING  # measured later
    jobs.run_pending_jobs(ctx)
    analysis = photos.read_analysis(ctx, north.clinician, cheeks.photo.id)
    assert analysis.status is AnalysisStatus.MEASURED
    assert analysis.notes[0] == photos.NO_FACE_NOTE  # the drawn neck was never a face photo
    neck_notes = photos.read_analysis(ctx, north.clinician, neck.photo.id).notes
    said = [*analysis.notes[1:], *neck_notes]  # each shot's capture verdict, kept with it
    assert said and all(n.startswith("Capture quality: ") for n in said)
    assert analysis.measurement is not None and analysis.measurement.quality is not None
    assert analysis.measurement.quality.problems


def test_the_upload_answers_before_the_analysis_and_the_job_measures_it_once(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    uploaded = photos.upload_photo(ctx, north.clinician, north.patient.id, "neck", _png(64, 48))
    assert uploaded.measurement is None and uploaded.status is AnalysisStatus.PENDING
    assert db.state.measurements == {}
    assert photos.read_analysis(ctx, north.clinician, uploaded.photo.id).status.value == "pending"
    assert jobs.run_pending_jobs(ctx) >= 1
    assert len(db.state.measurements) == 1
    photo_analysis.analyse_photo(ctx, north.clinic.id, uploaded.photo.id)  # run again: no change
    assert len(db.state.measurements) == 1
