"""The clinic home page over HTTP: today's sessions, open alerts by urgency, who is due; front-desk
staff see names and dates only; nothing of another clinic."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.chart import AreaSettings, TreatmentSession
from resurface.domain.codes import AlertCode, Area, Modality, Urgency
from resurface.domain.people import Patient, Role, Sex
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


@pytest.fixture
def day(sqlite_runtime: Runtime, north: SeededClinic) -> dict[str, Patient]:
    """North's day: Robin (seeded) had a check-in due yesterday and two alerts; Sam is booked
    today; Alex had a session recorded today and is booked again in 3 days; Kim in 10 days."""
    today = sqlite_runtime.context.clock.today()
    clinic_id = north.clinic.id
    with sqlite_runtime.context.uow() as uow:
        people = {
            name: uow.patients.add(
                Patient(0, clinic_id, name, "Patel", dt.date(1980, 1, 1), Sex.FEMALE)
            )
            for name in ("Sam", "Alex", "Kim")
        }
        people["Robin"] = north.patient
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None

        def book(
            name: str,
            kind: AppointmentKind,
            days: int,
            status: AppointmentStatus = AppointmentStatus.BOOKED,
        ) -> None:
            due = today + dt.timedelta(days)
            uow.appointments.add(
                Appointment(0, clinic_id, people[name].id, kind, due, status=status)
            )

        book("Robin", AppointmentKind.CHECKIN, -1)
        book("Robin", AppointmentKind.CHECKIN, 2)
        book("Robin", AppointmentKind.CHECKIN, -3, status=AppointmentStatus.DONE)
        book("Sam", AppointmentKind.SESSION, 0)
        book("Alex", AppointmentKind.SESSION, 3)
        book("Kim", AppointmentKind.SESSION, 10)
        uow.charts.add_session(
            TreatmentSession(
                0, clinic_id, people["Alex"].id, clinician.id, today, "Test 1550",
                (AreaSettings(Area.CHEEKS, Modality.NONABLATIVE_FRACTIONAL_1550, 1550),),
            )
        )  # fmt: skip
        for code, urgency in (
            (AlertCode.PROLONGED_ERYTHEMA, Urgency.ROUTINE),
            (AlertCode.POSSIBLE_INFECTION, Urgency.URGENT),
        ):
            uow.alerts.add(
                ClinicAlert(
                    0, clinic_id, north.patient.id, north.record_ids["session"], code, urgency,
                    4, "staff text", "patient text", dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
        uow.commit()
    return people


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
