"""Correcting the record in the pages: every form comes back filled in with its errors on their
fields, a correction on a stale version comes back showing the record as it is now, and a record
entered in error is struck through on the chart."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic

REASON = "recorded against the wrong visit"


def _session_form(client: TestClient, session_id: int) -> dict[str, str]:
    """The correction form of a session as the browser would send it back unchanged."""
    page = client.get(f"/sessions/{session_id}/amend")
    assert page.status_code == 200, page.text
    return {
        "csrf_token": csrf_of(page.text),
        "version": "1",
        "area_count": "1",
        "performed_on": _value(page.text, "performed_on"),
        "device": _value(page.text, "device"),
        "areas[0].treated": "on",
        "areas[0].area": "perioral",
        "areas[0].modality": "fractional_ablative_co2",
        "areas[0].wavelength_nm": "10600",
        "areas[0].energy_mj": _value(page.text, "areas[0].energy_mj"),
        "areas[0].density_pct": "10",
        "areas[0].passes": "2",
    }


def _value(html: str, name: str) -> str:
    marker = f'name="{name}" '
    start = html.index(marker)
    value_at = html.index('value="', start) + len('value="')
    return html[value_at : html.index('"', value_at)]


def test_a_session_correction_without_a_reason_comes_back_as_typed(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    session_id = north.record_ids["session"]
    form = _session_form(client, session_id)
    assert form["areas[0].energy_mj"] == "15"
    form["areas[0].energy_mj"] = "13"
    response = client.post(f"/sessions/{session_id}/amend", data=form)
    assert response.status_code == 422
    assert "say why the record is corrected" in response.text
    assert 'value="13"' in response.text
    form["reason"] = REASON
    saved = client.post(f"/sessions/{session_id}/amend", data=form)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"])
    assert "History of corrections" in page.text and REASON in page.text
    assert "13 mJ" in page.text


def test_a_session_correction_on_a_stale_version_shows_the_session_as_it_is_now(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    session_id = north.record_ids["session"]
    first = _session_form(client, session_id) | {"reason": REASON, "areas[0].energy_mj": "13"}
    assert client.post(f"/sessions/{session_id}/amend", data=first).status_code == 303
    stale = first | {"areas[0].energy_mj": "11"}
    response = client.post(f"/sessions/{session_id}/amend", data=stale)
    assert response.status_code == 409
    assert "changed by someone else" in response.text
    assert 'name="areas[0].energy_mj" inputmode="decimal" value="13"' in response.text


def test_the_front_desk_correction_of_a_bad_email_names_the_field(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    url = f"/patients/{north.patient.id}/details"
    page = client.get(url)
    assert page.status_code == 200
    assert "Skin type" not in page.text and "Fitzpatrick" not in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "version": "1",
        "given_name": "Robin",
        "family_name": "Tester-north",
        "date_of_birth": "1970-05-17",
        "sex": "female",
        "phone": "0777",
        "email": "not an address",
        "reason": "",
    }
    response = client.post(url, data=form)
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'value="0777"' in response.text


def test_an_assessment_is_reopened_regraded_and_its_history_shown(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    pid, aid = north.patient.id, north.record_ids["assessment"]
    page = client.get(f"/patients/{pid}/assessments/new?assessment={aid}")
    assert "Reopen and correct these grades" in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "version": "1",
        "grade|perioral|glogau": "II",
        "assessed_on": _value(page.text, "assessed_on"),
        "notes": "",
        "reason": "graded before the make-up was removed",
    }
    saved = client.post(f"/patients/{pid}/assessments/{aid}/amend", data=form)
    assert saved.status_code == 303, saved.text
    after = client.get(saved.headers["location"])
    assert "graded before the make-up was removed" in after.text
    assert "The correction is saved" in after.text


def test_a_consultation_correction_is_screened_again(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    cid = north.record_ids["consultation"]
    page = client.get(f"/consultations/{cid}/amend")
    assert page.status_code == 200
    assert 'value="wrinkles" selected' in page.text  # the saved goal fills the form
    form = {
        "csrf_token": csrf_of(page.text),
        "version": "1",
        "goal-0-concern": "wrinkles",
        "goal-0-area": "perioral",
        "goal-0-severity": "moderate",
        "hsv_history": "yes",
        "pregnant": "yes",
        "fitzpatrick_type": "II",
        "held_on": _value(page.text, "held_on"),
        "reason": "pregnancy was missed",
    }
    saved = client.post(f"/consultations/{cid}/amend", data=form)
    assert saved.status_code == 303, saved.text
    view = client.get(saved.headers["location"])
    assert "Treatment deferred" in view.text
    assert "pregnancy was missed" in view.text


def test_a_photo_is_filed_under_another_region(client: TestClient, north: SeededClinic) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    photo_id = north.record_ids["photo"]
    page = client.get(f"/photos/{photo_id}/analysis")
    form = {"csrf_token": csrf_of(page.text), "version": "1", "region": "cheeks", "reason": ""}
    refused = client.post(f"/photos/{photo_id}/region", data=form)
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.text
    saved = client.post(f"/photos/{photo_id}/region", data=form | {"reason": REASON})
    assert saved.status_code == 303
    assert "Photo analysis: cheeks" in client.get(saved.headers["location"]).text


@pytest.mark.parametrize("kind", ["sessions", "checkins", "photos", "assessments", "plans"])
def test_a_record_entered_in_error_is_struck_through_on_the_chart(
    client: TestClient, north: SeededClinic, kind: str
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    record_id = north.record_ids[kind.removesuffix("s")]
    url = f"/{kind}/{record_id}/entered-in-error"
    page = client.get(url)
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "version": "1", "reason": ""}
    refused = client.post(url, data=form)
    assert refused.status_code == 422 and 'id="reason-error"' in refused.text
    done = client.post(url, data=form | {"reason": REASON})
    assert done.status_code == 303, done.text
    chart = client.get(f"/patients/{north.patient.id}")
    assert chart.text.count(" struck") == 1
    assert f"<strong>Entered in error:</strong> {REASON}" in chart.text


@pytest.mark.parametrize(
    "url",
    [
        "/sessions/{session}/amend",
        "/consultations/{consultation}/amend",
        "/sessions/{session}/entered-in-error",
        "/photos/{photo}/entered-in-error",
    ],
)
def test_the_front_desk_gets_no_clinical_correction_page_and_the_other_clinic_none(
    client: TestClient, north: SeededClinic, south: SeededClinic, url: str
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    assert client.get(url.format(**north.record_ids)).status_code == 403
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.get(url.format(**south.record_ids)).status_code == 404
    assert client.get(f"/patients/{south.patient.id}/details").status_code == 404


def test_an_accepted_plans_decision_is_corrected_on_the_plan_page(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": csrf}
    proposed = client.post(f"/api/v1/patients/{north.patient.id}/plans", headers=headers).json()
    plan_id, version = proposed["id"], proposed["version"]
    for n in range(1, len(proposed["items"]) + 1):
        accepted = client.post(
            f"/api/v1/plans/{plan_id}/items/{n}/decision",
            json={"version": version, "decision": "accept"},
            headers=headers,
        )
        assert accepted.status_code == 200, accepted.text
        version = accepted.json()["version"]
    page = client.get(f"/patients/{north.patient.id}/plan")
    assert "Correct the decision on item 1" in page.text
    form = {
        "csrf_token": csrf_of(page.text),
        "version": str(version),
        "decision": "override",
        "chosen_modality": "",
        "chosen_sessions": "3",
        "override_reason": "deep lines",
        "correction_reason": "",
    }
    url = f"/plans/{plan_id}/items/1"
    refused = client.post(url, data=form)
    assert refused.status_code == 422
    assert 'id="item-1-correction-error"' in refused.text
    saved = client.post(url, data=form | {"correction_reason": REASON})
    assert saved.status_code == 303
    after = client.get(f"/patients/{north.patient.id}/plan")
    assert "History of corrections" in after.text and REASON in after.text
