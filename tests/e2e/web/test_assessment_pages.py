"""Assessment grades and baseline photo upload through the real app."""

from __future__ import annotations

import io
import re

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic
from tests.support.jobs import settle


def _skin_jpeg() -> bytes:
    rng = np.random.default_rng(3)
    pixels = np.full((300, 400, 3), (214, 170, 145), np.uint8)
    pixels[140:143, 40:360] = (150, 110, 95)  # a dark line: something to measure
    noisy = np.clip(pixels + rng.normal(0, 3, pixels.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def test_grade_then_upload_shows_metrics_and_overlay(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    page = client.get(f"/patients/{pid}/assessments/new")
    assert page.status_code == 200
    assert "Glogau photoaging classification" in page.text
    bad = client.post(
        f"/patients/{pid}/assessments/new",
        data={"csrf_token": csrf_of(page.text), "grade|perioral|glogau": "VII", "notes": "kept"},
    )
    assert bad.status_code == 422 and "unknown grade" in bad.text and ">kept</textarea>" in bad.text
    saved = client.post(
        f"/patients/{pid}/assessments/new",
        data={"csrf_token": csrf_of(page.text), "grade|perioral|glogau": "III"},
    )
    assert saved.status_code == 303
    desk = client.get(saved.headers["location"])
    assert "III advanced: wrinkles at rest" in desk.text
    assert 'capture="environment"' in desk.text
    assert '<h2 id="photos-heading">Baseline photos</h2>' in desk.text
    refused = client.post(
        f"/patients/{pid}/photos",
        data={"csrf_token": csrf_of(desk.text), "photos-0-region": "neck"},
        files={"photos-0-file": ("notes.txt", b"not a photo at all", "text/plain")},
    )
    assert refused.status_code == 422 and "not a photo" in refused.text
    assert 'id="photos-0-file-error"' in refused.text and "Photo 1: file" in refused.text
    uploaded = client.post(
        f"/patients/{pid}/photos",
        data={"csrf_token": csrf_of(desk.text), "photos-0-region": "neck"},
        files={"photos-0-file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
    )
    assert uploaded.status_code == 303, uploaded.text
    back = client.get(uploaded.headers["location"])
    assert "1 photo saved; each is analysed in the background" in back.text
    (photo_id,) = re.findall(r'<a href="/photos/(\d+)/analysis">Analysis</a>', back.text)
    settle(sqlite_runtime)  # the app's worker thread measures it
    analysis = client.get(f"/photos/{photo_id}/analysis")
    assert analysis.status_code == 200
    assert "Wrinkle length" in analysis.text and "Redness (mean a*)" in analysis.text
    overlay = client.get(f"/photos/{photo_id}/overlay.png")
    assert overlay.status_code == 200 and overlay.content.startswith(b"\x89PNG")
    measurement = client.get(f"/api/v1/photos/{photo_id}/measurement").json()
    assert measurement["regions"] and "a_star_mean" in measurement["regions"][0]["metrics"]


def test_api_assessment_and_photo_upload(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    created = client.post(
        f"/api/v1/patients/{pid}/assessments",
        json={"grades": [{"area": "cheeks", "scale": "goodman_baron", "grade": "3"}]},
        headers={"X-CSRF-Token": token},
    )
    assert created.status_code == 201, created.text
    assert created.json()["grades"][0]["label"].startswith("3 moderate")
    wrong = client.post(
        f"/api/v1/patients/{pid}/assessments",
        json={"grades": [{"area": "cheeks", "scale": "gais", "grade": "1"}]},
        headers={"X-CSRF-Token": token},
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "grade cheeks gais"
    upload = client.post(
        f"/api/v1/patients/{pid}/photos",
        data={"region": "chest", "assessment_id": str(created.json()["id"])},
        files={"file": ("chest.jpg", _skin_jpeg(), "image/jpeg")},
        headers={"X-CSRF-Token": token},
    )
    assert upload.status_code == 202, upload.text
    body = upload.json()
    assert body["photo"]["assessment_id"] == created.json()["id"]
    assert body["analysis_status"] == "pending" and body["measurement"] is None
    settle(sqlite_runtime)
    analysis = client.get(body["analysis_api_url"]).json()
    assert analysis["status"] == "measured" and analysis["measurement"]["regions"][0]["name"]
    assert analysis["quality"]["px_per_mm"] is None and "grey_card" in analysis["quality"]


def test_staff_and_other_clinics_are_kept_out(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    pid = north.patient.id
    photo_id = north.record_ids["photo"]
    token = sign_in(client, north.usernames[Role.STAFF])
    assert client.get(f"/patients/{pid}/assessments/new").status_code == 403
    staff_upload = client.post(
        f"/api/v1/patients/{pid}/photos",
        data={"region": "neck"},
        files={"file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
        headers={"X-CSRF-Token": token},
    )
    assert staff_upload.status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = sign_in(client, south.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": token}
    assert client.get(f"/patients/{pid}/assessments/new").status_code == 404
    assert (
        client.post(
            f"/patients/{pid}/assessments/new",
            data={"csrf_token": token, "grade|perioral|glogau": "II"},
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/patients/{pid}/photos",
            data={"csrf_token": token, "photos-0-region": "neck"},
            files={"photos-0-file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
        ).status_code
        == 404
    )
    assert client.get(f"/photos/{photo_id}/analysis").status_code == 404
    assert client.get(f"/photos/{photo_id}/overlay.png").status_code == 404
    assert client.get(f"/api/v1/photos/{photo_id}/measurement").status_code == 404
    assert (
        client.post(
            f"/api/v1/patients/{pid}/assessments",
            json={"grades": [{"area": "cheeks", "scale": "glogau", "grade": "II"}]},
            headers=headers,
        ).status_code
        == 404
    )
