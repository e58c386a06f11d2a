"""Every route that takes an id, taken from the router itself, answers an unknown id, an id too
large for the database and another clinic's id in the same way: not found, nothing leaked,
never a 500 (PostgreSQL refuses ids past 2^31, SQLite overflows past 2^63). The other clinic has
a chart and an appointment book (appointment, room, device, closure, calendar feed, clinician)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.clinic_setup import CalendarFeed, Closure, Device, FeedSubject, Room
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.robustness.routes import RouteInfo, app_routes
from tests.support.clinic import SeededClinic

UNKNOWN = 999_999
HUGE = (2**31, 2**63, 2**70)

# The kind of record a path's id names, for the foreign-clinic probe.
KIND_OF_PARAMETER = {
    "patient_id": "patient",
    "consultation_id": "consultation",
    "assessment_id": "assessment",
    "plan_id": "plan",
    "session_id": "session",
    "photo_id": "photo",
    "checkin_id": "checkin",
    "consent_id": "consent",
    "appointment_id": "appointment",
    "room_id": "room",
    "device_id": "device",
    "closure_id": "closure",
    "feed_id": "feed",
    "user_id": "user",
}
KIND_OF_COLLECTION = {
    "patients": "patient",
    "consultations": "consultation",
    "assessments": "assessment",
    "plans": "plan",
    "sessions": "session",
    "photos": "photo",
    "checkins": "checkin",
}


def _id_routes(client: TestClient) -> list[RouteInfo]:
    routes = [
        route
        for route in app_routes(client.app)  # type: ignore[arg-type]
        if route.parameters and "token" not in route.parameters
    ]
    assert len(routes) > 30, "the sweep found too few routes: is the router walk broken?"
    return routes


def _kind(route: RouteInfo, parameter: str) -> str | None:
    if parameter == "record_id":
        collection = route.path.split("{record_id")[0].rstrip("/").rsplit("/", 1)[-1]
        return KIND_OF_COLLECTION.get(collection)
    return KIND_OF_PARAMETER.get(parameter)


def _ask(client: TestClient, csrf: str, route: RouteInfo, url: str) -> tuple[int, str]:
    headers = {"X-CSRF-Token": csrf}
    if route.method == "GET":
        response = client.get(url)
    elif url.startswith("/api/"):
        response = client.request(route.method, url, json={}, headers=headers)
    else:
        response = client.request(route.method, url, data={"note": ""}, headers=headers)
    return response.status_code, response.text


def _normalised(text: str, value: int) -> str:
    return text.replace(str(value), "N")


def _south_book(runtime: Runtime, south: SeededClinic) -> dict[str, int]:
    """South's appointment book: an appointment, a room, a device, a closure, a calendar feed,
    so the book's ids are probed from north like the chart's."""
    clinic = south.clinic.id
    with runtime.context.uow() as uow:
        user = uow.users.by_username(south.usernames[Role.CLINICIAN])
        assert user is not None
        setup = uow.clinic_setup
        room = setup.add_room(Room(0, clinic, "Room S"))
        device = setup.add_device(Device(0, clinic, "Laser S"))
        closure = setup.add_closure(
            Closure(0, clinic, dt.date(2030, 1, 1), dt.date(2030, 1, 2), "x")
        )
        now = runtime.context.clock.now()
        feed = setup.add_feed(
            CalendarFeed(0, clinic, FeedSubject.ROOM, room.id, "0" * 64, user.id, now)
        )
        appointment = uow.appointments.add(
            Appointment(0, clinic, south.patient.id, AppointmentKind.REVIEW, now.date(),
                        starts_at=now, minutes=30, provider_id=user.id, room_id=room.id)
        )  # fmt: skip
        uow.commit()
    return {"appointment": appointment.id, "room": room.id, "device": device.id,
            "closure": closure.id, "feed": feed.id, "user": user.id,
            "patient": south.patient.id}  # fmt: skip


def test_unknown_huge_and_foreign_ids_are_answered_alike_on_every_route(
    client: TestClient, north: SeededClinic, south: SeededClinic, runtime: Runtime
) -> None:
    foreign_ids = south.record_ids | _south_book(runtime, south)
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    for route in _id_routes(client):
        numbers = dict.fromkeys(route.parameters, 1)
        unknown = _ask(
            client, csrf, route, route.url(**dict.fromkeys(numbers, UNKNOWN) | _n(route))
        )
        assert unknown[0] < 500, f"{route.method} {route.path}: {unknown}"
        expected = (unknown[0], _normalised(unknown[1], UNKNOWN))
        for huge in HUGE:
            url = route.url(**dict.fromkeys(numbers, huge) | _n(route))
            status, body = _ask(client, csrf, route, url)
            assert (status, _normalised(body, huge)) == expected, f"{route.method} {url}"
        foreign = _foreign_ids(route, foreign_ids)
        if foreign is not None:
            status, body = _ask(client, csrf, route, route.url(**foreign))
            assert status == unknown[0], f"{route.method} {route.path} with a south id: {status}"
            assert "Tester-south" not in body and "Clinic south" not in body


def _n(route: RouteInfo) -> dict[str, int]:
    """A plan item's position is not an id: keep it small so the id decides the answer."""
    return {"n": 1} if "n" in route.parameters else {}


def _foreign_ids(route: RouteInfo, south: Mapping[str, int]) -> dict[str, object] | None:
    values: dict[str, object] = dict(_n(route))
    for parameter in route.parameters:
        if parameter == "n":
            continue
        kind = _kind(route, parameter)
        if kind is None or kind not in south:
            return None
        values[parameter] = south[kind]
    return values


@pytest.mark.parametrize("huge", HUGE)
def test_an_id_too_large_inside_a_json_body_is_refused_on_its_field(
    client: TestClient, north: SeededClinic, huge: int
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    rated = client.post(
        f"/api/v1/patients/{north.patient.id}/outcomes",
        json={"session_id": huge, "value": 2},
        headers={"X-CSRF-Token": csrf},
    )
    assert rated.status_code == 422, rated.text
    assert rated.json()["errors"][0]["field"] == "session_id"
    assert rated.headers["content-type"] == "application/problem+json"
