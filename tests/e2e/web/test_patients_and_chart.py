"""The patient list, the chart timeline, the API's shape and the audit of every chart read."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.storage.database import alembic_config
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


def test_the_chart_timeline_shows_every_kind_of_record_newest_first(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}")
    assert page.status_code == 200
    text = page.text
    for title in (
        "Consultation",
        "Assessment",
        "Treatment plan (accepted)",
        "Treatment session 1",
        "Check-in, day 3 after treatment",
        "Baseline photo: around the mouth",
    ):
        assert title in text, title
    timeline = text[text.index('class="timeline"') :]
    titles = ("Check-in", "Treatment session 1", "Consultation")
    order = [timeline.index(f'">{title}') for title in titles]
    assert order == sorted(order)
    assert "Warning signs: fever" in text


def test_reading_a_chart_is_audited_with_who_and_from_where(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    client.get(f"/api/v1/patients/{north.patient.id}/chart")
    with sqlite_runtime.context.uow() as uow:
        events = uow.audit.for_patient(north.clinic.id, north.patient.id)
    read = [e for e in events if e.entry.action == "chart_read"]
    assert len(read) == 1
    assert read[0].entry.actor == "clinician of north"
    assert read[0].entry.source == "testclient"


def test_list_search_stage_filter_and_pages(client: TestClient, north: SeededClinic) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    found = client.get("/api/v1/patients", params={"q": "robin"}).json()
    assert found["total"] == 1 and found["items"][0]["stage"] == "recovering"
    assert client.get("/api/v1/patients", params={"stage": "finished"}).json()["total"] == 0
    assert client.get("/api/v1/patients", params={"page": 2}).json()["items"] == []


def test_bad_query_values_get_a_problem_naming_the_field(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    response = client.get("/api/v1/patients", params={"stage": "asleep", "page": 0})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"stage", "page"}


def test_health_and_openapi(client: TestClient) -> None:
    health = client.get("/healthz").json()
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert health["status"] == "ok"
    assert health["schema_revision"] == head
    document = client.get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert "/api/v1/patients" in paths and "/api/v1/plans/{plan_id}" in paths
    # Every schema has a name of its own (no module-qualified duplicates such as
    # resurface__web__api__recovery_schemas__BandOut).
    assert not [name for name in document["components"]["schemas"] if "resurface__" in name]
