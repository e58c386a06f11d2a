"""Calendars people already use: a clinician's private feed and a patient's file, parsed back
with ``icalendar``: every event, its time zone, a move (new time, higher SEQUENCE) and a cancel
(STATUS:CANCELLED); initials and kind only; a revoked address stops working; who may make one."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import icalendar
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_appointments_api import DAY, booking, set_up
from tests.support.clinic import SeededClinic

FEED = re.compile(r"(/calendar/[A-Za-z0-9_-]+\.ics)")


def _events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def _make_feed(client: TestClient, csrf: str, subject: str, subject_id: int) -> str:
    made = client.post(
        "/book/calendars",
        data={"csrf_token": csrf, "subject": subject, "subject_id": str(subject_id)},
    )
    assert made.status_code == 200, made.text
    found = FEED.search(made.text)
    assert found, "the new address is shown"
    return found.group(1)


def test_a_clinicians_feed_follows_bookings_moves_and_cancels(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    with sqlite_runtime.context.uow() as uow:  # a clinic in London: events carry its zone
        uow.clinics.update(replace(north.clinic, timezone="Europe/London"))
        uow.commit()
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": csrf}
    first = client.post("/api/v1/appointments", json=booking(ids), headers=headers).json()
    second = client.post(
        "/api/v1/appointments", json=booking(ids, "12:00", device_id=ids["laser"]), headers=headers
    ).json()
    address = _make_feed(client, csrf, "provider", ids["clinician"])
    client.cookies.clear()  # a calendar app has no session
    feed = client.get(address)
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = _events(feed.content)
    assert len(events) == 2
    one = next(
        e for e in events.values() if str(e["uid"]).startswith(f"appointment-{first['id']}@")
    )
    assert str(one["summary"]) == "R.T. · Review"  # initials and kind: no name, nothing clinical
    start = one.decoded("dtstart")
    assert str(start.tzinfo) == "Europe/London" and start.time() == dt.time(10)
    assert start.astimezone(dt.UTC) == dt.datetime.fromisoformat(first["starts_at"])
    zones = icalendar.Calendar.from_ical(feed.content).walk("VTIMEZONE")
    assert [str(z["tzid"]) for z in zones] == ["Europe/London"]
    assert one.decoded("dtend") - start == dt.timedelta(minutes=30)
    assert str(one["status"]) == "CONFIRMED" and int(one["sequence"]) == 0
    assert "Tester" not in feed.text and "perioral" not in feed.text.lower()

    csrf = sign_in(client, north.usernames[Role.STAFF])
    headers = {"X-CSRF-Token": csrf}
    client.patch(f"/api/v1/appointments/{first['id']}", json={"version": 1, "time": "14:00"},
                 headers=headers)  # fmt: skip
    client.post(f"/api/v1/appointments/{second['id']}/cancel",
                json={"version": 1, "reason": "unwell"}, headers=headers)  # fmt: skip
    client.cookies.clear()
    after = _events(client.get(address).content)
    moved = next(
        e for e in after.values() if str(e["uid"]).startswith(f"appointment-{first['id']}@")
    )
    gone = next(
        e for e in after.values() if str(e["uid"]).startswith(f"appointment-{second['id']}@")
    )
    assert moved.decoded("dtstart").time() == dt.time(14)
    assert int(moved["sequence"]) == 1
    assert str(gone["status"]) == "CANCELLED" and int(gone["sequence"]) == 1


def test_a_new_address_revokes_the_old_and_revoking_stops_it(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    old = _make_feed(client, csrf, "provider", ids["clinician"])
    new = _make_feed(client, csrf, "provider", ids["clinician"])
    client.cookies.clear()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get("/book/calendars").text
    feed_id = re.search(r"/book/calendars/(\d+)/revoke", page)
    assert feed_id
    revoked = client.post(f"/book/calendars/{feed_id.group(1)}/revoke", data={"csrf_token": csrf})
    assert revoked.status_code == 303
    client.cookies.clear()
    assert client.get(new).status_code == 404


def test_only_the_director_makes_addresses_for_others_and_rooms(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    for role in (Role.STAFF, Role.CLINICIAN):
        csrf = sign_in(client, north.usernames[role])
        for subject, subject_id in (("provider", ids["director"]), ("room", ids["room1"])):
            refused = client.post("/book/calendars", data={
                "csrf_token": csrf, "subject": subject, "subject_id": str(subject_id)})  # fmt: skip
            assert refused.status_code == 403
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    room = _make_feed(client, csrf, "room", ids["room1"])
    client.cookies.clear()
    assert client.get(room).status_code == 200


def test_the_patients_own_file_lists_their_appointments_in_the_clinics_zone(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    made = client.post("/api/v1/appointments", json=booking(ids), headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    answer = client.get(f"/api/v1/appointments/patients/{north.patient.id}.ics")
    assert answer.status_code == 200
    events = list(_events(answer.content).values())
    assert [str(e["summary"]) for e in events] == ["Review at Clinic north"]
    assert events[0].decoded("dtstart").date() == DAY
    foreign = client.get(f"/api/v1/appointments/patients/{south.patient.id}.ics")
    assert foreign.status_code == 404
