"""Over HTTP: failed sign-ins wait per address too (and the counts outlive a restart); the second
factor (enrol, sign in with a code, required for medical directors); idle logoff; my sessions for
every role and against another clinic's user."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from resurface import bootstrap
from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.storage.tables import web_sessions
from resurface.web import create_app
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import PASSWORD, SeededClinic

SECRET = re.compile(r'id="totp-secret">([A-Z2-7]+)<')
ROLES = [Role.ADMIN, Role.CLINICIAN, Role.STAFF]


@pytest.fixture
def second_client(client: TestClient) -> Iterator[TestClient]:
    """Another browser on the same server."""
    with TestClient(client.app, base_url="https://testserver", follow_redirects=False) as other:
        yield other


def _post_login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    form = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_of(form.text)}
    return client.post("/login", data=data).status_code


# --- throttles -----------------------------------------------------------------------------------


def test_one_client_trying_many_names_is_made_to_wait(
    client: TestClient, north: SeededClinic
) -> None:
    """Finding D7: 40 names from one client were all heard."""
    statuses = [_post_login(client, f"guessed.name{n}", "password1") for n in range(22)]
    assert statuses[:20] == [401] * 20 and statuses[20:] == [429, 429]
    assert _post_login(client, north.usernames[Role.CLINICIAN]) == 429


def test_the_wait_outlives_a_restart(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    for n in range(5):
        _post_login(client, north.usernames[Role.ADMIN], f"guess {n}")
    restarted = bootstrap.build(sqlite_runtime.settings)  # a new server process
    try:
        app = create_app(sqlite_runtime.settings, restarted)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as fresh:
            assert _post_login(fresh, north.usernames[Role.ADMIN]) == 429
    finally:
        restarted.dispose()


# --- the second factor -------------------------------------------------------------------------


def _enrol(client: TestClient) -> str:
    """Turn the second factor on from the account page; the secret it showed."""
    page = client.get("/account/second-factor")
    assert page.status_code == 200 and 'id="totp-qr"' in page.text
    secret = SECRET.search(page.text)
    assert secret, "the page shows no secret"
    token = re.search(r'name="enrolment" value="([^"]+)"', page.text)
    assert token
    data = {"csrf_token": csrf_of(page.text), "enrolment": token.group(1)}
    wrong = client.post("/account/second-factor", data=data | {"code": "123456"})
    assert wrong.status_code == 422
    assert 'id="code-error">is not the code your authenticator app shows now' in wrong.text
    assert secret.group(1) in wrong.text  # the same secret, to try again
    code = pyotp.TOTP(secret.group(1)).now()
    done = client.post("/account/second-factor", data=data | {"code": code})
    assert done.status_code == 303
    shown = client.get(done.headers["location"]).text
    assert "The second factor is on" in shown and secret.group(1) not in shown
    return secret.group(1)


def test_a_user_with_a_second_factor_signs_in_with_a_code(
    client: TestClient, second_client: TestClient, north: SeededClinic
) -> None:
    username = north.usernames[Role.CLINICIAN]
    sign_in(client, username)
    secret = _enrol(client)

    assert _post_login(second_client, username) == 303
    assert second_client.get("/patients").status_code == 303  # the password alone opens nothing
    assert second_client.get("/api/v1/me").status_code == 401
    page = second_client.get("/login/code")
    assert page.status_code == 200 and "Code from your authenticator app" in page.text
    wrong = second_client.post(
        "/login/code", data={"code": "12345", "csrf_token": csrf_of(page.text)}
    )
    assert wrong.status_code == 422
    assert 'id="code-error">must be the 6 digits your authenticator app shows' in wrong.text
    # Enrolment used this half-minute's code (a code counts once): the app's next one.
    code = pyotp.TOTP(secret).at(time.time() + 30)
    right = second_client.post(
        "/login/code", data={"code": code, "csrf_token": csrf_of(page.text), "next": "/patients"}
    )
    assert right.status_code == 303 and right.headers["location"] == "/patients"
    assert second_client.get("/patients").status_code == 200


def test_a_clinic_can_require_its_medical_directors_to_use_a_second_factor(
    client: TestClient, second_client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    body = {"idle_minutes": 30, "require_second_factor": True}
    answer = client.put("/api/v1/clinic/sign-in", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.json()["require_second_factor"] is True
    # The director (without one yet) is sent to enrol before anything else ...
    moved = client.get("/patients")
    assert moved.status_code == 303 and moved.headers["location"] == "/account/second-factor"
    refused = client.get("/api/v1/patients")
    assert refused.status_code == 403 and "second factor" in refused.json()["detail"]
    assert client.get("/api/v1/me").json()["must_enrol_second_factor"] is True
    # ... a clinician is not.
    sign_in(second_client, north.usernames[Role.CLINICIAN])
    assert second_client.get("/patients").status_code == 200
    _enrol(client)
    assert client.get("/patients").status_code == 200


# --- idle logoff -------------------------------------------------------------------------------


def test_a_session_left_idle_sends_the_user_to_sign_in_saying_why(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.get("/patients").status_code == 200
    idle_since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31)
    with sqlite_runtime.engine.begin() as connection:
        connection.execute(update(web_sessions).values(last_seen_at=idle_since))
    moved = client.get("/patients")
    assert moved.status_code == 303 and "idle=30" in moved.headers["location"]
    page = client.get(moved.headers["location"])
    assert "You were signed out after 30 minutes without activity" in page.text
    assert client.get("/api/v1/patients").status_code == 401


def test_the_api_says_why_an_idle_session_ended(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    idle_since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=45)
    with sqlite_runtime.engine.begin() as connection:
        connection.execute(update(web_sessions).values(last_seen_at=idle_since))
    answer = client.get("/api/v1/patients")
    assert answer.status_code == 401
    assert answer.headers["content-type"] == "application/problem+json"
    assert "signed out after 30 minutes without activity" in answer.json()["detail"]


def test_the_director_sets_the_idle_time_on_the_clinic_page(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.ADMIN])
    page = client.get("/admin/clinic")
    data = {"csrf_token": csrf_of(page.text), "require_second_factor": "on"}
    refused = client.post("/admin/clinic/sign-in", data=data | {"idle_minutes": "two"})
    assert refused.status_code == 422
    assert "<title>Clinic settings · Resurface</title>" in refused.text
    assert 'id="idle_minutes-error">must be a whole number of minutes' in refused.text
    assert "Please correct" not in refused.text  # the profile's fields are not at fault
    assert 'value="two"' in refused.text  # the form comes back as typed
    assert re.search(r'id="require_second_factor"[^>]*checked', refused.text)
    too_short = client.post("/admin/clinic/sign-in", data=data | {"idle_minutes": "2"})
    assert 'id="idle_minutes-error">must be between 5 and 480 minutes' in too_short.text
    saved = client.post(
        "/admin/clinic/sign-in", data={"csrf_token": data["csrf_token"], "idle_minutes": "15"}
    )
    assert saved.status_code == 303
    shown = client.get(saved.headers["location"]).text
    assert "signed out after 15 minutes without activity" in shown


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.STAFF])
def test_only_the_director_sets_the_sign_in_rules(
    client: TestClient, north: SeededClinic, role: Role
) -> None:
    csrf = sign_in(client, north.usernames[role])
    body = {"idle_minutes": 10, "require_second_factor": False}
    answer = client.put("/api/v1/clinic/sign-in", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 403


def test_the_api_names_a_bad_idle_time(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    body = {"idle_minutes": 2, "require_second_factor": False}
    answer = client.put("/api/v1/clinic/sign-in", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in answer.json()["errors"]] == ["idle_minutes"]


def test_a_director_changes_only_their_own_clinics_rules(
    client: TestClient, second_client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    csrf = sign_in(client, south.usernames[Role.ADMIN])
    body = {"idle_minutes": 5, "require_second_factor": True}
    client.put("/api/v1/clinic/sign-in", json=body, headers={"X-CSRF-Token": csrf})
    sign_in(second_client, north.usernames[Role.ADMIN])
    north_clinic = second_client.get("/api/v1/clinic").json()
    assert (north_clinic["idle_minutes"], north_clinic["require_second_factor"]) == (30, False)


# --- my sessions -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_every_role_lists_and_ends_its_own_sessions(
    client: TestClient, second_client: TestClient, north: SeededClinic, role: Role
) -> None:
    csrf = sign_in(client, north.usernames[role])
    sign_in(second_client, north.usernames[role])
    listed = client.get("/api/v1/me/sessions")
    assert listed.status_code == 200
    sessions = listed.json()
    assert [s["current"] for s in sessions] == [True, False]
    cookie = client.cookies.get("resurface_session")
    assert cookie and cookie not in listed.text
    assert set(sessions[0]) == {
        "id", "started_at", "last_seen_at", "expires_at", "source", "user_agent", "current",
        "awaiting_code",
    }  # fmt: skip
    other = sessions[1]["id"]
    assert client.delete(f"/api/v1/me/sessions/{other}").status_code == 403  # no CSRF token
    ended = client.delete(f"/api/v1/me/sessions/{other}", headers={"X-CSRF-Token": csrf})
    assert ended.status_code == 204
    assert second_client.get("/api/v1/me").status_code == 401
    again = client.delete(f"/api/v1/me/sessions/{other}", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_signing_out_everywhere_else_keeps_this_session(
    client: TestClient, second_client: TestClient, north: SeededClinic, role: Role
) -> None:
    csrf = sign_in(client, north.usernames[role])
    sign_in(second_client, north.usernames[role])
    answer = client.delete("/api/v1/me/sessions", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 200 and answer.json() == {"ended": 1}
    assert second_client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me").status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_another_clinics_user_cannot_see_or_end_a_session(
    client: TestClient,
    second_client: TestClient,
    north: SeededClinic,
    south: SeededClinic,
    role: Role,
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    (mine,) = client.get("/api/v1/me/sessions").json()
    csrf = sign_in(second_client, south.usernames[role])
    theirs = second_client.get("/api/v1/me/sessions").json()
    assert mine["id"] not in {s["id"] for s in theirs}
    refused = second_client.delete(
        f"/api/v1/me/sessions/{mine['id']}", headers={"X-CSRF-Token": csrf}
    )
    assert refused.status_code == 404
    assert client.get("/api/v1/me").status_code == 200


def test_my_sessions_need_a_session(client: TestClient) -> None:
    assert client.get("/api/v1/me/sessions").status_code == 401
    assert client.delete("/api/v1/me/sessions").status_code == 401
    assert client.get("/account/sessions").status_code == 303


def test_a_malformed_session_id_is_named(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    answer = client.delete("/api/v1/me/sessions/not-an-id!", headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "session_id"


def test_the_sessions_page_signs_out_everywhere_else(
    client: TestClient, second_client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    sign_in(second_client, north.usernames[Role.CLINICIAN])
    page = client.get("/account/sessions")
    assert page.status_code == 200
    assert "(this browser)" in page.text and page.text.count('name="ref"') == 2
    done = client.post("/account/sessions/others/end", data={"csrf_token": csrf_of(page.text)})
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "Signed out everywhere else." in after and after.count('name="ref"') == 1
    assert second_client.get("/patients").status_code == 303


# --- a lost phone --------------------------------------------------------------------------------

WHO = ["admin", "clinician", "staff", "other clinic's admin", "other clinic's staff"]


def _user_id(runtime: Runtime, username: str) -> int:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(username)
    assert user is not None
    return user.id


def _factor_on(runtime: Runtime, user_id: int) -> bool:
    with runtime.context.uow() as uow:
        return uow.second_factors.get(user_id) is not None


@pytest.mark.parametrize("who", WHO)
def test_who_may_remove_a_colleagues_lost_second_factor(
    who: str,
    client: TestClient,
    second_client: TestClient,
    north: SeededClinic,
    south: SeededClinic,
    sqlite_runtime: Runtime,
) -> None:
    target = north.usernames[Role.STAFF if who == "clinician" else Role.CLINICIAN]  # not oneself
    sign_in(second_client, target)
    _enrol(second_client)
    target_id = _user_id(sqlite_runtime, target)
    clinic = south if who.startswith("other clinic's ") else north
    csrf = sign_in(client, clinic.usernames[Role(who.removeprefix("other clinic's "))])
    expected = {"admin": 200, "other clinic's admin": 404}.get(who, 403)
    api = client.post(
        f"/api/v1/users/{target_id}/second-factor-removal",
        json={"reason": "Phone lost on the train"},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == expected, api.text
    assert _factor_on(sqlite_runtime, target_id) is (expected != 200)
    if expected == 200:
        assert api.json()["sessions_ended"] == 1
        assert second_client.get("/patients").status_code == 303  # signed out at once
        again = client.post(
            f"/api/v1/users/{target_id}/second-factor-removal",
            json={"reason": "again"},
            headers={"X-CSRF-Token": csrf},
        )
        assert again.status_code == 409 and "has no second factor" in again.json()["detail"]
    else:
        assert api.headers["content-type"] == "application/problem+json"
        page = client.post(
            f"/admin/users/{target_id}/second-factor-removal",
            data={"csrf_token": csrf, "reason": "Phone lost"},
        )
        assert page.status_code == expected
        assert _factor_on(sqlite_runtime, target_id)


def test_the_medical_director_removes_a_lost_second_factor_from_the_users_page(
    client: TestClient, second_client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    target = north.usernames[Role.CLINICIAN]
    sign_in(second_client, target)
    _enrol(second_client)
    target_id = _user_id(sqlite_runtime, target)
    sign_in(client, north.usernames[Role.ADMIN])
    listed = client.get("/admin/users").text
    row = listed[listed.index(target) : listed.index("</tr>", listed.index(target))]
    assert "active, with a code" in row
    page = client.get(f"/admin/users/{target_id}")
    assert "signs in with a code from an authenticator app, on since" in page.text
    data = {"csrf_token": csrf_of(page.text), "reason": "   "}
    refused = client.post(f"/admin/users/{target_id}/second-factor-removal", data=data)
    assert refused.status_code == 422
    assert 'id="reason-error"' in refused.text and "say why it is removed" in refused.text
    with sqlite_runtime.context.uow() as uow:
        shown = uow.users.get(north.clinic.id, target_id)
    assert shown is not None and f'value="{shown.display_name}"' in refused.text  # form kept
    assert _factor_on(sqlite_runtime, target_id)
    data["reason"] = "Replaced her phone; old one wiped"
    done = client.post(f"/admin/users/{target_id}/second-factor-removal", data=data)
    assert done.status_code == 200
    assert "second factor is removed and 1 open session(s) of theirs were signed out" in done.text
    assert not _factor_on(sqlite_runtime, target_id)
    assert "signs in with a password only" in client.get(f"/admin/users/{target_id}").text
    # The user signs in with the password alone and may turn it on again with the new phone.
    second_client.cookies.clear()
    sign_in(second_client, target)
    _enrol(second_client)
    with sqlite_runtime.context.uow() as uow:
        removed = [
            e.entry for e in uow.audit.in_order() if e.entry.action == "second_factor_removed"
        ]
    assert len(removed) == 1 and removed[0].clinic_id == north.clinic.id
    assert "Replaced her phone; old one wiped" in removed[0].detail


def test_a_medical_director_cannot_remove_their_own_second_factor_without_a_code(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    _enrol(client)
    own = _user_id(sqlite_runtime, north.usernames[Role.ADMIN])
    refused = client.post(
        f"/api/v1/users/{own}/second-factor-removal",
        json={"reason": "lost"},
        headers={"X-CSRF-Token": csrf},
    )
    assert refused.status_code == 422 and "with a code from it" in refused.text
    assert _factor_on(sqlite_runtime, own)
