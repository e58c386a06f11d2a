"""Checking a shot in the room (the capture guide): the verdict of a photo without keeping it,
for whoever may take chart photos; the ghost of each region's baseline on the photo form, read
through the audited photo route."""

from __future__ import annotations

import html
import io
import json

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image
from skimage import data as skimage_data

from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_assessment_pages import _skin_jpeg
from tests.support.clinic import SeededClinic


def _face_jpeg(scale: float = 1.0) -> bytes:
    pixels = skimage_data.astronaut()
    if scale != 1.0:
        size = (round(pixels.shape[1] * scale), round(pixels.shape[0] * scale))
        pixels = np.asarray(Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS))
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()


def _check(client: TestClient, pid: int, token: str, region: str, photo: bytes):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/v1/patients/{pid}/photos/check",
        data={"region": region},
        files={"file": ("shot.jpg", photo, "image/jpeg")},
        headers={"X-CSRF-Token": token},
    )


def _photo_count(client: TestClient, pid: int) -> int:
    chart = client.get(f"/api/v1/patients/{pid}/chart").json()
    return sum(1 for e in chart["timeline"] if e["kind"] == "photo")


def test_a_shot_is_checked_and_nothing_is_kept(client: TestClient, north: SeededClinic) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    before = _photo_count(client, pid)
    # A face 120 px wide: too coarse for wrinkles, and said so right after the shot.
    coarse = _check(client, pid, token, "full_face", _face_jpeg(0.5))
    assert coarse.status_code == 200, coarse.text
    verdict = coarse.json()
    assert verdict["ok"] is False
    assert any("too coarse" in p for p in verdict["problems"])
    assert verdict["grey_card"] is False
    # Skin without a face, photographed as the neck: measured over the whole frame.
    neck = _check(client, pid, token, "neck", _skin_jpeg()).json()
    assert "No face was found" not in " ".join(neck["problems"])
    assert _photo_count(client, pid) == before  # nothing stored
    sign_in(client, north.usernames[Role.ADMIN])
    events = client.get(
        "/api/v1/audit/events", params={"patient_id": pid, "action": "check"}
    ).json()
    assert [e["record_type"] for e in events["items"]][:2] == ["photo_capture"] * 2


def test_a_bad_shot_or_region_is_named(client: TestClient, north: SeededClinic) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    not_a_photo = _check(client, pid, token, "neck", b"not a photo at all")
    assert not_a_photo.status_code == 422
    assert not_a_photo.headers["content-type"] == "application/problem+json"
    assert "file" in not_a_photo.text
    no_region = _check(client, pid, token, "elbow", _skin_jpeg())
    assert no_region.status_code == 422 and "region" in no_region.text
    no_token = client.post(
        f"/api/v1/patients/{pid}/photos/check",
        data={"region": "neck"},
        files={"file": ("shot.jpg", _skin_jpeg(), "image/jpeg")},
    )
    assert no_token.status_code == 403


def test_front_desk_and_other_clinics_cannot_check_shots(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    pid = north.patient.id
    token = sign_in(client, north.usernames[Role.STAFF])
    assert _check(client, pid, token, "neck", _skin_jpeg()).status_code == 403
    token = sign_in(client, south.usernames[Role.CLINICIAN])
    assert _check(client, pid, token, "neck", _skin_jpeg()).status_code == 404
    token = sign_in(client, south.usernames[Role.ADMIN])
    assert _check(client, pid, token, "neck", _skin_jpeg()).status_code == 404
    token = sign_in(client, north.usernames[Role.ADMIN])
    assert _check(client, pid, token, "neck", _skin_jpeg()).status_code == 200


def test_the_form_offers_each_regions_baseline_as_a_ghost(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    pid = north.patient.id
    uploaded = client.post(
        f"/api/v1/patients/{pid}/photos",
        data={"region": "neck", "purpose": "baseline"},
        files={"file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
        headers={"X-CSRF-Token": token},
    )
    assert uploaded.status_code == 202, uploaded.text
    photo_id = uploaded.json()["photo"]["id"]
    client.post(
        f"/api/v1/patients/{pid}/photos",
        data={"region": "neck", "purpose": "follow_up"},
        files={"file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
        headers={"X-CSRF-Token": token},
    )
    page = client.get(f"/patients/{pid}/photos/follow-up").text
    attribute = page.split('data-ghosts="', 1)[1].split('"', 1)[0]
    ghosts = json.loads(html.unescape(attribute))
    assert ghosts["neck"] == f"/photos/{photo_id}"  # the baseline, not the later follow-up
    assert "chest" not in ghosts
    # The ghost is the ordinary photo read: the clinician may, another clinic may not.
    assert client.get(ghosts["neck"]).status_code == 200
    sign_in(client, south.usernames[Role.CLINICIAN])
    assert client.get(ghosts["neck"]).status_code == 404
    sign_in(client, north.usernames[Role.STAFF])
    assert client.get(ghosts["neck"]).status_code == 403
    sign_in(client, north.usernames[Role.ADMIN])
    reads = client.get("/api/v1/audit/events", params={"patient_id": pid, "action": "read"}).json()
    assert any(
        e["record_type"] == "photo" and str(e["record_id"]) == str(photo_id) for e in reads["items"]
    )
