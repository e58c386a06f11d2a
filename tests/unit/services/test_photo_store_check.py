"""The photo store check: orphans found and removed (but not an upload in flight), records
whose file is missing or damaged reported."""

from __future__ import annotations

import datetime as dt

from resurface.domain.chart import Photo
from resurface.services.context import Context
from resurface.services.photo_store_check import check_photo_store
from tests.support.contexts import NOW, fake_context, seed_clinic
from tests.support.fakes import FakeDatabase, FakePhotoStore


def _photo_record(db: FakeDatabase, ctx: Context, data: bytes) -> Photo:
    """A photo uploaded and committed, as ``upload_photo`` leaves it."""
    if not db.state.clinics:
        seed_clinic(db)
    patient = next(iter(db.state.patients.values()))
    key = ctx.photos.put(data)
    with db.unit_of_work() as uow:
        photo = uow.charts.add_photo(
            Photo(0, patient.clinic_id, patient.id, "cheeks", NOW, "0" * 64, key, "image/png", 4, 4)
        )
        uow.commit()
    return photo


def test_a_store_that_matches_its_records_is_consistent(db: FakeDatabase, ctx: Context) -> None:
    _photo_record(db, ctx, b"cheeks photo")
    report = check_photo_store(ctx)
    assert report.consistent
    assert (report.files, report.records) == (1, 1)


def test_a_file_no_record_names_is_an_orphan_and_is_removed_when_asked(
    db: FakeDatabase, ctx: Context
) -> None:
    kept = _photo_record(db, ctx, b"cheeks photo")
    orphan = ctx.photos.put(b"written, then the server died before the commit")

    found = check_photo_store(ctx)
    assert [file.key for file in found.orphans] == [orphan]
    assert not found.consistent and not found.removed

    cleaned = check_photo_store(ctx, remove_orphans=True, in_flight=dt.timedelta(0))
    assert [file.key for file in cleaned.removed] == [orphan]
    assert not ctx.photos.exists(orphan) and ctx.photos.exists(kept.storage_key)
    assert check_photo_store(ctx).consistent


def test_an_upload_still_in_flight_is_not_removed(db: FakeDatabase) -> None:
    ctx, _ = fake_context(database=db)
    assert isinstance(ctx.photos, FakePhotoStore)
    ctx.photos.written_at = NOW - dt.timedelta(minutes=2)
    young = ctx.photos.put(b"its record is about to be committed")

    report = check_photo_store(ctx, remove_orphans=True, in_flight=dt.timedelta(minutes=10))
    assert [file.key for file in report.orphans] == [young] and not report.removed
    assert ctx.photos.exists(young)


def test_a_record_whose_file_is_gone_or_changed_is_reported(db: FakeDatabase, ctx: Context) -> None:
    gone = _photo_record(db, ctx, b"deleted by hand")
    changed = _photo_record(db, ctx, b"edited by hand")
    store = ctx.photos
    assert isinstance(store, FakePhotoStore)
    store.blobs.pop(gone.storage_key)
    store.blobs[changed.storage_key] = b"not what was stored"

    report = check_photo_store(ctx)
    assert [(r.record_type, r.record_id) for r in report.missing] == [("photo", gone.id)]
    assert [(r.record_type, r.record_id) for r in report.damaged] == [("photo", changed.id)]
    assert not report.consistent
