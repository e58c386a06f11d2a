"""Consent through the real app: the consents page, signing on the clinic's device and by a
signing link, the stored PDF and its hash check, photo consent and the teaching set; every
role and the other clinic."""

from __future__ import annotations

import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic
from tests.support.consents import SIGNATURE, STROKES, patient_to_consent


def _patient(runtime: Runtime, seeded: SeededClinic, **kwargs: object) -> int:
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(seeded.usernames[Role.CLINICIAN])
        assert clinician is not None
    patient, _ = patient_to_consent(runtime.context.uow, seeded.clinic.id, clinician.id, **kwargs)  # type: ignore[arg-type]
    return patient.id


def _sign_api(client: TestClient, token: str, patient_id: int, **body: object) -> dict[str, object]:
    payload = {"modality": "ablative_co2", "signed_name": "Alex Consenter", "strokes": STROKES}
    response = client.post(
        f"/api/v1/patients/{patient_id}/consents",
        json=payload | body,
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_clinician_has_the_patient_sign_on_the_clinic_tablet(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = _patient(sqlite_runtime, north)
    sign_in(client, north.usernames[Role.CLINICIAN])
    overview = client.get(f"/patients/{patient_id}/consents").text
    assert "Not signed" in overview and "fully ablative CO₂ (10,600 nm)" in overview
    link_page = client.post(
        f"/patients/{patient_id}/consents/ablative_co2/link",
        data={"csrf_token": csrf_of(overview)},
    )
    assert link_page.status_code == 200 and "<svg" in link_page.text
    assert re.search(r'value="https?://[^"]+/consent/[\w-]{40,}"', link_page.text)
    evidence = client.get(f"/patients/{patient_id}/consents/ablative_co2/evidence").text
    assert "Nanni &amp; Alster 1998" in evidence and "Wall 1999" in evidence
    url = f"/patients/{patient_id}/consents/ablative_co2/sign"
    form = client.get(url)
    assert form.status_code == 200
    page = form.text
    assert "Fully ablative CO₂ laser resurfacing" in page and "about 37 in 100 people" in page
    patient_text = page[page.index('<article class="consent-text"') : page.index("</article>")]
    assert "Nanni" not in patient_text and "_" not in patient_text
    assert '<canvas id="signature"' in page and '<script src="/static/signature.js">' in page

    refused = client.post(
        url, data={"csrf_token": csrf_of(page), "signed_name": "Someone Else", "strokes": ""}
    )
    assert refused.status_code == 422
    assert "type the patient&#39;s full name: Alex Consenter" in refused.text
    assert "draw your signature in the box" in refused.text
    assert 'value="Someone Else"' in refused.text  # what was typed is kept

    signed = client.post(
        url,
        data={"csrf_token": csrf_of(page), "signed_name": "Alex Consenter", "strokes": SIGNATURE},
    )
    assert signed.status_code == 303
    overview = client.get(signed.headers["location"]).text
    assert "The consent is signed" in overview and "Signed " in overview
    consent_id = int(re.findall(r'href="/consents/(\d+)/pdf"', overview)[0])
    pdf = client.get(f"/consents/{consent_id}/pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    checked = client.get(f"/consents/{consent_id}/verify").text
    assert "the file is intact" in checked
    assert hashlib.sha256(pdf.content).hexdigest() in checked


def test_the_api_lists_signs_downloads_and_checks_the_hash_and_a_tampered_file_fails(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = _patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    listed = client.get(f"/api/v1/patients/{patient_id}/consents").json()
    assert listed["modalities"] == [
        {"modality": "ablative_co2", "signed": False, "consent_id": None}
    ]
    signed = _sign_api(client, token, patient_id)
    assert signed["via"] == "clinic_device" and signed["template_version"] == "1"
    pdf = client.get(str(signed["pdf_url"]))
    assert hashlib.sha256(pdf.content).hexdigest() == signed["pdf_sha256"]
    verification = client.get(f"/api/v1/consents/{signed['id']}/verification").json()
    assert verification["intact"] is True

    store = sqlite_runtime.settings.photos_dir
    key = str(signed["pdf_sha256"])
    (store / key[:2] / key[2:4] / key).write_bytes(pdf.content + b"\n% changed")
    verification = client.get(f"/api/v1/consents/{signed['id']}/verification").json()
    assert verification["intact"] is False and verification["actual_sha256"] != key
    assert "does NOT match" in client.get(f"/consents/{signed['id']}/verify").text

    bad = client.post(
        f"/api/v1/patients/{patient_id}/consents",
        json={"modality": "laser", "signed_name": "x" * 300, "strokes": [[[2, 0]]]},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"modality", "signed_name"} <= fields and any(f.startswith("strokes") for f in fields)


def test_no_consent_is_offered_when_the_screening_deferred_treatment(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = _patient(sqlite_runtime, north, deferred=True)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    overview = client.get(f"/patients/{patient_id}/consents").text
    assert "deferred treatment" in overview and "Sign on this device" not in overview
    page = client.get(f"/patients/{patient_id}/consents/ablative_co2/sign")
    assert page.status_code == 409 and "deferred" in page.text
    refused = client.post(
        f"/api/v1/patients/{patient_id}/consents",
        json={"modality": "ablative_co2", "signed_name": "Alex Consenter", "strokes": STROKES},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert "deferred" in refused.json()["detail"]
    link = client.post(
        f"/api/v1/patients/{patient_id}/consent-links",
        json={"modality": "ablative_co2"},
        headers={"X-CSRF-Token": token},
    )
    assert link.status_code == 409


def test_the_session_api_refuses_a_first_session_without_consent(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = _patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    body = {
        "performed_on": "2026-01-05",
        "device": "CO2 unit",
        "proceed_reason": "patient agreed on the phone",
        "areas": [{"area": "full_face", "modality": "ablative_co2", "energy_mj": 90, "passes": 1}],
    }
    refused = client.post(
        f"/api/v1/patients/{patient_id}/sessions", json=body, headers={"X-CSRF-Token": token}
    )
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    guards = [e for e in refused.json()["errors"] if e["field"] == "guards"]
    assert guards and "No signed consent" in guards[0]["message"]


def test_the_patient_signs_on_their_phone_through_a_link_that_works_once(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = _patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    issued = client.post(
        f"/api/v1/patients/{patient_id}/consent-links",
        json={"modality": "ablative_co2"},
        headers={"X-CSRF-Token": token},
    ).json()
    path = "/" + issued["url"].split("/", 3)[3]
    client.cookies.clear()  # the patient has no account
    page = client.get(path)
    assert page.status_code == 200 and page.headers["x-robots-tag"] == "noindex, nofollow"
    assert "Fully ablative CO₂ laser resurfacing" in page.text and "Alex Consenter" in page.text
    typed = {"signed_name": "Alex Consenter", "strokes": SIGNATURE}
    forged = client.post(path, data={"csrf_token": "forged"} | typed)
    assert forged.status_code == 403 and "The form had expired" in forged.text
    signed = client.post(path, data={"csrf_token": csrf_of(page.text)} | typed)
    assert signed.status_code == 303
    assert "your consent is signed" in client.get(signed.headers["location"]).text
    assert client.get(path).status_code == 404  # used up
    assert client.get(path[:-3] + "abc").status_code == 404  # forged
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": token}
    used = client.post(
        f"/api/v1/patients/{patient_id}/consent-links/{issued['id']}/revoke", headers=headers
    )
    assert used.status_code == 409  # used up: nothing to revoke
    second = client.post(
        f"/api/v1/patients/{patient_id}/consent-links",
        json={"modality": "ablative_co2"},
        headers=headers,
    ).json()
    revoked = client.post(
        f"/api/v1/patients/{patient_id}/consent-links/{second['id']}/revoke", headers=headers
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert client.get("/" + second["url"].split("/", 3)[3]).status_code == 404
    listed = client.get(f"/api/v1/patients/{patient_id}/consents").json()
    assert listed["signed"][0]["via"] == "patient_link"


@pytest.mark.parametrize("role", [Role.STAFF])
def test_front_desk_reaches_no_consent(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime, role: Role
) -> None:
    patient_id = _patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    consent_id = _sign_api(client, token, patient_id)["id"]
    client.cookies.clear()
    token = sign_in(client, north.usernames[role])
    headers = {"X-CSRF-Token": token}
    for url in (
        f"/api/v1/patients/{patient_id}/consents",
        f"/api/v1/consents/{consent_id}/pdf",
        f"/api/v1/consents/{consent_id}/verification",
        f"/api/v1/patients/{patient_id}/photo-consents",
        "/api/v1/photo-sets/teaching",
    ):
        assert client.get(url).status_code == 403, url
    for url, body in (
        (f"/api/v1/patients/{patient_id}/consents",
         {"modality": "ablative_co2", "signed_name": "Alex Consenter", "strokes": STROKES}),
        (f"/api/v1/patients/{patient_id}/consent-links", {"modality": "ablative_co2"}),
        (f"/api/v1/patients/{patient_id}/photo-consents", {"use": "teaching", "granted": True}),
    ):  # fmt: skip
        assert client.post(url, json=body, headers=headers).status_code == 403, url
    for url in (f"/patients/{patient_id}/consents", f"/consents/{consent_id}/pdf"):
        assert client.get(url).status_code == 403, url


def test_the_other_clinic_finds_nothing(
    client: TestClient, north: SeededClinic, south: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = _patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    consent_id = _sign_api(client, token, patient_id)["id"]
    client.cookies.clear()
    token = sign_in(client, south.usernames[Role.ADMIN])
    for url in (
        f"/api/v1/patients/{patient_id}/consents",
        f"/api/v1/consents/{consent_id}/pdf",
        f"/api/v1/consents/{consent_id}/verification",
        f"/api/v1/patients/{patient_id}/photo-consents",
        f"/patients/{patient_id}/consents",
        f"/patients/{patient_id}/consents/ablative_co2/sign",
        f"/consents/{consent_id}/pdf",
        f"/consents/{consent_id}/verify",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Consenter" not in response.text
    refused = client.post(
        f"/api/v1/patients/{patient_id}/photo-consents",
        json={"use": "teaching", "granted": True},
        headers={"X-CSRF-Token": token},
    )
    assert refused.status_code == 404
    assert client.get("/api/v1/photo-sets/teaching").json()["photos"] == []


def test_a_withdrawal_takes_the_photos_out_of_the_teaching_set(
    client: TestClient, north: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": token}
    url = f"/api/v1/patients/{north.patient.id}/photo-consents"
    for use in ("record", "teaching"):
        given = client.post(url, json={"use": use, "granted": True}, headers=headers)
        assert given.status_code == 201, given.text
    client.cookies.clear()
    token = sign_in(client, north.usernames[Role.ADMIN])
    teaching = client.get("/api/v1/photo-sets/teaching").json()["photos"]
    assert [p["photo_id"] for p in teaching] == [north.record_ids["photo"]]
    assert "Tester" not in str(teaching)  # no names in a teaching set
    assert client.get("/api/v1/photo-sets/marketing").json()["photos"] == []
    assert client.get("/api/v1/photo-sets/record").status_code == 422

    withdrawn = client.post(
        url,
        json={"use": "teaching", "granted": False, "note": "asked by phone"},
        headers={"X-CSRF-Token": token},
    )
    assert withdrawn.status_code == 201
    assert client.get("/api/v1/photo-sets/teaching").json()["photos"] == []
    state = client.get(url).json()
    assert state["in_force"] == {"record": True, "teaching": False, "marketing": False}
    assert [d["granted"] for d in state["history"]] == [True, True, False]  # nothing overwritten
    bad = client.post(
        url, json={"use": "posters", "granted": "yes"}, headers={"X-CSRF-Token": token}
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"use", "granted"}


def test_photo_consent_is_recorded_and_withdrawn_on_the_page_and_shown_on_every_photo(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    pid, photo_id = north.patient.id, north.record_ids["photo"]
    page = client.get(f"/patients/{pid}/consents").text
    assert "Photo consent" in page and page.count("Not given") == 3
    assert "Teaching: no" in client.get(f"/patients/{pid}").text  # on the chart's thumbnail
    for use in ("record", "teaching"):
        done = client.post(
            f"/patients/{pid}/photo-consents",
            data={"csrf_token": csrf_of(page), "use": use, "granted": "1"},
        )
        assert done.status_code == 303
    chart = client.get(f"/patients/{pid}").text
    assert "The medical record: yes" in chart and "Teaching: yes" in chart
    assert "Marketing: no" in chart
    analysis = client.get(f"/photos/{photo_id}/analysis").text
    assert "Teaching: yes" in analysis and "Marketing: no" in analysis
    assert client.get("/admin/photo-sets/teaching").status_code == 403  # the director's

    client.cookies.clear()
    sign_in(client, north.usernames[Role.ADMIN])
    teaching = client.get("/admin/photo-sets/teaching").text
    assert f'src="/photos/{photo_id}"' in teaching and "Tester" not in teaching
    page = client.get(f"/patients/{pid}/consents").text
    withdrawn = client.post(
        f"/patients/{pid}/photo-consents",
        data={"csrf_token": csrf_of(page), "use": "teaching", "granted": "0"},
    )
    assert withdrawn.status_code == 303
    assert f'src="/photos/{photo_id}"' not in client.get("/admin/photo-sets/teaching").text
    assert "Teaching: no" in client.get(f"/photos/{photo_id}/analysis").text
    page = client.get(f"/patients/{pid}/consents").text
    assert "Withdrawn" in page and "Every decision (3)" in page
