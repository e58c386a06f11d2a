"""The book's pages over HTTP: a refused booking comes back filled in with every error and
clash; the set-up page is the medical director's and saves what it shows; the front desk's book
and Today show no clinical detail; another clinic's appointment is not found."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.storage.tables import clinics
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_appointments_api import DAY, booking, set_up
from tests.support.clinic import SeededClinic


def test_a_refused_booking_keeps_what_was_typed_and_names_every_problem(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    made = client.post("/api/v1/appointments", json=booking(ids), headers={"X-CSRF-Token": csrf})
    assert made.status_code == 201
    form = {
        "csrf_token": csrf, "patient_id": str(north.patient.id), "kind": "review",
        "day": DAY.isoformat(), "time": "10:15", "provider_id": str(ids["clinician"]),
        "room_id": str(ids["room1"]), "minutes": "30",
    }  # fmt: skip
    clash = client.post("/book/new", data=form)
    assert clash.status_code == 409
    assert "clinician of north is already booked 10:00-10:30" in clash.text
    assert 'value="10:15"' in clash.text and f'value="{DAY}"' in clash.text
    bad = client.post("/book/new", data=form | {"time": "", "provider_id": "", "minutes": "x"})
    assert bad.status_code == 422
    for field in ("time", "provider_id", "minutes"):
        assert f'id="{field}-error"' in bad.text, field
    elsewhere = form | {"provider_id": str(ids["director"]), "room_id": str(ids["room2"])}
    patient_clash = client.post("/book/new", data=elsewhere)
    assert patient_clash.status_code == 409
    assert f"{north.patient.full_name} already has an appointment 10:00-10:30" in (
        patient_clash.text
    )
    ok = client.post("/book/new", data=form | {"time": "10:30"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/book?day={DAY}&saved=booked"
    day = client.get(f"/book?day={DAY}")
    assert day.status_code == 200 and "10:30–11:00" in day.text
    week = client.get(f"/book?day={DAY}&view=week&by=room")
    assert "Room 1" in week.text and "10:30" in week.text
    for clinical in ("perioral", "wrinkles", "fractional"):
        assert clinical not in day.text.lower() and clinical not in week.text.lower()


def test_moving_and_cancelling_through_the_appointment_page(
    client: TestClient, north: SeededClinic
) -> None:
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    first = client.post("/api/v1/appointments", json=booking(ids), headers={"X-CSRF-Token": csrf})
    second = client.post(
        "/api/v1/appointments", json=booking(ids, "12:00"), headers={"X-CSRF-Token": csrf}
    ).json()
    url = f"/book/appointments/{second['id']}"
    page = client.get(url)
    assert page.status_code == 200 and "Move or change the length" in page.text
    move = {
        "csrf_token": csrf, "version": "1", "day": DAY.isoformat(), "time": "10:00",
        "minutes": "30", "provider_id": str(ids["clinician"]), "room_id": str(ids["room1"]),
    }  # fmt: skip
    refused = client.post(f"{url}/move", data=move)
    assert refused.status_code == 409 and "Room 1 is already booked" in refused.text
    moved = client.post(f"{url}/move", data=move | {"time": "10:30"})
    assert moved.status_code == 303
    stale = client.post(f"{url}/move", data=move | {"time": "11:30"})
    assert stale.status_code == 409 and "changed by someone else" in stale.text
    no_reason = client.post(f"{url}/cancel", data={"csrf_token": csrf, "version": "2"})
    assert no_reason.status_code == 422 and "reason-error" in no_reason.text
    cancelled = client.post(f"{url}/cancel", data={"csrf_token": csrf, "version": "2",
                                                   "reason": "moving house"})  # fmt: skip
    assert cancelled.status_code == 303
    arrived = client.post(
        f"/book/appointments/{first.json()['id']}/status",
        data={"csrf_token": csrf, "version": "1", "status": "arrived"},
    )
    assert arrived.status_code == 303
    assert "arrived" in client.get(f"/book/appointments/{first.json()['id']}").text


def test_today_shows_the_days_appointments_with_their_times(
    client: TestClient, north: SeededClinic
) -> None:
    import datetime as dt

    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    today = dt.datetime.now(dt.UTC).date().isoformat()
    made = client.post("/api/v1/appointments", json=booking(ids, "09:00", day=today),
                       headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert made.status_code == 201, made.text
    home = client.get("/")
    assert "Appointments today" in home.text and "09:00–09:30" in home.text
    assert "Room 1" in home.text
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert re.search(r"<h3>Your day</h3>", client.get("/").text)


def test_the_set_up_page_is_the_medical_directors_and_saves(
    client: TestClient, north: SeededClinic
) -> None:
    for role in (Role.STAFF, Role.CLINICIAN):
        sign_in(client, north.usernames[role])
        assert client.get("/admin/book-setup").status_code == 403
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    assert client.get("/admin/book-setup").status_code == 200
    hours = {"csrf_token": csrf, "open_0": "1", "opens_0": "09:00", "closes_0": "17:00",
             "open_1": "1", "opens_1": "18:00", "closes_1": "08:00"}  # fmt: skip
    refused = client.post("/admin/book-setup/hours", data=hours)
    assert refused.status_code == 422 and "Tuesday must close after it opens" in refused.text
    saved = client.post("/admin/book-setup/hours", data=hours | {"opens_1": "08:00",
                                                                 "closes_1": "18:00"})  # fmt: skip
    assert saved.status_code == 303
    client.post("/admin/book-setup/rooms", data={"csrf_token": csrf, "name": "Laser suite"})
    client.post("/admin/book-setup/devices", data={"csrf_token": csrf, "name": "Erbium"})
    closure = {"csrf_token": csrf, "first_day": "2030-12-24", "last_day": "2030-12-26",
               "reason": "Christmas"}  # fmt: skip
    assert client.post("/admin/book-setup/closures", data=closure).status_code == 303
    lengths = {"csrf_token": csrf, "length_consultation": "50", "length_session": "60",
               "length_review": "20", "length_photo_follow_up": "15",
               "length_other": "3"}  # fmt: skip
    bad_length = client.post("/admin/book-setup/lengths", data=lengths)
    assert bad_length.status_code == 422 and "length_other-error" in bad_length.text
    page = client.get("/admin/book-setup").text
    assert 'value="08:00"' in page and "Laser suite" in page and "Erbium" in page
    assert "Christmas" in page and 'value="50"' in page


def test_another_clinics_appointment_page_is_not_found(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    south_ids = set_up(client, south)
    csrf = sign_in(client, south.usernames[Role.STAFF])
    theirs = client.post("/api/v1/appointments", json=booking(south_ids),
                         headers={"X-CSRF-Token": csrf}).json()  # fmt: skip
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    page = client.get(f"/book/appointments/{theirs['id']}")
    assert page.status_code == 404 and "Tester-south" not in page.text
    move = client.post(f"/book/appointments/{theirs['id']}/cancel",
                       data={"csrf_token": csrf, "version": "1", "reason": "x"})  # fmt: skip
    assert move.status_code == 404


def test_the_chart_and_the_details_show_the_patients_coming_visits(
    client: TestClient, north: SeededClinic
) -> None:
    """The clinician sees them on the chart, the front desk on the contact details: times,
    clinician and room; not what was cancelled, and nothing clinical on the desk's page."""
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.STAFF])
    headers = {"X-CSRF-Token": csrf}
    kept = client.post("/api/v1/appointments", json=booking(ids, "10:00", room_id=ids["room2"]),
                       headers=headers).json()  # fmt: skip
    dropped = client.post("/api/v1/appointments", json=booking(ids, "12:00"), headers=headers)
    cancel = {"version": 1, "reason": "moving house"}
    url = f"/api/v1/appointments/{dropped.json()['id']}/cancel"
    assert client.post(url, json=cancel, headers=headers).status_code == 200
    when = f"{DAY:%a %d %b %Y}, 10:00–10:30"
    details = client.get(f"/patients/{north.patient.id}/details")
    assert details.status_code == 200 and "Coming appointments" in details.text
    assert when in details.text and "Room 2" in details.text
    assert f"/book/appointments/{kept['id']}" in details.text
    assert "12:00" not in details.text
    for clinical in ("perioral", "wrinkles", "fractional", "glogau"):
        assert clinical not in details.text.lower()
    sign_in(client, north.usernames[Role.CLINICIAN])
    chart = client.get(f"/patients/{north.patient.id}")
    assert chart.status_code == 200 and when in chart.text
    assert "Review" in chart.text and "clinician of north" in chart.text


