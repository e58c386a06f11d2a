"""Correcting the record through the API: every kind amended with a reason and its history kept
and audited, entered in error and then left out, stale versions refused, and who may do it."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic

REASON = "typed into the wrong field at the desk"


def _get(client: TestClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _session_body(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    areas = [
        {
            k: v
            for k, v in area.items()
            if k not in ("beyond_limits_reason",) and (v is not None or k == "energy_mj")
        }
        for area in record["areas"]
    ]
    body = {
        "performed_on": record["performed_on"],
        "device": record["device"],
        "areas": areas,
        "notes": record["notes"],
        "version": record["version"],
        "reason": REASON,
    }
    return body | changes


def _audited(runtime: Runtime, seeded: SeededClinic, action: str, kind: str) -> list[str]:
    with runtime.context.uow() as uow:
        events = uow.audit.for_patient(seeded.clinic.id, seeded.patient.id)
    return [
        e.entry.detail for e in events if e.entry.action == action and e.entry.record_type == kind
    ]


def test_the_front_desk_corrects_a_phone_number_and_the_history_keeps_the_old_one(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    url = f"/api/v1/patients/{north.patient.id}"
    before = _get(client, f"{url}/details")
    assert "fitzpatrick_type" not in before  # the front desk sees no clinical detail
    response = client.patch(
        url,
        json={"phone": "07700 900321", "version": before["version"], "reason": REASON},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["phone"] == "07700 900321"
    assert after["version"] == before["version"] + 1
    [entry] = after["history"]
    assert entry["reason"] == REASON
    assert entry["corrected_by"] == "staff of north"
    assert entry["changes"] == [{"what": "Phone", "before": "", "after": "07700 900321"}]
    assert entry["earlier"]["phone"] == ""
    assert any(
        "Phone" in d and REASON in d for d in _audited(sqlite_runtime, north, "amend", "patient")
    )


def test_a_stale_version_is_refused_with_409_and_nothing_changes(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    url = f"/api/v1/patients/{north.patient.id}"
    version = _get(client, f"{url}/details")["version"]
    headers = {"X-CSRF-Token": csrf}
    first = {"phone": "0111", "version": version, "reason": REASON}
    assert client.patch(url, json=first, headers=headers).status_code == 200
    stale = client.patch(url, json={**first, "phone": "0222"}, headers=headers)
    assert stale.status_code == 409
    assert stale.headers["content-type"] == "application/problem+json"
    assert "reload" in stale.json()["detail"]
    assert _get(client, f"{url}/details")["phone"] == "0111"


def test_a_correction_without_a_reason_names_the_field(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    url = f"/api/v1/patients/{north.patient.id}"
    body = {"phone": "0111", "version": 1, "reason": "  "}
    response = client.patch(url, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["reason"]
    assert _get(client, f"{url}/details")["phone"] == ""


def test_a_clinician_corrects_a_sessions_settings_checked_against_the_limits(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/api/v1/sessions/{north.record_ids['session']}"
    record = _get(client, url)
    body = _session_body(record)
    body["areas"][0]["energy_mj"] = 12.5
    response = client.patch(url, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert response.json()["areas"][0]["energy_mj"] == 12.5
    [entry] = _get(client, f"{url}/history")
    [change] = entry["changes"]
    assert "15 mJ" in change["before"] and "12.5 mJ" in change["after"]
    assert entry["earlier"]["areas"][0]["energy_mj"] == 15.0
    assert _audited(sqlite_runtime, north, "amend", "session")

    beyond = _session_body(response.json())
    beyond["areas"][0]["energy_mj"] = 400.0
    refused = client.patch(url, json=beyond, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    assert "areas[0].beyond_limits_reason" in [e["field"] for e in refused.json()["errors"]]
    assert _get(client, url)["areas"][0]["energy_mj"] == 12.5


def test_an_assessment_is_reopened_and_regraded(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/api/v1/assessments/{north.record_ids['assessment']}"
    record = _get(client, url)
    body = {
        "grades": [{"area": "perioral", "scale": "glogau", "grade": "II"}],
        "assessed_on": record["assessed_on"],
        "notes": "",
        "version": record["version"],
        "reason": REASON,
    }
    response = client.patch(url, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert response.json()["grades"][0]["value"] == 2
    [entry] = _get(client, f"{url}/history")
    assert entry["changes"][0]["what"] == "around the mouth, glogau"


def test_a_consultation_is_corrected_and_screened_again(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/api/v1/consultations/{north.record_ids['consultation']}"
    record = _get(client, url)
    body = {
        "goals": [{"concern": "wrinkles", "area": "perioral", "severity": "moderate"}],
        "history": {"hsv_history": True, "pregnant": True},
        "fitzpatrick_type": "II",
        "held_on": record["held_on"],
        "version": record["version"],
        "reason": "pregnancy was missed at the consultation",
    }
    response = client.patch(url, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert response.json()["eligible"] is False
    [entry] = _get(client, f"{url}/history")
    assert {"what": "Screening", "before": "eligible", "after": "deferred"} in entry["changes"]


def test_a_photo_is_filed_under_the_region_it_shows(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/api/v1/photos/{north.record_ids['photo']}"
    record = _get(client, url)
    body = {"region": "cheeks", "version": record["version"], "reason": REASON}
    response = client.patch(url, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200, response.text
    assert response.json()["region"] == "cheeks"
    [entry] = _get(client, f"{url}/history")
    assert entry["changes"] == [{"what": "Region", "before": "around the mouth", "after": "cheeks"}]


def test_a_session_entered_in_error_no_longer_counts_and_its_alerts_close(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    session_id = north.record_ids["session"]
    summary = _get(client, "/api/v1/patients")["items"][0]
    assert summary["sessions_done"] == 1
    response = client.post(
        f"/api/v1/sessions/{session_id}/entered-in-error",
        json={"version": 1, "reason": "recorded for the wrong patient"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    assert response.json()["kind"] == "entered_in_error"
    assert _get(client, "/api/v1/patients")["items"][0]["sessions_done"] == 0
    assert _get(client, f"/api/v1/sessions/{session_id}")["entered_in_error"]
    draft = _get(client, f"/api/v1/patients/{north.patient.id}/sessions/draft")
    assert draft["session_number"] == 1
    timeline = _get(client, f"/api/v1/patients/{north.patient.id}/chart")["timeline"]
    struck = [e for e in timeline if e["kind"] == "session"]
    assert [e["entered_in_error"] for e in struck] == ["recorded for the wrong patient"]
    again = client.post(
        f"/api/v1/sessions/{session_id}/entered-in-error",
        json={"version": 2, "reason": "twice"},
        headers={"X-CSRF-Token": csrf},
    )
    assert again.status_code == 409
    assert _audited(sqlite_runtime, north, "entered_in_error", "session")


def test_a_photo_entered_in_error_leaves_results(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    results = f"/api/v1/patients/{north.patient.id}/results"
    assert _get(client, results)["regions"]
    response = client.post(
        f"/api/v1/photos/{north.record_ids['photo']}/entered-in-error",
        json={"version": 1, "reason": "another patient's photo"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    assert _get(client, results)["regions"] == {}


@pytest.mark.parametrize("kind", ["consultations", "assessments", "plans", "checkins"])
def test_every_chart_record_can_be_entered_in_error(
    client: TestClient, north: SeededClinic, kind: str
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    record_id = north.record_ids[kind.removesuffix("s")]
    response = client.post(
        f"/api/v1/{kind}/{record_id}/entered-in-error",
        json={"version": 1, "reason": REASON},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    assert _get(client, f"/api/v1/{kind}/{record_id}")["entered_in_error"] == REASON
    [entry] = _get(client, f"/api/v1/{kind}/{record_id}/history")
    assert entry["reason"] == REASON


CORRECTION = {"version": 1, "reason": REASON}
SESSION = {
    "performed_on": "2026-01-05",
    "device": "Test CO2",
    "areas": [
        {
            "area": "perioral",
            "modality": "fractional_ablative_co2",
            "energy_mj": 12.0,
            "density_pct": 10.0,
            "passes": 2,
        }
    ],
}
ASSESSMENT = {
    "grades": [{"area": "perioral", "scale": "glogau", "grade": "II"}],
    "assessed_on": "2026-01-05",
}
CONSULTATION = {
    "goals": [{"concern": "wrinkles", "area": "perioral", "severity": "moderate"}],
    "fitzpatrick_type": "II",
    "held_on": "2026-01-05",
}
WRITES = [
    ("PATCH", "/api/v1/sessions/{session}", SESSION | CORRECTION),
    ("PATCH", "/api/v1/assessments/{assessment}", ASSESSMENT | CORRECTION),
    ("PATCH", "/api/v1/consultations/{consultation}", CONSULTATION | CORRECTION),
    ("PATCH", "/api/v1/photos/{photo}", {"region": "cheeks", "version": 1, "reason": REASON}),
    ("POST", "/api/v1/sessions/{session}/entered-in-error", {"version": 1, "reason": REASON}),
    ("POST", "/api/v1/checkins/{checkin}/entered-in-error", {"version": 1, "reason": REASON}),
    ("POST", "/api/v1/plans/{plan}/entered-in-error", {"version": 1, "reason": REASON}),
    ("POST", "/api/v1/photos/{photo}/entered-in-error", {"version": 1, "reason": REASON}),
    ("POST", "/api/v1/consultations/{consultation}/entered-in-error", CORRECTION),
    ("POST", "/api/v1/assessments/{assessment}/entered-in-error", CORRECTION),
    ("GET", "/api/v1/sessions/{session}/history", None),
    ("GET", "/api/v1/photos/{photo}/history", None),
    (
        "POST",
        "/api/v1/plans/{plan}/items/1/decision",
        {"version": 1, "decision": "accept", "correction_reason": REASON},
    ),
]


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_the_front_desk_may_not_correct_clinical_records(
    client: TestClient, north: SeededClinic, method: str, url: str, body: dict[str, Any] | None
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    target = url.format(**north.record_ids)
    response = client.request(method, target, json=body, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 403, response.text
    assert "may not" in response.json()["detail"]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_no_role_corrects_another_clinics_records(
    client: TestClient,
    north: SeededClinic,
    south: SeededClinic,
    role: Role,
    method: str,
    url: str,
    body: dict[str, Any] | None,
) -> None:
    csrf = sign_in(client, north.usernames[role])
    target = url.format(**south.record_ids)
    response = client.request(method, target, json=body, headers={"X-CSRF-Token": csrf})
    expected = (403, 404) if role is Role.STAFF else (404,)
    assert response.status_code in expected, response.text
    assert "Tester-south" not in response.text


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_correct_patient_details_but_only_of_its_own_clinic(
    client: TestClient, north: SeededClinic, south: SeededClinic, role: Role
) -> None:
    csrf = sign_in(client, north.usernames[role])
    body = {"email": "robin@example.org", "version": 1, "reason": REASON}
    headers = {"X-CSRF-Token": csrf}
    own = client.patch(f"/api/v1/patients/{north.patient.id}", json=body, headers=headers)
    assert own.status_code == 200, own.text
    other = client.patch(f"/api/v1/patients/{south.patient.id}", json=body, headers=headers)
    assert other.status_code == 404
    assert client.get(f"/api/v1/patients/{south.patient.id}/details").status_code == 404


def test_a_decision_of_the_accepted_plan_is_corrected_with_a_reason(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    plan_id = north.record_ids["plan"]
    url = f"/api/v1/plans/{plan_id}/items/1/decision"
    decision = {
        "version": 1,
        "decision": "override",
        "chosen_sessions": 3,
        "override_reason": "deep lines: three sessions",
    }
    headers = {"X-CSRF-Token": csrf}
    refused = client.post(url, json=decision, headers=headers)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["correction_reason"]
    corrected = client.post(url, json=decision | {"correction_reason": REASON}, headers=headers)
    assert corrected.status_code == 200, corrected.text
    assert _get(client, f"/api/v1/plans/{plan_id}")["status"] == "accepted"
    [entry] = _get(client, f"/api/v1/plans/{plan_id}/history")
    [change] = entry["changes"]
    assert change["before"].endswith("2 sessions") and "3 sessions" in change["after"]
    draft = _get(client, f"/api/v1/patients/{north.patient.id}/sessions/draft")
    assert draft["sessions_planned"] == 3
