"""Follow-up photos through the real app: several photos in one form, each with its region,
filed as follow-ups (never as a region's baseline); a bad file refused on its row while the others
are kept, and a resend that saves nothing twice; who may upload."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.e2e.web.test_assessment_pages import _skin_jpeg
from tests.support.clinic import SeededClinic

KEY = re.compile(r'name="request_key" value="([^"]+)"')


def _form(page: str, **regions: str) -> dict[str, str]:
    """The hidden fields of the page's photo form, and a region for each row named."""
    key = KEY.search(page)
    assert key, "the photo form has no request key"
    fields = {"csrf_token": csrf_of(page), "purpose": "follow_up", "request_key": key.group(1)}
    return fields | {f"photos-{row[-1]}-region": region for row, region in regions.items()}


def _chart_photos(client: TestClient, patient_id: int) -> list[dict[str, object]]:
    """The patient's photos as the API gives them, oldest first."""
    chart = client.get(f"/api/v1/patients/{patient_id}/chart").json()
    ids = sorted(e["record_id"] for e in chart["timeline"] if e["kind"] == "photo")
    return [client.get(f"/api/v1/photos/{photo_id}").json() for photo_id in ids]


def test_two_follow_up_photos_with_two_regions_in_one_form(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    chart = client.get(f"/patients/{pid}").text
    assert f'href="/patients/{pid}/photos/follow-up">Follow-up photos</a>' in chart
    page = client.get(f"/patients/{pid}/photos/follow-up")
    assert page.status_code == 200
    assert '<h2 id="add-heading">Add follow-up photos</h2>' in page.text
    assert 'name="photos-0-file"' in page.text and 'name="photos-2-file"' in page.text  # no JS
    sent = client.post(
        f"/patients/{pid}/photos",
        data=_form(page.text, row0="neck", row1="cheeks"),
        files=[
            ("photos-0-file", ("neck.jpg", _skin_jpeg(), "image/jpeg")),
            ("photos-1-file", ("cheeks.jpg", _skin_jpeg(), "image/jpeg")),
            ("photos-2-file", ("", b"", "application/octet-stream")),  # a row left empty
        ],
    )
    assert sent.status_code == 303, sent.text
    assert sent.headers["location"] == f"/patients/{pid}/photos/follow-up?saved=2#photos"
    listed = client.get(sent.headers["location"]).text
    assert "2 follow-up photos saved: they are listed" in listed
    for region in ("Neck", "Cheeks"):
        series = listed[listed.index(f">{region}</h3>") :]
        series = series[: series.index("</section>")]
        assert series.count('class="badge photo-follow_up">follow-up</span>') == 1
        assert "baseline</span>" not in series
        assert "No baseline photo of the" in series  # neither region had one
    photos = [p for p in _chart_photos(client, pid) if p["region"] in ("neck", "cheeks")]
    assert sorted((p["region"], p["purpose"]) for p in photos) == [
        ("cheeks", "follow_up"),
        ("neck", "follow_up"),
    ]
    timeline = client.get(f"/patients/{pid}").text
    assert "Follow-up photo: neck" in timeline and "Follow-up photo: cheeks" in timeline


def test_a_follow_up_photo_is_not_labelled_baseline_on_results(
    client: TestClient, north: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    for purpose in ("baseline", "follow_up"):
        uploaded = client.post(
            f"/api/v1/patients/{pid}/photos",
            data={"region": "neck", "purpose": purpose},
            files={"file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
            headers={"X-CSRF-Token": token},
        )
        assert uploaded.status_code == 202, uploaded.text  # stored; measured in the background
        assert uploaded.json()["photo"]["purpose"] == purpose
    baseline_id, follow_up_id = (p["id"] for p in _chart_photos(client, pid)[-2:])
    html = client.get(f"/patients/{pid}/results").text
    options = dict(
        re.findall(r'<option value="(\d+)"[^>]*>neck · [^<(]*\(([^)]+)\)</option>', html)
    )
    assert options == {str(baseline_id): "baseline", str(follow_up_id): "follow-up"}
    assert "Add follow-up photos" in html
    api = client.get(f"/api/v1/patients/{pid}/results").json()
    assert [(p["purpose"], p["baseline"]) for p in api["regions"]["neck"]] == [
        ("baseline", True),
        ("follow_up", False),
    ]
    wrong = client.post(
        f"/api/v1/patients/{pid}/photos",
        data={"region": "neck", "purpose": "before"},
        files={"file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "purpose" in wrong.text


def test_a_bad_file_is_shown_on_its_row_and_a_resend_saves_nothing_twice(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    page = client.get(f"/patients/{pid}/photos/follow-up").text
    form = _form(page, row0="neck", row1="cheeks", row2="")
    files = [
        ("photos-0-file", ("neck.jpg", _skin_jpeg(), "image/jpeg")),
        ("photos-1-file", ("notes.txt", b"not a photo at all", "text/plain")),
        ("photos-2-file", ("chest.jpg", _skin_jpeg(), "image/jpeg")),
    ]
    refused = client.post(f"/patients/{pid}/photos", data=form, files=files)
    assert refused.status_code == 422
    html = refused.text
    assert "Photo 2: file: " in html and 'id="photos-1-file-error"' in html  # counted from 1
    assert "Photo 3: region: choose the region of this photo" in html
    assert 'id="photos-1-region"' in html and '<option value="cheeks" selected>' in html
    assert html.count('<span class="badge">saved</span> neck') == 1  # row 1 kept, not re-asked
    assert 'name="photos-0-file"' not in html
    assert f'value="{form["request_key"]}"' in html
    assert len(_chart_photos(client, pid)) == 2  # the seeded photo and the neck
    # The browser sends the same form again: the neck is not saved a second time.
    again = client.post(f"/patients/{pid}/photos", data=form, files=files)
    assert again.status_code == 422 and len(_chart_photos(client, pid)) == 2
    mended = client.post(
        f"/patients/{pid}/photos",
        data=form | {"photos-2-region": "chest"},
        files=[
            ("photos-1-file", ("cheeks.jpg", _skin_jpeg(), "image/jpeg")),
            ("photos-2-file", ("chest.jpg", _skin_jpeg(), "image/jpeg")),
        ],
    )
    assert mended.status_code == 303, mended.text
    regions = sorted(str(p["region"]) for p in _chart_photos(client, pid))
    assert regions == ["cheeks", "chest", "neck", "perioral"]


def test_front_desk_and_other_clinics_cannot_reach_follow_up_photos(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    pid = north.patient.id
    files = {"photos-0-file": ("neck.jpg", _skin_jpeg(), "image/jpeg")}
    token = sign_in(client, north.usernames[Role.STAFF])
    data = {"csrf_token": token, "purpose": "follow_up", "photos-0-region": "neck"}
    assert client.get(f"/patients/{pid}/photos/follow-up").status_code == 403
    assert client.post(f"/patients/{pid}/photos", data=data, files=files).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, south.usernames[Role.CLINICIAN])
    data["csrf_token"] = token
    assert client.get(f"/patients/{pid}/photos/follow-up").status_code == 404
    assert client.post(f"/patients/{pid}/photos", data=data, files=files).status_code == 404
    client.post("/logout", data={"csrf_token": token})
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert len(_chart_photos(client, pid)) == 1  # the seeded photo only
