"""The treatment plan in the browser and over the API: propose, accept, override (with and
without a reason), co-sign when the clinic requires it, and two clinicians deciding at once."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.chart import Consultation
from resurface.domain.codes import Area, Concern, FitzpatrickType, Severity
from resurface.domain.intake import Goal, MedicalHistory
from resurface.domain.people import Patient, Role, Sex
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic

GOALS = (
    Goal(Concern.WRINKLES, Area.PERIORAL, Severity.MODERATE),
    Goal(Concern.TEXTURE, Area.NECK, Severity.MILD),
)


def new_patient(runtime: Runtime, seeded: SeededClinic, goals: tuple[Goal, ...] = GOALS) -> int:
    """A patient with a consultation and no plan yet."""
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(seeded.usernames[Role.CLINICIAN])
        assert clinician is not None
        patient = uow.patients.add(
            Patient(0, seeded.clinic.id, "Alex", "Planner", dt.date(1965, 3, 2), Sex.MALE)
        )
        uow.charts.add_consultation(
            Consultation(
                0,
                seeded.clinic.id,
                patient.id,
                clinician.id,
                dt.date.today(),
                goals=goals,
                history=MedicalHistory(hsv_history=True),
                fitzpatrick_type=FitzpatrickType.II,
                eligible=True,
            )
        )
        uow.commit()
    return patient.id


def set_cosign(runtime: Runtime, clinic_id: int, on: bool) -> None:
    with runtime.context.uow() as uow:
        clinic = uow.clinics.get(clinic_id)
        assert clinic is not None
        from dataclasses import replace

        uow.clinics.update(replace(clinic, require_cosign=on))
        uow.commit()


def version_of(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match
    return match.group(1)


def propose(client: TestClient, token: str, patient_id: int) -> dict[str, object]:
    response = client.post(f"/api/v1/patients/{patient_id}/plans", headers={"X-CSRF-Token": token})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_the_page_shows_the_engines_proposal_plainly_before_anything_is_saved(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north)
    sign_in(client, north.usernames[Role.CLINICIAN])
    html = client.get(f"/patients/{patient_id}/plan").text
    assert "The engine&#39;s proposal" in html or "The engine's proposal" in html
    assert "Save this proposal as the plan" in html
    # modality, sessions, interval, downtime, limits, pre-treatment, rationale, sources
    assert "fractional ablative CO₂ (10,600 nm)" in html
    assert "expected" in html and "weeks" in html and "days" in html
    # the neck is delicate: its limit is lower than the full-face default (40 mJ, 30 %)
    neck = html[html.index("Neck · texture") :]
    assert re.search(r"energy ≤ 28(\.0)? mJ", neck), neck[:1500]
    assert "lower than on the full face: 70 % of its energy, 60 % of its density" in neck
    assert "antiviral prophylaxis" in html  # HSV history -> a pre-treatment step
    assert "Sources (" in html
    with sqlite_runtime.context.uow() as uow:
        assert uow.charts.chart(north.clinic.id, patient_id).plans == ()


def test_propose_accept_and_override_without_then_with_a_reason(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    saved = client.post(f"/patients/{patient_id}/plan", data={"csrf_token": token})
    assert saved.status_code == 303
    page = client.get(f"/patients/{patient_id}/plan").text
    assert "Proposed – decide each item" in page
    plan_id = int(re.search(r"/plans/(\d+)/items/1", page).group(1))  # type: ignore[union-attr]

    accepted = client.post(
        f"/plans/{plan_id}/items/1",
        data={"csrf_token": token, "version": version_of(page), "decision": "accept"},
    )
    assert accepted.status_code == 303
    page = client.get(f"/patients/{patient_id}/plan").text
    assert "Accepted as proposed by clinician of north" in page

    typed = {
        "csrf_token": token,
        "version": version_of(page),
        "decision": "override",
        "chosen_modality": "nonablative_fractional_1550",
        "chosen_sessions": "4",
        "override_reason": "   ",
    }
    refused = client.post(f"/plans/{plan_id}/items/2", data=typed)
    assert refused.status_code == 422
    assert "give the reason for overriding the proposal" in refused.text
    assert 'id="item-2-reason" name="override_reason" rows="3" aria-invalid="true"' in refused.text
    assert 'value="nonablative_fractional_1550" selected' in refused.text  # the typed choice kept
    assert 'value="4"' in refused.text

    typed["override_reason"] = "Patient cannot take a week off work"
    done = client.post(f"/plans/{plan_id}/items/2", data=typed)
    assert done.status_code == 303
    page = client.get(f"/patients/{patient_id}/plan").text
    assert "Overridden by clinician of north" in page
    assert "non-ablative fractional 1,550 nm, 4 sessions" in page
    assert "Reason: Patient cannot take a week off work" in page
    assert "Status:" in page and ">Accepted<" in page  # no co-sign required: accepted

    plan = client.get(f"/api/v1/plans/{plan_id}").json()
    assert plan["status"] == "accepted"
    neck = plan["items"][1]
    assert neck["proposed_modality"] == "fractional_ablative_co2"  # the proposal is kept
    assert neck["chosen_modality"] == "nonablative_fractional_1550"
    assert neck["decision"] == "overridden"
    with sqlite_runtime.context.uow() as uow:
        trail = uow.audit.for_patient(north.clinic.id, patient_id)
    overrides = [e.entry for e in trail if e.entry.action == "overridden"]
    assert overrides and "reason: Patient cannot take a week off work" in overrides[0].detail
    assert "proposed fractional_ablative_co2" in overrides[0].detail


def test_an_override_must_change_something(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    plan = propose(client, token, patient_id)
    response = client.post(
        f"/api/v1/plans/{plan['id']}/items/1/decision",
        json={"version": plan["version"], "decision": "override", "override_reason": "why not"},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "chosen_modality"


def test_with_cosign_required_the_plan_waits_for_the_medical_director(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north, GOALS[:1])
    admin_token = sign_in(client, north.usernames[Role.ADMIN])
    page = client.get("/admin/clinic")
    assert page.status_code == 200 and "co-sign every treatment plan" in page.text
    turned_on = client.post(
        "/admin/clinic", data={"csrf_token": admin_token, "require_cosign": "on"}
    )
    assert turned_on.status_code == 303
    assert "Plans now need" in client.get("/admin/clinic?saved=1").text
    client.post("/logout", data={"csrf_token": admin_token})

    token = sign_in(client, north.usernames[Role.CLINICIAN])
    plan = propose(client, token, patient_id)
    decided = client.post(
        f"/api/v1/plans/{plan['id']}/items/1/decision",
        json={"version": plan["version"], "decision": "accept"},
        headers={"X-CSRF-Token": token},
    ).json()
    assert decided["status"] == "proposed"
    html = client.get(f"/patients/{patient_id}/plan").text
    assert "Awaiting co-signature" in html and "Co-sign this plan" not in html
    # a clinician may not co-sign
    denied = client.post(
        f"/api/v1/plans/{plan['id']}/cosign",
        json={"version": decided["version"]},
        headers={"X-CSRF-Token": token},
    )
    assert denied.status_code == 403
    # no session can be recorded against a plan that is not in force
    blocked = client.get(f"/patients/{patient_id}/sessions/new")
    assert "accept a treatment plan before recording a session" in blocked.text
    client.post("/logout", data={"csrf_token": token})

    admin_token = sign_in(client, north.usernames[Role.ADMIN])
    html = client.get(f"/patients/{patient_id}/plan").text
    assert "Co-sign this plan" in html
    signed = client.post(
        f"/plans/{plan['id']}/cosign", data={"csrf_token": admin_token, "version": version_of(html)}
    )
    assert signed.status_code == 303
    html = client.get(f"/patients/{patient_id}/plan").text
    assert ">Accepted<" in html and "Co-signed by admin of north" in html


def test_cosigning_needs_every_item_decided(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    set_cosign(sqlite_runtime, north.clinic.id, True)
    patient_id = new_patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.ADMIN])
    plan = propose(client, token, patient_id)
    response = client.post(
        f"/api/v1/plans/{plan['id']}/cosign",
        json={"version": plan["version"]},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 422
    assert "pending: 1, 2" in response.json()["detail"]


def test_two_clinicians_deciding_at_once_the_second_gets_a_conflict(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    plan = propose(client, token, patient_id)
    stale_page = client.get(f"/patients/{patient_id}/plan").text  # both open the page
    first = client.post(
        f"/api/v1/plans/{plan['id']}/items/2/decision",
        json={"version": plan["version"], "decision": "accept"},
        headers={"X-CSRF-Token": token},
    )
    assert first.status_code == 200
    second_api = client.post(
        f"/api/v1/plans/{plan['id']}/items/2/decision",
        json={
            "version": plan["version"],
            "decision": "override",
            "chosen_sessions": 3,
            "override_reason": "thin skin",
        },
        headers={"X-CSRF-Token": token},
    )
    assert second_api.status_code == 409
    assert "changed by someone else" in second_api.json()["detail"]
    second_page = client.post(
        f"/plans/{plan['id']}/items/2",
        data={
            "csrf_token": token,
            "version": version_of(stale_page),
            "decision": "override",
            "chosen_sessions": "3",
            "override_reason": "thin skin",
        },
    )
    assert second_page.status_code == 409
    assert "Someone else changed this plan" in second_page.text
    assert "Accepted as proposed" in second_page.text  # the current state is shown
    assert "thin skin" in second_page.text  # and what was typed is kept
    current = client.get(f"/api/v1/plans/{plan['id']}").json()
    assert current["items"][1]["decision"] == "accepted"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/patients/{patient}/plan"),
        ("post", "/patients/{patient}/plan"),
        ("post", "/plans/{plan}/items/1"),
        ("post", "/plans/{plan}/cosign"),
        ("post", "/api/v1/patients/{patient}/plans"),
        ("post", "/api/v1/plans/{plan}/items/1/decision"),
        ("post", "/api/v1/plans/{plan}/cosign"),
    ],
)
def test_another_clinics_plan_is_not_found_and_staff_may_not_touch_plans(
    client: TestClient, north: SeededClinic, south: SeededClinic, method: str, url: str
) -> None:
    def target(seeded: SeededClinic) -> str:
        return url.format(patient=seeded.patient.id, plan=seeded.record_ids["plan"])

    form = {"version": "1", "decision": "accept"}
    body: dict[str, object] = {"version": 1}
    if "/items/" in url:
        body["decision"] = "accept"
    for username, clinic, status in (
        (north.usernames[Role.ADMIN], south, 404),
        (north.usernames[Role.STAFF], north, 403),
    ):
        token = sign_in(client, username)
        kwargs: dict[str, object] = {}
        if method == "post" and url.startswith("/api/"):
            kwargs = {"json": body, "headers": {"X-CSRF-Token": token}}
        elif method == "post":
            kwargs = {"data": {**form, "csrf_token": token}}
        response = getattr(client, method)(target(clinic), **kwargs)
        assert response.status_code == status, (username, response.text[:300])
        assert "Tester-south" not in response.text
        client.post("/logout", data={"csrf_token": token})


def test_staff_cannot_change_the_clinic_settings(client: TestClient, north: SeededClinic) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.get("/admin/clinic").status_code == 403
    refused = client.post("/admin/clinic", data={"csrf_token": token, "require_cosign": "on"})
    assert refused.status_code == 403
