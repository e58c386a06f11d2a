"""Recording a session in the browser and over the API: the starting point is the last session's
settings, values beyond an area's limits need a reason, and saving schedules the follow-up."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_plan_pages import new_patient, propose
from tests.support.clinic import SeededClinic
from tests.support.consents import STROKES


def sign_consent(client: TestClient, token: str, patient_id: int, modality: str) -> None:
    """The patient signs the consent to ``modality`` on the clinic's device (the API)."""
    with_name = client.get(f"/api/v1/patients/{patient_id}").json()
    name = f"{with_name['given_name']} {with_name['family_name']}"
    signed = client.post(
        f"/api/v1/patients/{patient_id}/consents",
        json={"modality": modality, "signed_name": name, "strokes": STROKES},
        headers={"X-CSRF-Token": token},
    )
    assert signed.status_code == 201, signed.text


def accepted_plan(client: TestClient, token: str, patient_id: int) -> dict[str, object]:
    plan = propose(client, token, patient_id)
    for n in (1, 2):
        response = client.post(
            f"/api/v1/plans/{plan['id']}/items/{n}/decision",
            json={"version": plan["version"], "decision": "accept"},
            headers={"X-CSRF-Token": token},
        )
        assert response.status_code == 200, response.text
        plan = response.json()
    assert plan["status"] == "accepted"
    return plan


def field(html: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}"[^>]*value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def test_the_form_carries_the_last_sessions_settings_forward(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    html = client.get(f"/patients/{north.patient.id}/sessions/new").text
    assert "Record session 2 of 2" in html
    assert "Around the mouth · fractional ablative CO₂ (10,600 nm)" in html
    assert field(html, "areas[0].energy_mj") == "15"
    assert field(html, "areas[0].density_pct") == "10"
    assert field(html, "areas[0].passes") == "2"
    assert field(html, "device") == "Test CO2"
    assert "Carried forward from" in html
    assert "energy ≤ <strong>40 mJ</strong>" in html
    draft = client.get(f"/api/v1/patients/{north.patient.id}/sessions/draft").json()
    area = draft["areas"][0]
    assert area["settings"]["energy_mj"] == 15 and area["carried_from_session_id"]
    assert area["limits"]["energy_max"] == 40 and area["limits"]["energy_field"] == "energy_mj"


