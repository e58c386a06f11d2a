"""The appointment book over HTTP: booking, a clash answered 409 naming it, a move with its
version, cancel, marks; the set-up API; every route tried by every role and by the other clinic."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic

DAY = dt.date.today() + dt.timedelta(days=8)
PROBLEM = "application/problem+json"


def set_up(client: TestClient, seeded: SeededClinic) -> dict[str, int]:
    """Open every day 08:00-20:00, two rooms and a laser; the ids the tests book with."""
    csrf = sign_in(client, seeded.usernames[Role.ADMIN])
    headers = {"X-CSRF-Token": csrf}
    week = [{"weekday": d, "opens": "08:00", "closes": "20:00"} for d in range(7)]
    assert client.put("/api/v1/clinic/setup/hours", json={"days": week}, headers=headers).is_success
    room1 = client.post("/api/v1/clinic/setup/rooms", json={"name": "Room 1"}, headers=headers)
    room2 = client.post("/api/v1/clinic/setup/rooms", json={"name": "Room 2"}, headers=headers)
    laser = client.post("/api/v1/clinic/setup/devices", json={"name": "CO2"}, headers=headers)
    people = client.get("/api/v1/clinic/setup").json()["clinicians"]
    clinician = next(p["user_id"] for p in people if p["name"].startswith("clinician"))
    director = next(p["user_id"] for p in people if p["name"].startswith("admin"))
    return {
        "room1": room1.json()["id"], "room2": room2.json()["id"], "laser": laser.json()["id"],
        "clinician": clinician, "director": director, "patient": seeded.patient.id,
    }  # fmt: skip


def booking(ids: dict[str, int], time: str = "10:00", **kw: object) -> dict[str, object]:
    body: dict[str, object] = {
        "patient_id": ids["patient"], "kind": "review", "day": DAY.isoformat(), "time": time,
        "provider_id": ids["clinician"], "room_id": ids["room1"], "minutes": 30,
    }  # fmt: skip
    return body | kw


def test_the_front_desk_books_is_refused_a_clash_moves_and_cancels(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    headers = {"X-CSRF-Token": csrf}
    made = client.post("/api/v1/appointments", json=booking(ids), headers=headers)
    assert made.status_code == 201, made.text
    first = made.json()
    assert (first["local_start"], first["local_end"], first["version"]) == ("10:00", "10:30", 1)
    assert first["room_name"] == "Room 1" and first["patient_name"].endswith("Tester-north")
    clash = client.post("/api/v1/appointments", json=booking(ids, "10:15"), headers=headers)
    assert clash.status_code == 409 and clash.headers["content-type"] == PROBLEM
    assert [c["kind"] for c in clash.json()["clashes"]] == ["provider", "patient", "room"]
    assert "Room 1 is already booked 10:00-10:30" in clash.json()["detail"]
    second = client.post("/api/v1/appointments", json=booking(ids, "11:00"), headers=headers).json()
    url = f"/api/v1/appointments/{second['id']}"
    refused = client.patch(url, json={"version": 1, "time": "10:10"}, headers=headers)
    assert (
        refused.status_code == 409 and refused.json()["clashes"][0]["appointment_id"] == first["id"]
    )
    moved = client.patch(url, json={"version": 1, "time": "10:30", "minutes": 45}, headers=headers)
    assert moved.status_code == 200, moved.text
    assert (moved.json()["local_start"], moved.json()["local_end"]) == ("10:30", "11:15")
    stale = client.patch(url, json={"version": 1, "time": "12:00"}, headers=headers)
    assert stale.status_code == 409 and "version" in stale.json()["detail"]
    no_reason = client.post(f"{url}/cancel", json={"version": 2, "reason": ""}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    cancelled = client.post(f"{url}/cancel", json={"version": 2, "reason": "ill"}, headers=headers)
    assert cancelled.json()["status"] == "cancelled"
    arrived = client.post(
        f"/api/v1/appointments/{first['id']}/status",
        json={"version": 1, "status": "arrived"}, headers=headers,
    )  # fmt: skip
    assert arrived.json()["status"] == "arrived"
    treated = client.post(
        f"/api/v1/appointments/{first['id']}/status",
        json={"version": 2, "status": "in_treatment"}, headers=headers,
    )  # fmt: skip
    assert treated.status_code == 403
    listed = client.get(f"/api/v1/appointments?from={DAY}&to={DAY}").json()
    assert [(a["id"], a["status"]) for a in listed["items"]] == [
        (first["id"], "arrived"), (second["id"], "cancelled"),
    ]  # fmt: skip
    by_room2 = client.get(f"/api/v1/appointments?from={DAY}&room_id={ids['room2']}").json()
    assert by_room2["items"] == []


def test_the_patient_booked_elsewhere_at_that_time_is_a_409_naming_them(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    headers = {"X-CSRF-Token": sign_in(client, north.usernames[Role.STAFF])}
    first = client.post("/api/v1/appointments", json=booking(ids), headers=headers).json()
    elsewhere = booking(ids, "10:15", provider_id=ids["director"], room_id=ids["room2"])
    clash = client.post("/api/v1/appointments", json=elsewhere, headers=headers)
    assert clash.status_code == 409 and clash.headers["content-type"] == PROBLEM
    problem = clash.json()
    assert [(c["kind"], c["appointment_id"]) for c in problem["clashes"]] == [
        ("patient", first["id"])
    ]
    assert problem["detail"].startswith(f"{north.patient.full_name} already has an appointment")
    assert "10:00-10:30" in problem["detail"]
    assert client.get(f"/api/v1/appointments?from={DAY}").json()["items"][1:] == []


def test_bad_input_names_every_field(client: TestClient, north: SeededClinic) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    bad = booking(ids, "25:00", minutes=2, kind="nap", day="tomorrow")
    answer = client.post("/api/v1/appointments", json=bad, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422 and answer.headers["content-type"] == PROBLEM
    fields = {e["field"] for e in answer.json()["errors"]}
    assert {"time", "minutes", "kind", "day"} <= fields
    unknown_room = booking(ids, room_id=999_999)
    answer = client.post("/api/v1/appointments", json=unknown_room, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "room_id"
    too_long = client.get(f"/api/v1/appointments?from={DAY}&to={DAY + dt.timedelta(days=60)}")
    assert too_long.status_code == 422


# --- who may do what: every route, every role, and the other clinic ---------------------------

READS = ["/api/v1/appointments?from={day}", "/api/v1/appointments/{id}"]
SETUP_READ = "/api/v1/clinic/setup"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_and_books_only_the_director_sets_up(
    client: TestClient, north: SeededClinic, role: Role
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[role])
    headers = {"X-CSRF-Token": csrf}
    made = client.post("/api/v1/appointments", json=booking(ids), headers=headers)
    assert made.status_code == 201
    for url in READS:
        assert client.get(url.format(day=DAY, id=made.json()["id"])).status_code == 200
    window = client.get(f"/api/v1/appointments/plan-window?patient_id={ids['patient']}")
    assert window.status_code == 200, window.text
    director_only = [
        ("GET", SETUP_READ, None),
        ("PUT", "/api/v1/clinic/setup/hours", {"days": []}),
        ("POST", "/api/v1/clinic/setup/rooms", {"name": "Room 9"}),
        ("PATCH", f"/api/v1/clinic/setup/rooms/{ids['room1']}", {"name": "Room 1"}),
        ("POST", "/api/v1/clinic/setup/devices", {"name": "Erbium"}),
        ("PATCH", f"/api/v1/clinic/setup/devices/{ids['laser']}", {"name": "CO2"}),
        ("POST", "/api/v1/clinic/setup/closures",
         {"first_day": "2030-01-01", "last_day": "2030-01-01", "reason": "x"}),
        ("PUT", f"/api/v1/clinic/setup/working-days/{ids['clinician']}", {"weekdays": None}),
        ("PUT", "/api/v1/clinic/setup/lengths/review", {"minutes": 25}),
    ]  # fmt: skip
    for method, url, body in director_only:
        answer = client.request(method, url, json=body, headers=headers)
        if role is Role.ADMIN:
            assert answer.status_code < 400, (method, url, answer.text)
        else:
            assert answer.status_code == 403, (method, url, answer.text)
            assert answer.headers["content-type"] == PROBLEM


def test_the_front_desk_sees_no_clinical_detail_in_the_book(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    made = client.post("/api/v1/appointments", json=booking(ids), headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    text = client.get(f"/api/v1/appointments?from={DAY}").text
    for clinical in ("perioral", "fractional", "wrinkles", "energy", "glogau"):
        assert clinical not in text.lower()


def test_the_other_clinic_is_answered_as_not_found(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    north_ids = set_up(client, north)
    south_ids = set_up(client, south)
    csrf = sign_in(client, south.usernames[Role.STAFF])
    theirs = client.post("/api/v1/appointments", json=booking(south_ids),
                         headers={"X-CSRF-Token": csrf}).json()  # fmt: skip
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    headers = {"X-CSRF-Token": csrf}
    url = f"/api/v1/appointments/{theirs['id']}"
    missing = "/api/v1/appointments/999999"
    for method, suffix, body in [
        ("GET", "", None),
        ("PATCH", "", {"version": 1, "time": "12:00"}),
        ("POST", "/cancel", {"version": 1, "reason": "x"}),
        ("POST", "/status", {"version": 1, "status": "arrived"}),
    ]:
        foreign = client.request(method, url + suffix, json=body, headers=headers)
        unknown = client.request(method, missing + suffix, json=body, headers=headers)
        assert foreign.status_code == unknown.status_code == 404, (method, suffix)
        assert "Tester-south" not in foreign.text
    listed = client.get(f"/api/v1/appointments?from={DAY}").json()
    assert listed["items"] == []
    with_south_patient = client.get(
        f"/api/v1/appointments?from={DAY}&patient_id={south.patient.id}"
    )
    assert with_south_patient.status_code == 404
    into_their_room = client.post("/api/v1/appointments", json=booking(
        north_ids, room_id=south_ids["room1"]), headers=headers)  # fmt: skip
    assert into_their_room.status_code == 422
    their_patient = client.post("/api/v1/appointments", json=booking(
        north_ids, patient_id=south.patient.id), headers=headers)  # fmt: skip
    assert their_patient.status_code == 404
    room = client.patch(f"/api/v1/clinic/setup/rooms/{south_ids['room1']}",
                        json={"name": "mine"}, headers=headers)  # fmt: skip
    assert room.status_code == 404
