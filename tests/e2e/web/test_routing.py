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


def _way_back(html: str) -> str:
    """The error page's link back (its text), or what it says instead."""
    card = html.split('class="card narrow"', 1)[1].split("</section>", 1)[0]
    return card.rsplit("<p>", 1)[1].split("</p>", 1)[0].strip()


def test_an_error_page_leads_back_into_the_section_that_failed(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    book = client.get("/book/appointments/not-a-number")
    chart = client.get("/patients/not-a-number")
    unknown = client.get("/no-such-page")
    refused = client.get("/admin/audit")  # a clinician may not read the audit trail
    assert (book.status_code, chart.status_code, unknown.status_code) == (422, 404, 404)
    assert _way_back(book.text) == '<a href="/book">Back to the book</a>'
    assert _way_back(chart.text) == '<a href="/patients">Back to the patient list</a>'
    assert _way_back(unknown.text) == '<a href="/">Back to Today</a>'
    assert refused.status_code == 403
    assert _way_back(refused.text) == '<a href="/">Back to Today</a>'


def test_an_error_on_a_patients_own_page_offers_no_way_into_the_clinics_pages(
    client: TestClient, north: SeededClinic
) -> None:
    answer = client.get(f"/p/{'0' * 43}/sessions/not-a-number")
    assert answer.status_code == 422
    assert "/patients" not in answer.text and "Sign in" not in answer.text
    assert _way_back(answer.text) == "Open the link your clinic sent you again, or call the clinic."
    signed_out = client.get("/no-such-page")
    assert _way_back(signed_out.text) == '<a href="/login">Sign in</a>'
