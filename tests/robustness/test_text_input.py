"""Text with NUL or other control characters is refused on its field, identically on SQLite and
PostgreSQL (PostgreSQL cannot store NUL and used to answer 500), and nothing is half-saved."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.e2e.web.test_patient_recovery import SCORES, form_of, hand_over_link
from tests.support.clinic import SeededClinic

REGISTRATION = {
    "given_name": "Ana",
    "family_name": "Silva",
    "date_of_birth": "1975-06-30",
    "sex": "female",
    "consultation": {
        "goals": [{"concern": "wrinkles", "area": "periorbital", "severity": "moderate"}],
        "fitzpatrick_type": "II",
    },
}


def _fields(response_json: dict[str, object]) -> list[object]:
    errors = response_json["errors"]
    assert isinstance(errors, list)
    return [error["field"] for error in errors]


def _patients(client: TestClient) -> int:
    return int(client.get("/api/v1/patients").json()["total"])


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\ud800"])
def test_registration_names_every_field_with_a_control_character(
    client: TestClient, north: SeededClinic, bad: str
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    before = _patients(client)
    body = REGISTRATION | {"given_name": f"Ana{bad}", "phone": f"0207{bad}946"}
    refused = client.post(
        "/api/v1/patients",
        content=json.dumps(body),  # escaped: a lone surrogate travels as \ud800
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert _fields(refused.json()) == ["given_name", "phone"]
    assert _patients(client) == before


def test_a_search_with_nul_is_refused_not_a_server_error(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    refused = client.get("/api/v1/patients", params={"q": "Tes\x00ter"})
    assert refused.status_code == 422 and _fields(refused.json()) == ["q"]
    assert client.get("/patients", params={"q": "Tes\x00ter"}).status_code < 500


def test_the_new_patient_page_comes_back_filled_in_with_the_error_on_the_field(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    csrf = csrf_of(client.get("/patients/new").text)
    form = {
        "csrf_token": csrf,
        "given_name": "Maria",
        "family_name": "Oka\x00for",
        "date_of_birth": "1980-04-02",
        "sex": "female",
        "goal-0-concern": "acne_scars",
        "goal-0-area": "cheeks",
        "goal-0-severity": "moderate",
    }
    page = client.post("/patients/new", data=form)
    assert page.status_code == 422
    assert 'id="family_name-error"' in page.text and "control character" in page.text
    assert 'value="Maria"' in page.text


def test_a_checkin_note_with_nul_is_refused_and_the_patient_keeps_what_they_typed(
    client: TestClient, runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form = form_of(client.get(f"/r/{token}").text)
    typed = dict.fromkeys(SCORES, "2") | {"note": "Crusting\x00 on the lip"}
    page = client.post(f"/r/{token}", data=form | typed)
    assert page.status_code == 422
    assert "control character" in page.text and "Crusting" in page.text
    api = client.post(
        f"/api/v1/recovery/{token}/checkins",
        json={"scores": dict.fromkeys(SCORES, 2), "note": "a\x00b"},
        headers={"X-CSRF-Token": form["csrf_token"]},
    )
    assert api.status_code == 422 and _fields(api.json()) == ["note"]
    with runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).checkins) == 1
