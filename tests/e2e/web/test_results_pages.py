"""The results page over HTTP: two photos of the same region measured, the change of each metric,
the re-estimated sessions, GAIS entry, and the clinic wall."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.demo.photos import HEIGHT, WIDTH, render_skin
from resurface.domain.chart import Photo
from resurface.domain.people import Role
from resurface.services import jobs, photo_analysis
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic
from tests.support.jobs import settle


def store_photo(
    runtime: Runtime, clinic: SeededClinic, data: bytes, taken: dt.datetime, region: str
) -> Photo:
    key = runtime.context.photos.put(data)
    with runtime.context.uow() as uow:
        photo = uow.charts.add_photo(
            Photo(
                0, clinic.clinic.id, clinic.patient.id, region, taken,
                hashlib.sha256(data).hexdigest(), key, "image/png", WIDTH, HEIGHT,
            )
        )  # fmt: skip
        uow.commit()
    return photo


@pytest.fixture
def pair(sqlite_runtime: Runtime, north: SeededClinic) -> tuple[Photo, Photo]:
    """A baseline before the seeded session (5 days ago) and a photo after it: spots and lines
    faded as after treatment."""
    now = dt.datetime.now(dt.UTC)
    before = store_photo(
        sqlite_runtime, north, render_skin(7), now - dt.timedelta(days=41), "perioral"
    )
    after = store_photo(
        sqlite_runtime, north, render_skin(7, response=0.6), now - dt.timedelta(days=1), "perioral"
    )
    # Stored without an upload: the worker's catch-up finds them, measures and compares them.
    jobs.catch_up(sqlite_runtime.context)
    settle(sqlite_runtime)
    return before, after


def test_results_are_read_from_stored_comparisons_never_computed_on_load(
    client: TestClient,
    north: SeededClinic,
    pair: tuple[Photo, Photo],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before, after = pair
    computed: list[str] = []

    def refuse(*args: object, **kwargs: object) -> None:
        computed.append("compare")
        raise AssertionError("a results page must not compare photos")

    for name in ("compare", "analyze", "decode_photo"):
        monkeypatch.setattr(photo_analysis, name, refuse)
    sign_in(client, north.usernames[Role.CLINICIAN])
    for _ in range(2):
        page = client.get(f"/patients/{north.patient.id}/results")
        assert page.status_code == 200 and 'class="badge better-badge">better' in page.text
        assert "being analysed and compared" not in page.text
    api = client.get(f"/api/v1/patients/{north.patient.id}/results").json()
    assert api["changes"] and not api["comparing"]
    (estimate,) = api["reestimates"]
    assert estimate["sessions_measured"] == 1  # the re-estimate read the stored comparison too
    png = client.get(f"/patients/{north.patient.id}/results/compare.png"
                     f"?before={before.id}&after={after.id}")  # fmt: skip
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert computed == []


def test_results_show_the_measured_change_and_sessions_left(
    client: TestClient, north: SeededClinic, pair: tuple[Photo, Photo]
) -> None:
    before, after = pair
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}/results")
    assert page.status_code == 200
    html = page.text
    # The seeded photo has no file in the store: the default pair is baseline and latest stored.
    assert f'src="/photos/{before.id}"' in html and f'src="/photos/{after.id}"' in html
    assert f"compare.png?before={before.id}&amp;after={after.id}" in html
    assert "<td>Wrinkle density (px per 100 px²)</td>" in html  # no scale in these photos
    assert "lengths are in pixels, not millimetres" in html
    assert 'class="badge better-badge">better' in html
    api = client.get(f"/api/v1/patients/{north.patient.id}/results").json()
    density = next(c for c in api["changes"] if c["metric"] == "wrinkle_density")
    assert density["change_pct"] < -5 and density["improved"] is True
    (estimate,) = api["reestimates"]
    assert estimate["concern"] == "wrinkles" and estimate["metric"] == "wrinkle_density"
    assert estimate["sessions_measured"] == 1
    assert estimate["improvement_pct"] == pytest.approx(-density["change_pct"], abs=0.2)
    assert estimate["status"] != "not_started"
    assert f"{estimate['remaining_now']}</strong> more session" in html
    assert '<th scope="col">Wrinkle density: change</th>' in html
    png = client.get(api["comparison_png"])
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")


def test_choosing_photos_of_different_regions_is_refused(
    client: TestClient, north: SeededClinic, pair: tuple[Photo, Photo], sqlite_runtime: Runtime
) -> None:
    before, _ = pair
    other = store_photo(sqlite_runtime, north, render_skin(9), dt.datetime.now(dt.UTC), "forehead")
    sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/api/v1/patients/{north.patient.id}/results"
    refused = client.get(url, params={"before": before.id, "after": other.id})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "after"


def test_gais_rating_is_saved_and_bad_input_keeps_the_note(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}/results")
    assert "1 · very much improved" in page.text and "5 · worse" in page.text
    csrf = csrf_of(page.text)
    url = f"/patients/{north.patient.id}/outcomes"
    missing = client.post(url, data={"csrf_token": csrf, "note": "patient delighted"})
    assert missing.status_code == 422
    assert 'id="value-error">choose a rating from 1 to 5' in missing.text
    assert ">patient delighted</textarea>" in missing.text
    wrong = client.post(url, data={"csrf_token": csrf, "value": "9", "note": "x"})
    assert wrong.status_code == 422 and "choose one of 1 very much improved" in wrong.text
    saved = client.post(url, data={"csrf_token": csrf, "value": "2", "note": "patient delighted"})
    assert saved.status_code == 303
    html = client.get(saved.headers["location"]).text
    assert "<strong>2 · much improved</strong>" in html and "patient delighted" in html
    api = client.post(
        f"/api/v1/patients/{north.patient.id}/outcomes",
        json={"value": 6},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "value"
    with sqlite_runtime.context.uow() as uow:
        (rating,) = uow.outcomes.for_patient(north.clinic.id, north.patient.id)
        actions = [e.entry.action for e in uow.audit.for_patient(north.clinic.id, north.patient.id)]
    assert (rating.scale, rating.value, rating.label) == ("gais", 2, "much improved")
    assert "outcome_recorded" in actions and "results_read" in actions


def test_another_clinic_gets_404_and_staff_403(
    client: TestClient, north: SeededClinic, south: SeededClinic, pair: tuple[Photo, Photo]
) -> None:
    before, after = pair
    pid = north.patient.id
    csrf = sign_in(client, south.usernames[Role.CLINICIAN])
    query = {"before": before.id, "after": after.id}
    assert client.get(f"/patients/{pid}/results").status_code == 404
    assert client.get(f"/patients/{pid}/results/compare.png", params=query).status_code == 404
    assert client.get(f"/api/v1/patients/{pid}/results").status_code == 404
    form = {"csrf_token": csrf, "value": "1"}
    assert client.post(f"/patients/{pid}/outcomes", data=form).status_code == 404
    headers = {"X-CSRF-Token": csrf}
    assert (
        client.post(f"/api/v1/patients/{pid}/outcomes", json={"value": 1}, headers=headers)
    ).status_code == 404
    # North's photos cannot be compared through south's own patient either.
    own = client.get(f"/patients/{south.patient.id}/results/compare.png", params=query)
    assert own.status_code == 404
    client.cookies.clear()
    sign_in(client, north.usernames[Role.STAFF])
    assert client.get(f"/patients/{pid}/results").status_code == 403
    assert client.get(f"/api/v1/patients/{pid}/results").status_code == 403
    assert client.get(f"/patients/{pid}/results/compare.png", params=query).status_code == 403
