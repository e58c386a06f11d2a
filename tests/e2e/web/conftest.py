"""The real app over HTTP (FastAPI's TestClient), on a migrated SQLite database."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.chart import AreaSettings, TreatmentSession
from resurface.domain.codes import AlertCode, Area, Modality, Urgency
from resurface.domain.people import Patient, Role, Sex
from resurface.web import create_app
from tests.support.clinic import PASSWORD, SeededClinic, seed_clinic

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


@pytest.fixture
def north(sqlite_runtime: Runtime) -> SeededClinic:
    return seed_clinic(sqlite_runtime.context.uow, "north")


@pytest.fixture
def south(sqlite_runtime: Runtime) -> SeededClinic:
    return seed_clinic(sqlite_runtime.context.uow, "south")


@pytest.fixture
def client(sqlite_runtime: Runtime) -> Iterator[TestClient]:
    app = create_app(sqlite_runtime.settings, sqlite_runtime)
    # Test settings run outside development, so cookies are Secure: talk HTTPS.
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        yield test_client


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the new session."""
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 303, response.text
    return client.get("/api/v1/me").json()["csrf_token"]


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