def test_the_chart_shows_coming_visits_in_the_clinics_time_zone_of_the_moment(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    """The chart page takes the clinic's time zone from the session check's read of the clinic
    (not a read of its own): a zone changed since the last request shows on the next one."""

    def zone(name: str) -> None:
        with sqlite_runtime.engine.begin() as connection:
            connection.execute(
                update(clinics).where(clinics.c.id == north.clinic.id).values(timezone=name)
            )

    zone("UTC")
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    made = client.post("/api/v1/appointments", json=booking(ids, "10:00"),
                       headers={"X-CSRF-Token": csrf})  # fmt: skip
    assert made.status_code == 201, made.text[:300]
    chart = client.get(f"/patients/{north.patient.id}").text
    assert f"{DAY:%a %d %b %Y}, 10:00–10:30" in chart
    zone("Asia/Tokyo")  # UTC+9 all year
    chart = client.get(f"/patients/{north.patient.id}").text
    assert f"{DAY:%a %d %b %Y}, 19:00–19:30" in chart and "10:00–10:30" not in chart


# --- who may do what on the book's pages: every route, every role, and the other clinic -------


@pytest.mark.parametrize("role", list(Role))
def test_every_book_page_by_role(client: TestClient, north: SeededClinic, role: Role) -> None:
    """Every role reads the book, books, moves, cancels and marks arrivals; only clinicians
    and the director mark treatment; only the director changes the set-up."""
    ids = set_up(client, north)
    csrf = sign_in(client, north.usernames[role])
    headers = {"X-CSRF-Token": csrf}
    made = client.post("/api/v1/appointments", json=booking(ids), headers=headers).json()
    other = client.post("/api/v1/appointments", json=booking(ids, "14:00"), headers=headers).json()
    one = f"/book/appointments/{made['id']}"
    for url in (f"/book?day={DAY}", f"/book?day={DAY}&view=week&by=room", "/book?by=device",
                f"/book/new?patient_id={north.patient.id}", one, "/book/calendars",
                f"/patients/{north.patient.id}/details",
                f"/api/v1/appointments/patients/{north.patient.id}.ics"):  # fmt: skip
        assert client.get(url).status_code == 200, (role, url)
    moved = client.post(f"{one}/move", data={"csrf_token": csrf, "version": "1",
                                             "day": DAY.isoformat(), "time": "11:00"})  # fmt: skip
    assert moved.status_code == 303, (role, moved.text[:300])
    arrived = client.post(f"{one}/status", data={"csrf_token": csrf, "version": "2",
                                                 "status": "arrived"})  # fmt: skip
    assert arrived.status_code == 303
    treated = client.post(f"{one}/status", data={"csrf_token": csrf, "version": "3",
                                                 "status": "in_treatment"})  # fmt: skip
    assert treated.status_code == (403 if role is Role.STAFF else 303)
    cancelled = client.post(f"/book/appointments/{other['id']}/cancel",
                            data={"csrf_token": csrf, "version": "1", "reason": "ill"})  # fmt: skip
    assert cancelled.status_code == 303
    series = client.post("/book/series", data={
        "csrf_token": csrf, "patient_id": str(north.patient.id), "day": DAY.isoformat(),
        "time": "16:00", "provider_id": str(ids["clinician"])})  # fmt: skip
    assert series.status_code != 403
    setup_posts = [
        ("/admin/book-setup/hours", {"open_0": "1", "opens_0": "08:00", "closes_0": "20:00"}),
        ("/admin/book-setup/rooms", {"name": "Room 9"}),
        (f"/admin/book-setup/rooms/{ids['room2']}", {"name": "Room 2", "active": "1"}),
        ("/admin/book-setup/devices", {"name": "Erbium"}),
        (f"/admin/book-setup/devices/{ids['laser']}", {"name": "CO2", "active": "1"}),
        ("/admin/book-setup/closures", {"first_day": "2030-01-01", "last_day": "2030-01-01",
                                        "reason": "x"}),
        (f"/admin/book-setup/working-days/{ids['clinician']}", {"day_0": "1"}),
        ("/admin/book-setup/lengths", {"length_review": "25"}),
        ("/admin/book-setup/reminders", {"hours": "24"}),
    ]  # fmt: skip
    for url, data in setup_posts:
        answer = client.post(url, data={"csrf_token": csrf} | data)
        if role is Role.ADMIN:
            assert answer.status_code in (303, 422), (url, answer.status_code)
        else:
            assert answer.status_code == 403, (role, url, answer.status_code)
    assert client.get("/admin/book-setup").status_code == (200 if role is Role.ADMIN else 403)


@pytest.mark.parametrize("role", list(Role))
def test_the_other_clinics_book_is_not_found_on_any_page(
    client: TestClient, north: SeededClinic, south: SeededClinic, role: Role
) -> None:
    south_ids = set_up(client, south)
    csrf = sign_in(client, south.usernames[Role.STAFF])
    theirs = client.post("/api/v1/appointments", json=booking(south_ids),
                         headers={"X-CSRF-Token": csrf}).json()  # fmt: skip
    set_up(client, north)
    csrf = sign_in(client, north.usernames[role])
    one = f"/book/appointments/{theirs['id']}"
    posts = [
        (f"{one}/move", {"version": "1", "time": "12:00"}),
        (f"{one}/status", {"version": "1", "status": "arrived"}),
        (f"{one}/cancel", {"version": "1", "reason": "x"}),
        ("/book/new", {"patient_id": str(south.patient.id), "kind": "review",
                       "day": DAY.isoformat(), "time": "10:00",
                       "provider_id": str(south_ids["clinician"])}),
        ("/book/series", {"patient_id": str(south.patient.id), "day": DAY.isoformat(),
                          "time": "10:00", "provider_id": str(south_ids["clinician"])}),
    ]  # fmt: skip
    for url, data in posts:
        answer = client.post(url, data={"csrf_token": csrf} | data)
        assert answer.status_code in (404, 422), (role, url, answer.status_code)
        assert "Tester-south" not in answer.text
    for url in (one, f"/api/v1/appointments/patients/{south.patient.id}.ics",
                f"/api/v1/appointments/plan-window?patient_id={south.patient.id}"):  # fmt: skip
        answer = client.get(url)
        assert answer.status_code == 404, (role, url)
        assert "Tester-south" not in answer.text
    listed = client.get(f"/book?day={DAY}&view=week")
    assert "Tester-south" not in listed.text
    with_theirs = client.get(f"/book/new?patient_id={south.patient.id}")
    assert "Tester-south" not in with_theirs.text


def test_a_wrong_address_says_which_values_it_takes(
    client: TestClient, north: SeededClinic
) -> None:
    """A mistyped book address names the values it takes (not a regular expression)."""
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/book?day={DAY}&view=week&by=clinicians")
    assert page.status_code == 422
    assert "By: must be provider, room or device" in page.text
    assert "pattern" not in page.text and "^(" not in page.text
    api = client.get("/api/v1/appointments?by=clinicians")
    assert api.headers["content-type"].startswith("application/problem+json")