def test_first_session_beyond_the_neck_limit_needs_a_reason_then_schedules_follow_up(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    accepted_plan(client, token, patient_id)
    html = client.get(f"/patients/{patient_id}/sessions/new").text
    # No first session without the patient's signed consent: said on the form, not passable.
    assert "No signed consent to fractional ablative CO₂ (10,600 nm) treatment" in html
    assert f'href="/patients/{patient_id}/consents"' in html
    assert re.search(r'<button type="submit" class="primary" disabled', html)
    sign_consent(client, token, patient_id, "fractional_ablative_co2")
    html = client.get(f"/patients/{patient_id}/sessions/new").text
    assert "No signed consent" not in html
    assert "Record session 1 of" in html
    assert field(html, "areas[1].energy_mj") == ""  # first session: empty numbers, limits shown
    assert "Neck · fractional ablative CO₂ (10,600 nm)" in html
    assert re.search(r"energy ≤ <strong>28(\.0)? mJ</strong>", html)

    typed = {
        "csrf_token": token,
        "area_count": "2",
        "performed_on": dt.date.today().isoformat(),
        "device": "Fraxel CO2 unit 2",
        "notes": "well tolerated",
        "areas[0].treated": "on",
        "areas[0].area": "perioral",
        "areas[0].modality": "fractional_ablative_co2",
        "areas[0].wavelength_nm": "10600",
        "areas[0].energy_mj": "20",
        "areas[0].density_pct": "15",
        "areas[0].passes": "1",
        "areas[0].immediate_response": "pinpoint bleeding",
        "areas[1].treated": "on",
        "areas[1].area": "neck",
        "areas[1].modality": "fractional_ablative_co2",
        "areas[1].wavelength_nm": "10600",
        "areas[1].energy_mj": "35",
        "areas[1].density_pct": "15",
        "areas[1].passes": "1",
        "areas[1].immediate_response": "mild oedema",
        "areas[1].beyond_limits_reason": "",
    }
    refused = client.post(f"/patients/{patient_id}/sessions/new", data=typed)
    assert refused.status_code == 422
    text = refused.text
    assert (
        "energy 35 mJ is above the limit of 28 mJ for fractional_ablative_co2 on the neck" in text
    )
    assert "give the reason" in text
    assert 'aria-invalid="true"' in text and 'id="areas-1-beyond_limits_reason-error"' in text
    assert field(text, "areas[1].energy_mj") == "35"  # everything typed is kept
    assert field(text, "device") == "Fraxel CO2 unit 2" and "pinpoint bleeding" in text
    with sqlite_runtime.context.uow() as uow:
        assert uow.charts.chart(north.clinic.id, patient_id).sessions == ()

    typed["areas[1].beyond_limits_reason"] = "Thick sun-damaged neck skin, test spot tolerated"
    saved = client.post(f"/patients/{patient_id}/sessions/new", data=typed)
    assert saved.status_code == 303
    page = client.get(saved.headers["location"]).text
    assert "Session saved" in page
    assert "Reason: Thick sun-damaged neck skin, test spot tolerated" in page
    assert "35 mJ" in page and "pinpoint bleeding" in page

    with sqlite_runtime.context.uow() as uow:
        booked = uow.appointments.for_patient(north.clinic.id, patient_id)
    checkins = [a for a in booked if a.kind is AppointmentKind.CHECKIN]
    sessions = [a for a in booked if a.kind is AppointmentKind.SESSION]
    today = dt.date.today()
    days = [(a.due_on - today).days for a in checkins]
    rules = sqlite_runtime.context.rules.recovery.checkin_days
    assert days == list(next(v for k, v in rules.items() if k.value == "fractional_ablative"))
    assert len(sessions) == 1 and sessions[0].due_on > today + dt.timedelta(weeks=3)
    assert f"day {days[0]}" in page and sessions[0].due_on.strftime("%d %b %Y") in page


def test_the_api_answers_422_naming_the_setting_and_the_limit(
    client: TestClient, north: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    body = {
        "performed_on": dt.date.today().isoformat(),
        "device": "Test CO2",
        "areas": [
            {
                "area": "perioral",
                "modality": "fractional_ablative_co2",
                "energy_mj": 45,
                "density_pct": 35,
                "passes": 2,
            }
        ],
    }
    url = f"/api/v1/patients/{north.patient.id}/sessions"
    refused = client.post(url, json=body, headers={"X-CSRF-Token": token})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    errors = refused.json()["errors"]
    energy = next(e for e in errors if e["field"] == "areas[0].energy_mj")
    assert energy["setting"] == "energy" and energy["limit"] == 40 and energy["recorded"] == 45
    density = next(e for e in errors if e["field"] == "areas[0].density_pct")
    assert density["limit"] == 30
    assert any(e["field"] == "areas[0].beyond_limits_reason" for e in errors)
    # The seeded first session was 5 days ago: too soon for the plan's 4-8 week interval.
    assert any(e["field"] == "proceed_reason" and "5 days" in e["message"] for e in errors)

    body["areas"][0]["beyond_limits_reason"] = "deep scars, discussed with patient"  # type: ignore[index]
    body["proceed_reason"] = "leaves the country next month"
    saved = client.post(url, json=body, headers={"X-CSRF-Token": token})
    assert saved.status_code == 201, saved.text
    result = saved.json()
    assert result["session"]["areas"][0]["beyond_limits_reason"].startswith("deep scars")
    assert result["session"]["proceed_reason"] == "leaves the country next month"
    assert "5 days earlier" in result["session"]["guards_passed"][0]
    assert result["sessions_remaining"] == 0 and result["next_session"] is None
    assert len(result["checkins"]) == 7


def test_a_due_session_appointment_for_today_is_marked_done(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    today = dt.date.today()
    with sqlite_runtime.context.uow() as uow:
        due = uow.appointments.add(
            Appointment(0, north.clinic.id, north.patient.id, AppointmentKind.SESSION, today)
        )
        uow.commit()
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    body = {
        "performed_on": today.isoformat(),
        "device": "Test CO2",
        "areas": [
            {"area": "perioral", "modality": "fractional_ablative_co2", "energy_mj": 15,
             "density_pct": 10, "passes": 2},
        ],
        "proceed_reason": "the seeded first session was 5 days ago; booked by the director",
    }  # fmt: skip
    saved = client.post(
        f"/api/v1/patients/{north.patient.id}/sessions",
        json=body,
        headers={"X-CSRF-Token": token},
    )
    assert saved.status_code == 201
    with sqlite_runtime.context.uow() as uow:
        booked = {a.id: a for a in uow.appointments.for_patient(north.clinic.id, north.patient.id)}
    assert booked[due.id].status.value == "done"


def test_bad_numbers_come_back_next_to_the_field(client: TestClient, north: SeededClinic) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    html = client.get(f"/patients/{north.patient.id}/sessions/new").text
    typed = {
        "csrf_token": token,
        "area_count": "1",
        "performed_on": dt.date.today().isoformat(),
        "device": "",
        "areas[0].treated": "on",
        "areas[0].area": "perioral",
        "areas[0].modality": "fractional_ablative_co2",
        "areas[0].energy_mj": "fifteen",
        "areas[0].density_pct": field(html, "areas[0].density_pct"),
        "areas[0].passes": "2",
    }
    refused = client.post(f"/patients/{north.patient.id}/sessions/new", data=typed)
    assert refused.status_code == 422
    assert "must be a number, got &#39;fifteen&#39;" in refused.text
    assert field(refused.text, "areas[0].energy_mj") == "fifteen"


def test_other_clinics_get_404_and_staff_get_403_on_every_session_route(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    routes = [
        ("get", "/patients/{patient}/sessions/new"),
        ("post", "/patients/{patient}/sessions/new"),
        ("get", "/sessions/{session}"),
        ("get", "/api/v1/patients/{patient}/sessions/draft"),
        ("post", "/api/v1/patients/{patient}/sessions"),
    ]
    body = {"performed_on": dt.date.today().isoformat(), "device": "x", "areas": []}
    for username, clinic, status in (
        (north.usernames[Role.ADMIN], south, 404),
        (north.usernames[Role.STAFF], north, 403),
    ):
        token = sign_in(client, username)
        for method, url in routes:
            target = url.format(patient=clinic.patient.id, session=clinic.record_ids["session"])
            kwargs: dict[str, object] = {}
            if method == "post" and url.startswith("/api/"):
                kwargs = {"json": body, "headers": {"X-CSRF-Token": token}}
            elif method == "post":
                kwargs = {"data": {"csrf_token": token, "area_count": "0", "device": "x"}}
            response = getattr(client, method)(target, **kwargs)
            assert response.status_code == status, (username, url, response.text[:300])
            assert "Tester-south" not in response.text
        client.post("/logout", data={"csrf_token": token})


def test_a_session_too_soon_is_stopped_on_the_form_then_saved_with_the_reason_shown(
    client: TestClient, north: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/patients/{north.patient.id}/sessions/new"
    form_page = client.get(url).text
    assert "Before you record this session" in form_page and "5 days earlier" in form_page
    assert (
        "Record session 2 of 2" in form_page
        and "Plan " + str(north.record_ids["plan"]) not in form_page
    )
    typed = _typed_session(token)
    stopped = client.post(url, data=typed)
    assert stopped.status_code == 422
    assert 'id="proceed_reason-error"' in stopped.text and 'value="Test CO2"' in stopped.text
    reason = "Travels abroad for three months; agreed with the medical director"
    saved = client.post(url, data=typed | {"proceed_reason": reason})
    assert saved.status_code == 303
    session_page = client.get(saved.headers["location"]).text
    assert "Recorded past these checks" in session_page and reason in session_page
    chart = client.get(f"/patients/{north.patient.id}").text
    assert f"Went ahead because: {reason}" in chart


def test_the_session_names_who_performed_it_chosen_among_the_clinics_clinicians(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    with sqlite_runtime.context.uow() as uow:
        users = {u.role: u for u in uow.users.in_clinic(north.clinic.id)}
    url = f"/patients/{north.patient.id}/sessions/new"
    form_page = client.get(url).text
    assert f'<option value="{users[Role.CLINICIAN].id}" selected>' in form_page
    assert f'<option value="{users[Role.STAFF].id}"' not in form_page
    typed = _typed_session(token) | {"proceed_reason": "booked early by the medical director"}
    refused = client.post(url, data=typed | {"performed_by": str(users[Role.STAFF].id)})
    assert refused.status_code == 422 and 'id="performed_by-error"' in refused.text
    saved = client.post(url, data=typed | {"performed_by": str(users[Role.ADMIN].id)})
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"]).text
    assert f"Performed by <strong>{users[Role.ADMIN].display_name}</strong>" in shown


def _typed_session(csrf: str) -> dict[str, str]:
    """The session form as a clinician fills it in for the seeded perioral CO2 plan."""
    return {
        "csrf_token": csrf,
        "area_count": "1",
        "performed_on": dt.date.today().isoformat(),
        "device": "Test CO2",
        "areas[0].treated": "on",
        "areas[0].area": "perioral",
        "areas[0].modality": "fractional_ablative_co2",
        "areas[0].energy_mj": "15",
        "areas[0].density_pct": "10",
        "areas[0].passes": "2",
    }
