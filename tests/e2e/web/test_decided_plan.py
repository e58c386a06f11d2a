"""One answer everywhere after an override: the plan page's schedule, the session form, the
results' re-estimate and the patient list all count the clinician's sessions of the clinician's
modality, not the engine's proposal (issue 9)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.codes import Area, Concern, Modality, Severity
from resurface.domain.intake import Goal
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_plan_pages import new_patient, propose
from tests.support.clinic import SeededClinic

ONE_GOAL = (Goal(Concern.TEXTURE, Area.NECK, Severity.MILD),)


def _schedule_rows(html: str) -> list[str]:
    section = html.split("<h2>Schedule as decided</h2>", 1)[1].split("</section>", 1)[0]
    return re.findall(r"<tr><td>\d+</td>.*?</tr>", section)


def test_an_override_is_the_one_answer_everywhere(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    patient_id = new_patient(sqlite_runtime, north, ONE_GOAL)
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    plan = propose(client, token, patient_id)
    item = plan["items"][0]  # type: ignore[index]
    engine = Modality(item["proposed_modality"])
    chosen = (
        Modality.FRACTIONAL_ABLATIVE_CO2
        if engine is not Modality.FRACTIONAL_ABLATIVE_CO2
        else Modality.NONABLATIVE_FRACTIONAL_1550
    )
    assert item["sessions_expected"] != 2
    decided = client.post(
        f"/api/v1/plans/{plan['id']}/items/1/decision",
        json={
            "version": plan["version"],
            "decision": "override",
            "chosen_modality": chosen.value,
            "chosen_sessions": 2,
            "override_reason": "one week off work now rather than many visits",
        },
        headers={"X-CSRF-Token": token},
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted"

    rows = _schedule_rows(client.get(f"/patients/{patient_id}/plan").text)
    assert len(rows) == 2
    assert all(f"<td>{chosen.label}</td>" in row for row in rows)

    form = client.get(f"/patients/{patient_id}/sessions/new").text
    assert "Record session 1 of 2" in form
    assert f"Neck · {chosen.label}" in form

    draft = client.get(f"/api/v1/patients/{patient_id}/sessions/draft").json()
    assert [a["settings"]["modality"] for a in draft["areas"]] == [chosen.value]

    results = client.get(f"/api/v1/patients/{patient_id}/results").json()
    (estimate,) = results["reestimates"]
    assert estimate["modality"] == chosen.value
    assert estimate["expected_total"] == 2

    listed = client.get("/api/v1/patients", params={"per_page": 100}).json()["items"]
    (row,) = [r for r in listed if r["patient"]["id"] == patient_id]
    assert row["sessions_planned"] == 2 and row["sessions_done"] == 0
    chart = client.get(f"/api/v1/patients/{patient_id}/chart").json()
    assert chart["stage"] == row["stage"]
    (plan_entry,) = [e for e in chart["timeline"] if e["kind"] == "plan"]
    assert any(f"{chosen.label}, 2 sessions" in line for line in plan_entry["lines"])
