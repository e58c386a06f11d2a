"""The background jobs behind photos, on fakes: what a missing file gives, what a catch-up finds,
and a pair the clinician chooses on Results being compared in the background."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
from PIL import Image

from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.measurements import AnalysisStatus
from resurface.services import jobs, photo_analysis, photos, results
from resurface.services.context import Context, JobsInMemory
from tests.support.contexts import SeededClinic, seed_clinic
from tests.support.fakes import FakeDatabase


def _skin(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    pixels = np.clip(rng.normal((210, 168, 142), 5, (90, 120, 3)), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _without_file(ctx: Context, north: SeededClinic) -> int:
    """A photo record whose file is not in the store (lost, or never written)."""
    with ctx.uow() as uow:
        photo = uow.charts.add_photo(
            Photo(0, north.clinic.id, north.patient.id, "neck", dt.datetime.now(dt.UTC),
                  "a" * 64, "b" * 64, "image/png", 120, 90)
        )  # fmt: skip
        uow.commit()
    return photo.id


def _waiting(ctx: Context) -> list[str]:
    assert isinstance(ctx.jobs, JobsInMemory)
    return [name for name, _ in ctx.jobs.waiting]


def test_a_photo_whose_file_is_missing_is_not_measurable_and_the_page_stops_waiting(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    photo_id = _without_file(ctx, north)
    assert photos.read_analysis(ctx, north.clinician, photo_id).status is AnalysisStatus.PENDING
    photo_analysis.analyse_photo(ctx, north.clinic.id, photo_id)
    view = photos.read_analysis(ctx, north.clinician, photo_id)
    assert view.status is AnalysisStatus.NOT_MEASURABLE and view.measurement is None
    assert "could not be measured" in view.notes[0] and "missing" in view.notes[0]
    photo_analysis.analyse_photo(ctx, north.clinic.id, photo_id)  # again: nothing new
    assert len(db.state.analysis_failures) == 1


def test_catch_up_finds_photos_never_measured(ctx: Context, db: FakeDatabase) -> None:
    north = seed_clinic(db)
    photo_id = _without_file(ctx, north)  # stored without an upload: no job was deferred
    jobs.catch_up(ctx)
    assert _waiting(ctx) == [photo_analysis.ANALYSE_PHOTO]
    jobs.run_pending_jobs(ctx)
    jobs.catch_up(ctx)  # analysed (not measurable): nothing left to do
    assert _waiting(ctx) == [] and photo_id in db.state.analysis_failures


def test_a_pair_chosen_on_results_is_compared_in_the_background(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    uploaded = [
        photos.upload_photo(
            ctx, north.clinician, north.patient.id, "neck", _skin(seed), purpose=purpose
        )
        for seed, purpose in enumerate(
            (PhotoPurpose.BASELINE, PhotoPurpose.FOLLOW_UP, PhotoPurpose.FOLLOW_UP)
        )
    ]
    jobs.run_pending_jobs(ctx)
    baseline, middle, latest = (u.photo.id for u in uploaded)
    kept = {(c.before_photo_id, c.after_photo_id) for c in db.state.comparisons.values()}
    assert kept == {(baseline, middle), (baseline, latest)}  # what Results shows by default

    view = results.read_results(ctx, north.clinician, north.patient.id, middle, latest)
    assert view.comparing and view.measured is None
    assert _waiting(ctx) == [photo_analysis.COMPARE_PHOTOS]
    jobs.run_pending_jobs(ctx)
    view = results.read_results(ctx, north.clinician, north.patient.id, middle, latest)
    assert not view.comparing and view.measured is not None and view.measured.changes
    assert _waiting(ctx) == []


def test_a_photo_filed_under_another_region_is_compared_there(
    ctx: Context, db: FakeDatabase
) -> None:
    north = seed_clinic(db)
    neck = photos.upload_photo(ctx, north.clinician, north.patient.id, "neck", _skin(1))
    chest = photos.upload_photo(ctx, north.clinician, north.patient.id, "chest", _skin(2))
    later = photos.upload_photo(
        ctx, north.clinician, north.patient.id, "neck", _skin(3), purpose=PhotoPurpose.FOLLOW_UP
    )
    jobs.run_pending_jobs(ctx)
    photos.refile_photo(
        ctx, north.clinician, later.photo.id, later.photo.version, "chest", "it shows the chest"
    )
    jobs.run_pending_jobs(ctx)
    kept = {(c.before_photo_id, c.after_photo_id) for c in db.state.comparisons.values()}
    assert (chest.photo.id, later.photo.id) in kept and (neck.photo.id, later.photo.id) in kept
    view = results.read_results(ctx, north.clinician, north.patient.id, chest.photo.id)
    assert view.after == photos.read_analysis(ctx, north.clinician, later.photo.id).photo
    assert view.measured is not None


def test_a_photo_whose_file_comes_back_is_measured_again_after_the_store_check(
    ctx: Context, db: FakeDatabase
) -> None:
    from resurface.services.photo_store_check import check_photo_store
    from tests.support.fakes import FakePhotoStore

    north = seed_clinic(db)
    uploaded = photos.upload_photo(ctx, north.clinician, north.patient.id, "neck", _skin(7))
    store = ctx.photos
    assert isinstance(store, FakePhotoStore)
    kept = store.blobs.pop(uploaded.photo.storage_key)  # the store's mount is gone
    jobs.run_pending_jobs(ctx)
    view = photos.read_analysis(ctx, north.clinician, uploaded.photo.id)
    assert view.status is AnalysisStatus.NOT_MEASURABLE

    assert check_photo_store(ctx).measured_again == ()  # still missing: nothing to measure
    store.blobs[uploaded.photo.storage_key] = kept  # mounted again
    report = check_photo_store(ctx)
    assert report.measured_again == (uploaded.photo.id,) and report.consistent
    assert _waiting(ctx) == [photo_analysis.ANALYSE_PHOTO]
    jobs.run_pending_jobs(ctx)
    view = photos.read_analysis(ctx, north.clinician, uploaded.photo.id)
    assert view.status is AnalysisStatus.MEASURED and view.measurement is not None
    assert check_photo_store(ctx).measured_again == ()  # measured: nothing more to do
    events = [e.entry for e in db.state.audit if e.entry.action == "measure_again"]
    assert [(e.record_id, e.patient_id) for e in events] == [
        (str(uploaded.photo.id), north.patient.id)
    ]
