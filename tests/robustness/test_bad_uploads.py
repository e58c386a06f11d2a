"""Uploads a client should never send, through the clinic's photo API and the patient's check-in
on SQLite and PostgreSQL: each is refused on its field (or accepted re-encoded, without what was
hidden in it), never a server error, and nothing is stored for a refused one."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_patient_recovery import SCORES, form_of, hand_over_link
from tests.support.clinic import SeededClinic


def _png(width: int, height: int, colour: tuple[int, int, int] = (200, 150, 130)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 120, 110)).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _bomb() -> bytes:
    """A PNG that declares 40000 × 40000 pixels (1.6 gigapixels) in a few hundred bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 40000, 40000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1000)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


REFUSED = {
    "empty": b"",
    "text named .jpg": b"Dear clinic, this is not a photo.",
    "NUL bytes only": b"\x00" * 4096,
    "truncated JPEG": _jpeg()[:300],
    "decompression bomb": _bomb(),
    "61 megapixels": _png(7810, 7810),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_bad_photo_upload_is_refused_on_its_field_and_nothing_is_stored(
    client: TestClient, runtime: Runtime, north: SeededClinic, name: str
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    with runtime.context.uow() as uow:
        before = len(uow.charts.chart(north.clinic.id, north.patient.id).photos)
    refused = client.post(
        f"/api/v1/patients/{north.patient.id}/photos",
        data={"region": "cheeks"},
        files={"file": ("photo.jpg", REFUSED[name], "image/jpeg")},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code in (413, 422), (name, refused.status_code, refused.text[:300])
    assert refused.headers["content-type"] == "application/problem+json"
    if refused.status_code == 422:
        assert refused.json()["errors"][0]["field"] == "file"
    with runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).photos) == before


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_bad_shot_to_the_capture_check_is_refused_on_its_field(
    client: TestClient, north: SeededClinic, name: str
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    refused = client.post(
        f"/api/v1/patients/{north.patient.id}/photos/check",
        data={"region": "full_face"},
        files={"file": ("shot.jpg", REFUSED[name], "image/jpeg")},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code in (413, 422), (name, refused.status_code, refused.text[:300])
    assert refused.headers["content-type"] == "application/problem+json"
    if refused.status_code == 422:
        assert refused.json()["errors"][0]["field"] == "file"


def test_a_polyglot_is_stored_re_encoded_without_what_was_appended(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    payload = b"<script>alert('x')</script>PK\x03\x04 a zip after the image"
    uploaded = client.post(
        f"/api/v1/patients/{north.patient.id}/photos",
        data={"region": "neck"},
        files={"file": ("photo.png", _png(80, 60) + payload, "image/png")},
        headers={"X-CSRF-Token": csrf},
    )
    assert uploaded.status_code == 202, uploaded.text
    stored = client.get(f"/api/v1/photos/{uploaded.json()['photo']['id']}/content")
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/png"
    assert b"<script>" not in stored.content and b"PK\x03\x04" not in stored.content


def test_a_bad_photo_on_a_checkin_is_refused_and_the_answers_are_kept(
    client: TestClient, runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form = form_of(client.get(f"/r/{token}").text)
    answers = dict.fromkeys(SCORES, "2") | {"note": "crust on the lip"}
    page = client.post(
        f"/r/{token}", data=form | answers, files={"photo": ("lip.jpg", _bomb(), "image/jpeg")}
    )
    assert page.status_code == 422 and "megapixels" in page.text
    assert "crust on the lip" in page.text
    with runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).checkins) == 1
