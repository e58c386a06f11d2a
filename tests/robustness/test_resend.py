"""A client that resends (an offline queue, a retry after a dropped connection, a double click)
gets the first answer back and nothing is stored twice, over HTTP on SQLite and PostgreSQL; an
API client can do what the phone page does without scraping it."""

from __future__ import annotations

import datetime as dt
import io
import re

from fastapi.testclient import TestClient
from PIL import Image

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.e2e.web.test_patient_recovery import SCORES, hand_over_link
from tests.support.clinic import SeededClinic

REGISTRATION = {
    "given_name": "Ana",
    "family_name": "Silva",
    "date_of_birth": "1975-06-30",
    "sex": "female",
}


def test_a_registration_resent_with_its_key_gets_the_first_patient(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "desk-7f3a"}
    first = client.post("/api/v1/patients", json=REGISTRATION, headers=headers)
    again = client.post("/api/v1/patients", json=REGISTRATION, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["patient"]["id"] == first.json()["patient"]["id"]
    listed = client.get("/api/v1/patients", params={"q": "Silva"}).json()
    assert listed["total"] == 1
    bad = client.post(
        "/api/v1/patients",
        json=REGISTRATION,
        headers={"X-CSRF-Token": csrf, "Idempotency-Key": "a b"},
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "Idempotency-Key"


def test_the_new_patient_form_sent_twice_registers_one_patient(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    page = client.get("/patients/new").text
    key = re.search(r'name="request_key" value="([^"]+)"', page)
    assert key, "the form carries its request key"
    form = REGISTRATION | {"csrf_token": csrf_of(page), "request_key": key.group(1)}
    first = client.post("/patients/new", data=form)
    again = client.post("/patients/new", data=form)
    assert first.status_code == again.status_code == 303
    assert client.get("/api/v1/patients", params={"q": "Silva"}).json()["total"] == 1


def test_an_api_client_checks_in_with_the_form_token_and_a_key(
    client: TestClient, runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    read = client.get(f"/api/v1/recovery/{token}").json()
    headers = {"X-CSRF-Token": read["form_token"], "Idempotency-Key": "phone-queue-1"}
    body = {"scores": dict.fromkeys(SCORES, 2), "note": "from the queue"}
    url = f"/api/v1/recovery/{token}/checkins"
    first = client.post(url, json=body, headers=headers)
    again = client.post(url, json=body | {"note": "edited, same key"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["checkin"]["id"] == first.json()["checkin"]["id"]
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(north.clinic.id, north.patient.id)
    assert [c.checkin.note for c in chart.checkins].count("from the queue") == 1
    assert all(c.checkin.note != "edited, same key" for c in chart.checkins)


def test_a_session_and_a_photo_resent_with_their_keys_are_stored_once(
    client: TestClient, runtime: Runtime, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "session-form-1"}
    body = {
        "performed_on": dt.date.today().isoformat(),
        "device": "Test CO2",
        "areas": [{"area": "perioral", "modality": "fractional_ablative_co2",
                   "energy_mj": 15, "density_pct": 10, "passes": 2}],
        "proceed_reason": "the seeded first session was 5 days ago",
    }  # fmt: skip
    url = f"/api/v1/patients/{north.patient.id}/sessions"
    first, again = (client.post(url, json=body, headers=headers) for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 201), again.text
    assert again.json()["session"]["id"] == first.json()["session"]["id"]
    assert again.json()["checkins"] == first.json()["checkins"]

    photo_headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "camera-upload-9"}
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (190, 140, 120)).save(png, format="PNG")
    upload = {"file": ("neck.png", png.getvalue(), "image/png")}
    photo_url = f"/api/v1/patients/{north.patient.id}/photos"
    sent = [
        client.post(photo_url, data={"region": "neck"}, files=upload, headers=photo_headers)
        for _ in range(2)
    ]
    assert [s.status_code for s in sent] == [202, 202]  # stored; measured in the background
    assert sent[0].json()["photo"]["id"] == sent[1].json()["photo"]["id"]
    with runtime.context.uow() as uow:
        chart = uow.charts.chart(north.clinic.id, north.patient.id)
    assert len(chart.sessions) == 2 and len(chart.photos) == 2  # the seeded ones and one each


def test_a_key_first_used_on_a_patient_that_does_not_exist_still_records_the_session(
    client: TestClient, north: SeededClinic
) -> None:
    """Found by Schemathesis: the refusal (an audited read_not_found) committed the key without
    a record, and the next request under the key failed with a 500."""
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": csrf, "Idempotency-Key": "reused-after-a-404"}
    body = {
        "performed_on": dt.date.today().isoformat(),
        "device": "Test CO2",
        "areas": [
            {
                "area": "perioral",
                "modality": "fractional_ablative_co2",
                "energy_mj": 12.0,
                "density_pct": 10.0,
                "passes": 1,
            }
        ],
        "proceed_reason": "the patient asked to go on",
    }
    missing = client.post("/api/v1/patients/999999/sessions", json=body, headers=headers)
    assert missing.status_code == 404
    recorded = client.post(
        f"/api/v1/patients/{north.patient.id}/sessions", json=body, headers=headers
    )
    assert recorded.status_code == 201, recorded.text
