"""New patient, consultation, screening result and consent through the real app."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic

FITZ_TYPE_IV = [3, 3, 2, 3, 2, 3, 2, 2, 2, 2]  # total 24 -> type IV in the default cut-offs


def _form(csrf: str, **extra: str) -> dict[str, str]:
    data = {
        "csrf_token": csrf,
        "given_name": "Maria",
        "family_name": "Okafor",
        "date_of_birth": "1980-04-02",
        "sex": "female",
        "goal-0-concern": "acne_scars",
        "goal-0-area": "cheeks",
        "goal-0-severity": "moderate",
        "goal-1-concern": "wrinkles",
        "goal-1-area": "neck",
        "goal-1-severity": "mild",
        "hsv_history": "yes",
        "isotretinoin_months_since_last_dose": "3",
    }
    data |= {f"fitz-{i + 1}": str(a) for i, a in enumerate(FITZ_TYPE_IV)}
    return data | extra


def test_new_patient_shows_screening_with_reason_and_source_and_consent(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get("/patients/new")
    assert page.status_code == 200
    assert "What colour are your eyes?" in page.text
    response = client.post("/patients/new", data=_form(csrf_of(page.text)))
    assert response.status_code == 303, response.text
    result = client.get(response.headers["location"])
    assert result.status_code == 200
    text = result.text
    assert "Maria Okafor" in text
    assert "Avoid these treatments" in text  # isotretinoin 3 months ago: no fully ablative
    assert "Isotretinoin recent" in text and "Spring 2017" in text
    assert "Precautions" in text and "Hsv history" in text  # antiviral prophylaxis
    assert "Darker skin type" in text  # type IV from the questionnaire
    # Consent is signed on the patient's consent page, once there is a plan to consent to.
    consents = re.search(r'href="(/patients/\d+/consents)">Consent<', text)
    assert consents, "no link to the consents page"
    assert "No treatment plan yet" in client.get(consents.group(1)).text


def test_rejected_form_keeps_input_and_names_the_field(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    csrf = csrf_of(client.get("/patients/new").text)
    data = _form(csrf, date_of_birth="", **{"fitz-4": ""})
    response = client.post("/patients/new", data=data)
    assert response.status_code == 422
    assert 'id="date_of_birth-error"' in response.text
    assert "answer this question too" in response.text
    assert 'value="Okafor"' in response.text  # typed input kept
    assert 'value="acne_scars" selected' in response.text
    assert 'name="hsv_history" value="yes" checked' in response.text


def test_a_goal_row_error_is_numbered_as_the_form_numbers_it(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    csrf = csrf_of(client.get("/patients/new").text)
    response = client.post("/patients/new", data=_form(csrf, **{"goal-1-severity": ""}))
    assert response.status_code == 422
    assert "<li>Goal 2: choose the severity too</li>" in response.text
    assert "goal 1:" not in response.text.lower()


def test_deferred_patient_is_told_to_wait(client: TestClient, north: SeededClinic) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}/consultations/new")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_of(page.text),
        "goal-0-concern": "wrinkles",
        "goal-0-area": "perioral",
        "goal-0-severity": "severe",
        "pregnant": "yes",
        "fitzpatrick_type": "II",
    }
    response = client.post(f"/patients/{north.patient.id}/consultations/new", data=data)
    assert response.status_code == 303
    result = client.get(response.headers["location"]).text
    assert "Treatment deferred" in result and "Pregnancy" in result


def test_staff_registers_but_cannot_record_a_consultation(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    page = client.get("/patients/new")
    assert page.status_code == 200 and "Medical history" not in page.text
    data = {
        "csrf_token": csrf_of(page.text),
        "given_name": "Tom",
        "family_name": "Reyes",
        "date_of_birth": "1990-01-01",
    }
    assert client.post("/patients/new", data=data).status_code == 303
    assert "Reyes" in client.get("/patients?q=Reyes").text
    assert client.get(f"/patients/{north.patient.id}/consultations/new").status_code == 403
    api = client.post(
        f"/api/v1/patients/{north.patient.id}/consultations",
        json={
            "goals": [{"concern": "texture", "area": "cheeks", "severity": "mild"}],
            "fitzpatrick_type": "II",
        },
        headers={"X-CSRF-Token": client.get("/api/v1/me").json()["csrf_token"]},
    )
    assert api.status_code == 403


def test_api_registers_with_consultation_and_names_bad_fields(
    client: TestClient, north: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    body = {
        "given_name": "Ana",
        "family_name": "Silva",
        "date_of_birth": "1975-06-30",
        "sex": "female",
        "consultation": {
            "goals": [{"concern": "wrinkles", "area": "periorbital", "severity": "moderate"}],
            "history": {"hsv_history": True},
            "fitzpatrick_answers": FITZ_TYPE_IV,
        },
    }
    response = client.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["consultation"]["consultation"]["fitzpatrick_type"] == "IV"
    codes = {f["code"]: f for f in result["consultation"]["consultation"]["findings"]}
    assert codes["hsv_history"]["source"] and codes["hsv_history"]["reason"]
    assert result["consultation"]["consents_url"].endswith("/consents")
    bad = dict(body, given_name="Other")
    bad["consultation"] = dict(body["consultation"], fitzpatrick_answers=[9] * 10)
    refused = client.post("/api/v1/patients", json=bad, headers={"X-CSRF-Token": token})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["errors"][0]["field"] == "fitzpatrick_answers item 1"
    assert "Other" not in client.get("/api/v1/patients?q=Other").text  # nothing half-saved


def test_another_clinic_gets_404_everywhere(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    csrf = csrf_of(client.get("/patients/new").text)
    created = client.post("/patients/new", data=_form(csrf))
    consultation = created.headers["location"]
    client.post("/logout", data={"csrf_token": csrf})
    token = sign_in(client, south.usernames[Role.CLINICIAN])
    pid = north.patient.id
    assert client.get(consultation).status_code == 404
    assert client.get(f"/patients/{pid}/consents").status_code == 404
    assert client.get(f"/patients/{pid}/consultations/new").status_code == 404
    form = {
        "csrf_token": token,
        "goal-0-concern": "texture",
        "goal-0-area": "cheeks",
        "goal-0-severity": "mild",
        "fitzpatrick_type": "II",
    }
    assert client.post(f"/patients/{pid}/consultations/new", data=form).status_code == 404
    api = client.post(
        f"/api/v1/patients/{pid}/consultations",
        json={
            "goals": [{"concern": "texture", "area": "cheeks", "severity": "mild"}],
            "fitzpatrick_type": "II",
        },
        headers={"X-CSRF-Token": token},
    )
    assert api.status_code == 404
