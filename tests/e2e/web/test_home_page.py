"""The clinic home page over HTTP: today's sessions, open alerts by urgency, who is due; front-desk
staff see names and dates only; nothing of another clinic."""

from __future__ import annotations

from fastapi.testclient import TestClient

from resurface.domain.people import Patient, Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


def test_clinician_sees_the_day(
    client: TestClient, north: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    alerts = html[html.index("Open alerts") : html.index("Today's sessions")]
    assert alerts.index("possible infection") < alerts.index("prolonged erythema")
    assert "Robin Tester-north" in alerts and "day 4" in alerts
    today = html[html.index("Today's sessions") : html.index("Check-ins due")]
    assert "Sam Patel" in today and "booked for today" in today
    assert "Alex Patel" in today and "non-ablative fractional 1,550 nm" in today
    checkins = html[html.index("Check-ins due") : html.index("Sessions due this week")]
    assert "Robin Tester-north" in checkins and "1 day late" in checkins
    sessions = html[html.index("Sessions due this week") :]
    assert "Alex Patel" in sessions and "Kim Patel" not in sessions and "Sam Patel" not in sessions
    api = client.get("/api/v1/home").json()
    assert [a["urgency"] for a in api["alerts"]] == ["urgent", "routine"]
    assert [c["patient_name"] for c in api["checkins_due"]] == ["Robin Tester-north"]
    assert [s["patient_name"] for s in api["sessions_due"]] == ["Alex Patel"]


def test_staff_see_names_and_dates_without_clinical_detail(
    client: TestClient, north: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    html = client.get("/").text
    assert "Sam Patel" in html and "Alex Patel" in html and "Robin Tester-north" in html
    for clinical in ("Open alerts", "possible infection", "1550", "/recovery", "recorded"):
        assert clinical not in html
    api = client.get("/api/v1/home").json()
    assert api["clinical"] is False and api["alerts"] is None
    assert all(s["modalities"] is None for s in api["sessions_today"])
    assert [s["patient_name"] for s in api["sessions_today"]] == ["Sam Patel"]


def test_another_clinic_sees_none_of_it(
    client: TestClient, north: SeededClinic, south: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, south.usernames[Role.CLINICIAN])
    html = client.get("/").text
    assert "Patel" not in html and "Tester-north" not in html
    assert "No open alerts." in html
    api = client.get("/api/v1/home").json()
    assert api["alerts"] == [] and api["sessions_today"] == [] and api["checkins_due"] == []


def test_home_needs_sign_in(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert client.get("/api/v1/home").status_code == 401
