"""Pages and API share one app: a page request passes over the API's routes at once (a path
without ``/api/`` cannot be one of them), so both must keep answering as before."""

from __future__ import annotations

from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


def test_every_api_operation_is_under_api_or_is_the_health_check(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert paths  # the document lists the API
    assert [p for p in paths if not p.startswith("/api/v1/") and p != "/healthz"] == []


def test_pages_and_the_api_answer_each_their_own_requests(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    patient = north.patient.id
    page = client.get(f"/patients/{patient}")
    chart = client.get(f"/api/v1/patients/{patient}/chart")
    health = client.get("/healthz")
    unknown_api = client.get("/api/v1/no-such-thing")
    unknown_page = client.get("/no-such-page")
    assert (page.status_code, page.headers["content-type"]) == (200, "text/html; charset=utf-8")
    assert north.patient.family_name in page.text
    assert chart.status_code == 200 and chart.json()["patient"]["id"] == patient
    assert health.status_code == 200
    assert unknown_api.status_code == unknown_page.status_code == 404
    assert client.get("/api/v1/home").status_code == 200
    assert client.get("/").status_code == 200
