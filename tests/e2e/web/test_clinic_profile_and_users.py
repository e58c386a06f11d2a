"""The medical director corrects the clinic's profile and its users, on the pages and through the
API; every new endpoint is tried by every role and by another clinic's director."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import NO_ADMIN_LEFT, Role, User
from resurface.web.security import SESSION_COOKIE
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import PASSWORD, SeededClinic

PROBLEM = "application/problem+json"


def _user(runtime: Runtime, username: str) -> User:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(username)
    assert user is not None
    return user


def _clinic_version(runtime: Runtime, clinic_id: int) -> int:
    with runtime.context.uow() as uow:
        clinic = uow.clinics.get(clinic_id)
    assert clinic is not None
    return clinic.version


# --- who may: every new endpoint, every role, and another clinic's director ----------------------

WHO = ["admin", "clinician", "staff", "other clinic's admin"]


@pytest.mark.parametrize("who", WHO)
def test_access_to_the_new_endpoints(
    who: str, client: TestClient, north: SeededClinic, south: SeededClinic, sqlite_runtime: Runtime
) -> None:
    signer = (
        south.usernames[Role.ADMIN] if who == "other clinic's admin" else north.usernames[Role(who)]
    )
    csrf = sign_in(client, signer)
    header = {"X-CSRF-Token": csrf}
    target = _user(sqlite_runtime, north.usernames[Role.STAFF])
    version = _clinic_version(sqlite_runtime, north.clinic.id)
    # The answer each kind of caller gets: read, changed, refused by role, or not found.
    ok, changed, refused = {
        "admin": (200, 303, None),
        "clinician": (403, 403, 403),
        "staff": (403, 403, 403),
        "other clinic's admin": (404, 404, 404),
    }[who]

    api_user = f"/api/v1/users/{target.id}"
    answers = {
        "GET api user": client.get(api_user),
        "PATCH api user": client.patch(api_user, json={"display_name": "Sam"}, headers=header),
        "GET user page": client.get(f"/admin/users/{target.id}"),
        "POST user page": client.post(
            f"/admin/users/{target.id}",
            data={"csrf_token": csrf, "display_name": "Sam", "role": "staff", "active": "on"},
        ),
    }
    expected = {
        "GET api user": ok,
        "PATCH api user": ok,
        "GET user page": ok,
        "POST user page": changed,
    }
    for name, response in answers.items():
        assert response.status_code == expected[name], (name, response.text)
        if name.endswith("api user") and response.status_code >= 400:
            assert response.headers["content-type"] == PROBLEM
    assert (_user(sqlite_runtime, target.username).display_name == "Sam") == (who == "admin")

    # The clinic's profile: a director edits their own clinic, never another.
    patch = client.patch(
        "/api/v1/clinic", json={"version": version, "phone": "+44 1"}, headers=header
    )
    form = client.post(
        "/admin/clinic/profile",
        data={
            "csrf_token": csrf,
            "version": str(version + 1),
            "name": "Clinic north",
            "phone": "+44 1",
        },
    )
    if refused is None or who == "other clinic's admin":
        assert patch.status_code == 200 and form.status_code == 303
    else:
        assert patch.status_code == refused and patch.headers["content-type"] == PROBLEM
        assert form.status_code == refused
    with sqlite_runtime.context.uow() as uow:
        north_now = uow.clinics.get(north.clinic.id)
        south_now = uow.clinics.get(south.clinic.id)
    assert north_now is not None and south_now is not None
    assert (north_now.phone == "+44 1") == (who == "admin")
    assert (south_now.phone == "+44 1") == (who == "other clinic's admin")


# --- the clinic's profile -----------------------------------------------------------------------


def test_the_profile_form_comes_back_filled_in_with_every_error_on_its_field(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.ADMIN])
    page = client.get("/admin/clinic")
    assert page.status_code == 200 and 'name="version" value="1"' in page.text
    typed = {
        "csrf_token": csrf_of(page.text),
        "version": "1",
        "name": "",
        "phone": "+44 20 7946 0000",
        "email": "desk-at-north",
        "address": "1 Quay Street\r\nPortsmouth",
        "timezone": "Europe/Lodnon",
        "public_url": "north.example.org",
    }
    refused = client.post("/admin/clinic/profile", data=typed)
    assert refused.status_code == 422
    html = refused.text
    for field in ("name", "email", "timezone", "public_url"):
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html), field
        assert f'id="{field}-error"' in html
    assert "Time zone: " in html and "Public address: " in html  # the summary names each field
    assert 'value="Europe/Lodnon"' in html and 'value="desk-at-north"' in html
    assert "1 Quay Street" in html and 'value="+44 20 7946 0000"' in html
    assert _clinic_version(sqlite_runtime, north.clinic.id) == 1

    typed |= {
        "name": "North Laser",
        "email": "desk@north.example",
        "timezone": "Europe/London",
        "public_url": "https://north.example.org",
    }
    saved = client.post("/admin/clinic/profile", data=typed)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/clinic?saved=profile"
    shown = client.get("/admin/clinic?saved=profile").text
    assert "Saved the clinic's profile" in shown
    assert 'value="Europe/London"' in shown and 'value="https://north.example.org"' in shown
    assert "1 Quay Street\nPortsmouth</textarea>" in shown

    stale = client.post("/admin/clinic/profile", data=typed | {"phone": "+44 1"})  # version 1
    assert stale.status_code == 409
    assert "Someone else saved the clinic" in stale.text
    assert 'name="version" value="2"' in stale.text and 'value="+44 20 7946 0000"' in stale.text


def test_the_profile_api_names_every_field_and_refuses_a_stale_version(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    header = {"X-CSRF-Token": csrf}
    before = client.get("/api/v1/clinic").json()
    assert (before["timezone"], before["public_url"], before["version"]) == ("", "", 1)
    bad = {"version": 1, "name": " ", "timezone": "Nowhere/Town", "public_url": "ftp://x"}
    refused = client.patch("/api/v1/clinic", json=bad, headers=header)
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    assert [e["field"] for e in refused.json()["errors"]] == ["name", "timezone", "public_url"]
    edit = {"version": 1, "timezone": "Asia/Tokyo", "address": "1-1 Ginza"}
    saved = client.patch("/api/v1/clinic", json=edit, headers=header)
    assert saved.status_code == 200
    assert saved.json() | edit == saved.json() | {"version": 1}  # all but the version as sent
    assert saved.json()["version"] == 2 and saved.json()["name"] == before["name"]
    stale = client.patch("/api/v1/clinic", json={"version": 1, "phone": "1"}, headers=header)
    assert stale.status_code == 409 and stale.headers["content-type"] == PROBLEM
    assert "version 1" in stale.json()["detail"]
    unknown = client.patch("/api/v1/clinic", json={"version": 2, "slug": "x"}, headers=header)
    assert unknown.status_code == 422


def test_patients_links_start_with_the_clinics_own_public_address(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    header = {"X-CSRF-Token": csrf}
    edit = {"version": 1, "public_url": "https://north.example.org/rs"}
    assert client.patch("/api/v1/clinic", json=edit, headers=header).status_code == 200
    path = f"/api/v1/patients/{north.patient.id}/sessions/{north.record_ids['session']}/links"
    created = client.post(path, headers=header)
    assert created.status_code == 201
    assert created.json()["url"].startswith("https://north.example.org/rs/r/")


# --- the clinic's users -------------------------------------------------------------------------


def test_a_deactivated_user_is_signed_out_at_once_and_can_be_let_back_in(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    clinician = north.usernames[Role.CLINICIAN]
    sign_in(client, clinician)
    clinicians_session = client.cookies[SESSION_COOKIE]
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    uid = _user(sqlite_runtime, clinician).id
    form = client.get(f"/admin/users/{uid}")
    assert 'id="active" name="active" value="on" checked' in form.text
    off = {"csrf_token": csrf, "display_name": "Dr Away", "role": "clinician"}  # box unticked
    assert client.post(f"/admin/users/{uid}", data=off).status_code == 303
    listed = client.get("/admin/users?saved=1").text
    assert "Saved." in listed and "Dr Away" in listed and "deactivated" in listed

    admins_session = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, clinicians_session)
    assert client.get("/patients").status_code == 303  # to the sign-in page
    assert client.get("/api/v1/me").status_code == 401
    page = client.get("/login")
    refused = client.post(
        "/login",
        data={"username": clinician, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert refused.status_code != 303

    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, admins_session)
    back = client.patch(
        f"/api/v1/users/{uid}", json={"active": True}, headers={"X-CSRF-Token": csrf}
    )
    assert back.status_code == 200 and back.json()["active"] is True
    client.cookies.clear()
    sign_in(client, clinician)
    assert client.get("/api/v1/me").json()["role"] == "clinician"


def test_the_only_admin_cannot_demote_or_deactivate_themselves(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    me = _user(sqlite_runtime, north.usernames[Role.ADMIN]).id
    demote = {"csrf_token": csrf, "display_name": "", "role": "staff", "active": "on"}
    refused = client.post(f"/admin/users/{me}", data=demote)
    assert refused.status_code == 422
    assert re.search(r'id="role"[^>]*aria-invalid="true"', refused.text)
    assert re.search(r'id="display_name"[^>]*aria-invalid="true"', refused.text)
    assert 'option value="staff" selected' in refused.text  # what was chosen is kept
    assert "no active admin" in refused.text and "This is you." in refused.text
    api = client.patch(
        f"/api/v1/users/{me}", json={"active": False}, headers={"X-CSRF-Token": csrf}
    )
    assert api.status_code == 422 and api.headers["content-type"] == PROBLEM
    assert api.json()["errors"] == [{"field": "active", "message": NO_ADMIN_LEFT}]
    assert client.get("/api/v1/me").json()["role"] == "admin"


def test_a_director_who_hands_over_and_steps_down_lands_on_today(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    header = {"X-CSRF-Token": csrf}
    deputy = _user(sqlite_runtime, north.usernames[Role.CLINICIAN]).id
    promoted = client.patch(f"/api/v1/users/{deputy}", json={"role": "admin"}, headers=header)
    assert promoted.json()["role"] == "admin"
    me = _user(sqlite_runtime, north.usernames[Role.ADMIN]).id
    step_down = {"csrf_token": csrf, "display_name": "Former director", "role": "clinician"}
    stepped = client.post(f"/admin/users/{me}", data=step_down | {"active": "on"})
    assert stepped.status_code == 303 and stepped.headers["location"] == "/"
    assert client.get("/admin/users").status_code == 403
    assert client.get("/api/v1/me").json()["role"] == "clinician"


def test_the_new_user_form_still_starts_on_front_desk(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.ADMIN])
    assert 'option value="staff" selected' in client.get("/admin/users").text
