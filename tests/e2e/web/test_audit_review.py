"""The medical director examines the audit trail: what was read, what was refused (a role's limit
is now an event of its own), one patient's readers, a CSV; nobody else may, and looking is
itself recorded."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


def test_the_director_sees_reads_and_refusals_and_who_saw_a_record(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    assert client.get(f"/api/v1/patients/{north.patient.id}/chart").status_code == 403
    assert client.get(f"/api/v1/patients/{south.patient.id}/chart").status_code == 403
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.get(f"/patients/{north.patient.id}").status_code == 200

    sign_in(client, north.usernames[Role.ADMIN])
    refused = client.get("/api/v1/audit/events", params={"outcome": "refused"}).json()
    [other, refusal] = [e for e in refused["items"] if e["action"] == "refused"]  # newest first
    assert refusal["who"] == "staff of north" and refusal["outcome"] == "refused"
    assert "GET /api/v1/patients/{patient_id}/chart" in refusal["detail"]
    assert "may not see the clinical chart" in refusal["detail"]
    assert refusal["patient_id"] == north.patient.id  # on the patient's own trail
    assert other["patient_id"] is None  # another clinic's patient is never named

    reads = client.get(
        "/api/v1/audit/events", params={"patient_id": north.patient.id, "outcome": "allowed"}
    ).json()
    assert reads["total"] >= 1
    assert {e["patient_id"] for e in reads["items"]} == {north.patient.id}
    readers = client.get(f"/api/v1/patients/{north.patient.id}/readers").json()
    assert [r["name"] for r in readers] == ["clinician of north"]

    exported = client.get("/api/v1/audit/events.csv", params={"outcome": "refused"})
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert rows and {row["outcome"] for row in rows} == {"refused"}

    page = client.get("/admin/audit", params={"patient_id": north.patient.id})
    assert page.status_code == 200
    assert "Who opened patient no." in page.text and "clinician of north" in page.text
    looked = client.get("/api/v1/audit/events", params={"action": "audit_review"}).json()
    assert looked["total"] >= 3  # each review above is itself an event


def test_a_bad_filter_names_the_field(client: TestClient, north: SeededClinic) -> None:
    sign_in(client, north.usernames[Role.ADMIN])
    answer = client.get(
        "/api/v1/audit/events", params={"since": "2026-12-05", "until": "2026-12-01"}
    )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["errors"]] == ["until"]


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.STAFF])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/audit/events",
        "/api/v1/audit/events.csv",
        "/admin/audit",
        "/api/v1/patients/{id}/readers",
    ],
)
def test_only_the_medical_director_reviews_the_trail(
    client: TestClient, north: SeededClinic, role: Role, url: str
) -> None:
    sign_in(client, north.usernames[role])
    assert client.get(url.format(id=north.patient.id)).status_code == 403


def test_another_clinics_director_sees_none_of_it(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    client.get(f"/patients/{north.patient.id}")
    sign_in(client, south.usernames[Role.ADMIN])
    assert client.get(f"/api/v1/patients/{north.patient.id}/readers").status_code == 404
    found = client.get("/api/v1/audit/events", params={"patient_id": north.patient.id}).json()
    assert found["total"] == 0
    everything = client.get("/api/v1/audit/events", params={"per_page": 200}).json()
    assert all("north" not in e["who"] for e in everything["items"])
