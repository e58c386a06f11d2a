"""Who may see and do what: roles, and the wall between clinics."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic

RECORD_URLS = {
    "patient": [
        "/api/v1/patients/{id}",
        "/api/v1/patients/{id}/chart",
        "/patients/{id}",
        "/patients/{id}/photos/follow-up",
    ],
    "consultation": ["/api/v1/consultations/{id}"],
    "assessment": ["/api/v1/assessments/{id}"],
    "plan": ["/api/v1/plans/{id}"],
    "session": ["/api/v1/sessions/{id}"],
    "checkin": ["/api/v1/checkins/{id}"],
    "photo": ["/api/v1/photos/{id}", "/api/v1/photos/{id}/content", "/photos/{id}"],
}


def _without_token(page: str) -> str:
    """The page without the sign-out form's CSRF token (random, and may hold any digit)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


def test_a_clinician_reads_every_kind_of_record_of_their_own_clinic(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sqlite_runtime.context.photos.put(b"not read")  # the seeded photo's bytes are not needed here
    sign_in(client, north.usernames[Role.CLINICIAN])
    for kind, urls in RECORD_URLS.items():
        for url in urls:
            if url.endswith("/content") or url.startswith("/photos"):
                continue
            response = client.get(url.format(id=north.record_ids[kind]))
            assert response.status_code == 200, url


def test_no_record_of_another_clinic_can_be_reached_by_id(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.ADMIN])
    for kind, urls in RECORD_URLS.items():
        for url in urls:
            response = client.get(url.format(id=south.record_ids[kind]))
            assert response.status_code == 404, url
            missing = client.get(url.format(id=999_999))
            assert missing.status_code == 404
            body = response.text
            assert "Tester-south" not in body and "Robin" not in body
            assert "Clinic south" not in body and "south" not in body.replace(url, "")
            # A foreign id is answered exactly like an id that does not exist.
            assert _without_token(body).replace(str(south.record_ids[kind]), "N") == _without_token(
                missing.text
            ).replace("999999", "N")


def test_patient_list_shows_only_the_own_clinic(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    names = [p["family_name"] for p in client.get("/api/v1/patients").json()["items"]]
    assert names == ["Tester-north"]
    assert "Tester-south" not in client.get("/patients?q=Tester").text


def test_front_desk_staff_cannot_take_admin_actions(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    assert client.get("/admin/users").status_code == 403
    attempt = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "sneaky",
            "display_name": "Sneaky",
            "role": "admin",
            "password": "long enough password",
        },
    )
    assert attempt.status_code == 403
    assert "may not manage users" in attempt.text
    sign_in(client, north.usernames[Role.ADMIN])
    assert "sneaky" not in client.get("/admin/users").text


def test_front_desk_staff_see_the_list_but_not_the_clinical_chart(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    page = client.get("/patients")
    assert "Tester-north" in page.text
    assert f'href="/patients/{north.patient.id}"' not in page.text
    chart = client.get(f"/api/v1/patients/{north.patient.id}/chart")
    assert chart.status_code == 403
    assert chart.headers["content-type"] == "application/problem+json"


def test_an_admin_adds_a_user_who_can_then_sign_in(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    added = client.post(
        "/admin/users",
        data={
            "csrf_token": csrf,
            "username": "new.clinician",
            "display_name": "New Clinician",
            "role": "clinician",
            "password": "a long new password",
        },
    )
    assert added.status_code == 303
    sign_in(client, "new.clinician", "a long new password")
    assert client.get("/api/v1/me").json()["role"] == "clinician"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("username", "Bad Name!", "username"), ("password", "short", "at least 12 characters")],
)
def test_a_rejected_new_user_keeps_what_was_typed(
    client: TestClient, north: SeededClinic, field: str, value: str, message: str
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    data = {
        "csrf_token": csrf,
        "username": "kept.name",
        "display_name": "Kept Display Name",
        "role": "staff",
        "password": "a long new password",
    } | {field: value}
    response = client.post("/admin/users", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert "Kept Display Name" in response.text


def test_a_new_user_form_marks_every_refused_field_at_once(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    data = {
        "csrf_token": csrf,
        "username": "Bad Name!",
        "display_name": "Kept Display Name",
        "role": "staff",
        "password": "short",
    }
    response = client.post("/admin/users", data=data)
    assert response.status_code == 422
    assert "lower-case letters" in response.text
    assert "at least 12 characters" in response.text
    assert response.text.count('aria-invalid="true"') == 2
    assert "Kept Display Name" in response.text


def test_a_refused_or_missing_page_keeps_the_navigation_and_sign_out(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    refused = client.get(f"/patients/{north.patient.id}/recovery")
    assert refused.status_code == 403
    assert "Front desk staff may not see the clinical chart." in refused.text
    assert 'aria-label="Main"' in refused.text and "Sign out" in refused.text
    client.cookies.clear()
    sign_in(client, north.usernames[Role.CLINICIAN])
    missing = client.get("/patients/999999")
    assert missing.status_code == 404 and "Sign out" in missing.text


def test_the_new_user_form_starts_on_the_least_powerful_role(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.ADMIN])
    page = client.get("/admin/users").text
    options = re.findall(r'<option value="(\w+)" ?( selected)?>', page)
    assert options[0] == ("staff", " selected")
    assert [value for value, _ in options] == ["staff", "clinician", "admin"]


def test_the_front_desk_list_carries_no_clinical_fields(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    [item] = client.get("/api/v1/patients").json()["items"]
    assert set(item) == {"id", "given_name", "family_name", "date_of_birth", "phone", "email"}
    page = client.get("/patients").text
    assert "Stage" not in page and "Sessions" not in page and "Last session" not in page
    refused = client.get("/api/v1/patients?stage=recovering")
    assert refused.status_code == 403
    sign_in(client, north.usernames[Role.CLINICIAN])
    [clinical] = client.get("/api/v1/patients").json()["items"]
    assert clinical["stage"] and clinical["patient"]["fitzpatrick_type"] == "II"
