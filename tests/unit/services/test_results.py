"""Results use cases: the measured change of the concern's metric per area, the re-estimate from
the photos taken after sessions, and GAIS ratings (on a real SQLite unit of work)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from resurface.demo.photos import HEIGHT, WIDTH, render_skin
from resurface.domain.chart import Photo, PhotoPurpose
from resurface.domain.codes import Area
from resurface.domain.errors import InvalidInput
from resurface.domain.measurements import PhotoComparison
from resurface.domain.people import Role
from resurface.domain.reestimate import ResponseStatus
from resurface.imaging.analysis import ANALYSIS_VERSION
from resurface.services import jobs, photos, results
from resurface.services.access import Actor
from resurface.services.context import Context
from resurface.services.errors import NotFound, PermissionDenied
from resurface.services.results import Measured, MetricChange, metric_change_pct
from tests.support.clinic import SeededClinic, patient_with_chart, seed_clinic


@pytest.fixture
def north(ctx: Context) -> SeededClinic:
    return seed_clinic(ctx.uow, "north")


def actor_of(ctx: Context, clinic: SeededClinic, role: Role) -> Actor:
    with ctx.uow() as uow:
        user = uow.users.by_username(clinic.usernames[role])
        assert user is not None
    return Actor(user.id, clinic.clinic.id, role, user.display_name)


def store(
    ctx: Context,
    clinic: SeededClinic,
    data: bytes,
    days_ago: int,
    checkin_id: int | None = None,
    purpose: PhotoPurpose = PhotoPurpose.BASELINE,
) -> Photo:
    """A photo of the perioral area, taken by the clinic (or sent with ``checkin_id``)."""
    key = ctx.photos.put(data)
    taken = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    with ctx.uow() as uow:
        photo = uow.charts.add_photo(
            Photo(
                0, clinic.clinic.id, clinic.patient.id, "perioral", taken,
                hashlib.sha256(data).hexdigest(), key, "image/png", WIDTH, HEIGHT,
                checkin_id=checkin_id, purpose=purpose,
            )
        )  # fmt: skip
        uow.commit()
    return photo


def _measured(*rows: tuple[str, float, float]) -> Measured:
    changes = tuple(
        MetricChange(name, "wrinkle_density", before, after, after - before, None, None)
        for name, before, after in rows
    )
    return Measured(changes, "none", "none", "auto", b"")


def test_the_change_is_taken_over_the_regions_of_the_area() -> None:
    measured = _measured(("cheek_left", 10, 8), ("cheek_right", 10, 6), ("perioral", 10, 10))
    assert metric_change_pct(measured, Area.CHEEKS, "wrinkle_density") == -30.0
    assert metric_change_pct(measured, Area.PERIORAL, "wrinkle_density") == 0.0
    # A region the photo was not measured in: the whole measured picture counts.
    assert metric_change_pct(measured, Area.NECK, "wrinkle_density") == -20.0
    assert metric_change_pct(_measured(("whole", 0, 3)), Area.NECK, "wrinkle_density") is None
    assert metric_change_pct(measured, Area.CHEEKS, "spot_area_pct") is None


def test_results_measure_baseline_against_later_photos(ctx: Context, north: SeededClinic) -> None:
    baseline = store(ctx, north, render_skin(5), 41)
    before_session = store(ctx, north, render_skin(5, response=0.1), 20)
    latest = store(ctx, north, render_skin(5, response=0.7), 1)
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    view = results.read_results(ctx, clinician, north.patient.id)
    assert view.comparing and view.measured is None  # nothing measured yet: nothing computed
    assert all(p.comparing and p.change_pct is None for p in view.responses[0].points)
    jobs.catch_up(ctx)  # the photos were stored without an upload: catch-up finds them
    jobs.run_pending_jobs(ctx)
    view = results.read_results(ctx, clinician, north.patient.id)
    assert (view.before, view.after) == (baseline, latest)
    assert view.measured is not None and not view.measure_error and not view.comparing
    density = [c for c in view.measured.changes if c.metric == "wrinkle_density"]
    assert density and all(c.better for c in density)
    (response,) = view.responses
    assert response.metric == "wrinkle_density" and response.baseline == baseline
    assert [(p.photo, p.sessions_before) for p in response.points] == [
        (before_session, 0),
        (latest, 1),
    ]
    assert response.points[1].improvement_pct is not None
    assert response.points[1].improvement_pct > 10
    estimate = response.estimate
    assert estimate.completed == 1 and estimate.status is not ResponseStatus.NOT_STARTED
    assert estimate.improvement_pct == pytest.approx(response.points[1].improvement_pct, abs=0.1)
    assert response.remaining_now == max(estimate.new_total - 1, 0)


def test_a_follow_up_photo_is_not_shown_as_the_baseline(ctx: Context, north: SeededClinic) -> None:
    follow_up = PhotoPurpose.FOLLOW_UP
    first = store(ctx, north, render_skin(5), 30, purpose=follow_up)  # treated elsewhere before
    latest = store(ctx, north, render_skin(5, response=0.5), 1, purpose=follow_up)
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    view = results.read_results(ctx, clinician, north.patient.id)
    (perioral,) = view.regions
    assert perioral.baseline is not None and perioral.baseline.id == north.record_ids["photo"]
    # The seeded baseline has no file: the stored photos are compared, neither called baseline.
    assert (view.before, view.after) == (first, latest)
    assert view.label(first) == view.label(latest) == "follow-up"
    (response,) = view.responses
    assert response.baseline is None and not response.points  # no change since baseline known
    baseline = store(ctx, north, render_skin(5), 40)
    view = results.read_results(ctx, clinician, north.patient.id)
    assert (view.before, view.after) == (baseline, latest)
    assert [view.label(p) for p in (baseline, first, latest)] == [
        "baseline",
        "follow-up",
        "follow-up",
    ]
    assert [p.photo for p in view.responses[0].points] == [first, latest]


def test_a_chosen_pair_must_be_the_patients_own(ctx: Context, north: SeededClinic) -> None:
    south = seed_clinic(ctx.uow, "south")
    mine = store(ctx, north, render_skin(5), 41)
    theirs = store(ctx, south, render_skin(6), 3)
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    with pytest.raises(NotFound):
        results.read_results(ctx, clinician, north.patient.id, mine.id, theirs.id)
    with pytest.raises(InvalidInput):
        results.comparison_png(ctx, clinician, north.patient.id, mine.id, mine.id)


def test_gais_ratings_use_the_rule_base_labels(ctx: Context, north: SeededClinic) -> None:
    labels = [g.label for g in results.gais_grades(ctx.rules)]
    assert labels == ["very much improved", "much improved", "improved", "no change", "worse"]
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    ctx = ctx.at(dt.datetime(2026, 3, 2, 11, 0, tzinfo=dt.UTC))
    saved = results.record_outcome(
        ctx, clinician, north.patient.id, 3, "softer lines", north.record_ids["session"]
    )
    assert (saved.value, saved.label, saved.rated_by) == (3, "improved", clinician.user_id)
    assert saved.rated_on == dt.date(2026, 3, 2)
    for value, field in ((0, "value"), (6, "value")):
        with pytest.raises(InvalidInput) as error:
            results.record_outcome(ctx, clinician, north.patient.id, value)
        assert error.value.field == field
    with pytest.raises(InvalidInput) as error:
        results.record_outcome(ctx, clinician, north.patient.id, 2, "", 999)
    assert error.value.field == "session_id"
    staff = actor_of(ctx, north, Role.STAFF)
    with pytest.raises(PermissionDenied):
        results.record_outcome(ctx, staff, north.patient.id, 2)
    with ctx.uow() as uow:
        assert len(uow.outcomes.for_patient(north.clinic.id, north.patient.id)) == 1


def test_a_rating_cannot_name_another_patients_session(ctx: Context, north: SeededClinic) -> None:
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    with ctx.uow() as uow:
        _, theirs = patient_with_chart(
            uow, north.clinic.id, clinician.user_id, "other", dt.date(2026, 3, 2)
        )
        uow.commit()
    with pytest.raises(InvalidInput) as error:
        results.record_outcome(ctx, clinician, north.patient.id, 2, "", theirs["session"])
    assert error.value.field == "session_id"
    with ctx.uow() as uow:
        assert uow.outcomes.for_patient(north.clinic.id, north.patient.id) == []


def test_a_photo_the_patient_sent_is_compared_only_once_a_clinician_accepts_it(
    ctx: Context, north: SeededClinic
) -> None:
    baseline = store(ctx, north, render_skin(5), 41)
    clinics_latest = store(ctx, north, render_skin(5, response=0.3), 10)
    sent = store(
        ctx, north, render_skin(5, response=0.9), 1, checkin_id=north.record_ids["checkin"]
    )
    clinician = actor_of(ctx, north, Role.CLINICIAN)
    view = results.read_results(ctx, clinician, north.patient.id)
    assert (view.before, view.after) == (baseline, clinics_latest)
    assert all(p.photo.id != sent.id for r in view.responses for p in r.points)
    with pytest.raises(NotFound):
        results.read_results(ctx, clinician, north.patient.id, baseline.id, sent.id)

    accepted = photos.accept_patient_photo(ctx, clinician, sent.id)
    assert accepted.accepted_by == clinician.user_id and accepted.is_clinical
    assert results.read_results(ctx, clinician, north.patient.id).after == accepted
    with pytest.raises(InvalidInput):
        photos.accept_patient_photo(ctx, clinician, baseline.id)
    staff = actor_of(ctx, north, Role.STAFF)
    with pytest.raises(PermissionDenied):
        photos.accept_patient_photo(ctx, staff, sent.id)


def test_the_same_face_at_two_resolutions_is_no_measurable_change() -> None:
    # Issue 15: one face uploaded at two resolutions gave 16 rows labelled better or worse.
    import cv2
    from skimage import data

    from resurface.imaging.compare import compare
    from resurface.imaging.quality import capture_quality
    from resurface.protocols import load_rule_base
    from resurface.services.photo_analysis import _region_changes
    from resurface.services.results import _changes

    face = cv2.resize(data.astronaut(), None, fx=6, fy=6, interpolation=cv2.INTER_CUBIC)
    smaller = cv2.resize(face, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
    compared = compare(face, smaller)
    kept = PhotoComparison(
        0, 1, 1, 2, ANALYSIS_VERSION, dt.datetime.now(dt.UTC),
        regions=_region_changes(compared), length_unit=compared.before.length_unit,
    )  # fmt: skip
    # As Results does: a metric either photo is too coarse for is "not measurable" (texture
    # needs 3.4 px/mm; the smaller photo has 3.0).
    too_coarse = set(capture_quality(compared.before).not_measurable) | set(
        capture_quality(compared.after).not_measurable
    )
    rows = _changes(load_rule_base(), kept, too_coarse)
    judged = [(r.region, r.metric, r.change_pct) for r in rows if r.better is not None]
    # Last run (analysis 2026.12.5): no row left.
    assert len(judged) <= 1
    assert all(abs(pct or 0.0) < 10.0 for _, _, pct in judged)
    assert all(r.label and r.region_label for r in rows)
