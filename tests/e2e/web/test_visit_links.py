"""The reminder's link: the patient opens their appointment's page, says they will come or asks
for another time (the clinic sees it in the book), downloads their calendar file; the address
stops working once the appointment is cancelled, and a forged one never works."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import icalendar
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services.scheduling.reminders import queue_visit_reminders
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.e2e.web.test_appointments_api import booking, set_up
from tests.support.clinic import SeededClinic


def test_the_patient_answers_the_reminder_and_the_clinic_sees_it(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    with sqlite_runtime.context.uow() as uow:
        uow.patients.update(replace(north.patient, email="robin@example.org"))
        uow.commit()
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    made = client.post("/api/v1/appointments", json=booking(ids), headers={"X-CSRF-Token": csrf})
    appointment = made.json()
    start = dt.datetime.fromisoformat(appointment["starts_at"])
    ctx = sqlite_runtime.context
    assert queue_visit_reminders(ctx.uow, start - dt.timedelta(hours=2), links=ctx.links) == 1
    with ctx.uow() as uow:
        sent = uow.notifications.in_clinic(north.clinic.id)
    body = next(n.body for n in sent if n.kind.value == "visit_reminder")
    found = re.search(r"/v/[A-Za-z0-9_-]+", body)
    assert found and "perioral" not in body.lower()
    link = found.group(0)

    client.cookies.clear()  # the patient has no account
    page = client.get(link)
    assert page.status_code == 200 and "I will come" in page.text
    token = csrf_of(page.text)
    assert client.post(link, data={"csrf_token": "forged", "coming": "yes"}).status_code == 404
    yes = client.post(link, data={"csrf_token": token, "coming": "yes"})
    assert yes.status_code == 303
    assert "Thank you" in client.get(yes.headers["location"]).text
    calendar = icalendar.Calendar.from_ical(client.get(f"{link}/appointments.ics").content)
    assert [str(e["summary"]) for e in calendar.walk("VEVENT")] == ["Review at Clinic north"]

    sign_in(client, north.usernames[Role.STAFF])
    assert "confirmed" in client.get(f"/book?day={appointment['day']}").text
    client.cookies.clear()
    change = client.post(link, data={"csrf_token": token, "coming": "no",
                                     "note": "Thursdays suit me"})  # fmt: skip
    assert change.status_code == 303
    csrf = sign_in(client, north.usernames[Role.STAFF])
    shown = client.get(f"/book/appointments/{appointment['id']}").text
    assert "asked for another time" in shown and "Thursdays suit me" in shown

    cancel = {"version": 1, "reason": "rebooking"}
    url = f"/api/v1/appointments/{appointment['id']}/cancel"
    assert client.post(url, json=cancel, headers={"X-CSRF-Token": csrf}).status_code == 200
    client.cookies.clear()
    assert client.get(link).status_code == 404
    forged = re.sub(r"-[^-]+$", "-" + "A" * 43, link)
    assert client.get(forged).status_code == 404
