"""Passwords, resets, user names and emergency access over HTTP: pages and API, every new
endpoint tried by every role and by another clinic's user."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from resurface.bootstrap import Runtime
from resurface.domain.people import Role, User
from resurface.services.users import USERNAME_UNAVAILABLE
from resurface.storage.tables import users
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import PASSWORD, SeededClinic

PROBLEM = "application/problem+json"
NEW = "tangerine viaduct oboe"
REASON = "Patient collapsed at the desk; paramedics ask what was done"
TEMPORARY = re.compile(r'data-testid="temporary-password">([a-z0-9-]+)<')


def _user(runtime: Runtime, username: str) -> User:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(username)
    assert user is not None
    return user


def _signer(who: str, north: SeededClinic, south: SeededClinic) -> str:
    if who.startswith("other clinic's "):
        return south.usernames[Role(who.removeprefix("other clinic's "))]
    return north.usernames[Role(who)]


WHO = ["admin", "clinician", "staff", "other clinic's admin", "other clinic's staff"]


@pytest.mark.parametrize("who", WHO)
def test_who_may_reset_a_password(
    who: str, client: TestClient, north: SeededClinic, south: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, _signer(who, north, south))
    target = _user(sqlite_runtime, north.usernames[Role.CLINICIAN])
    expected = {"admin": 200, "other clinic's admin": 404}.get(who, 403)
    api = client.post(f"/api/v1/users/{target.id}/password-reset", headers={"X-CSRF-Token": csrf})
    assert api.status_code == expected, api.text
    if expected == 200:
        body = api.json()
        assert api.headers["cache-control"] == "no-store"
        assert body["user"]["must_change_password"] is True
        assert len(body["temporary_password"]) == 19
        assert dt.datetime.fromisoformat(body["valid_until"]) > dt.datetime.now(dt.UTC)
    else:
        assert api.headers["content-type"] == PROBLEM
    page = client.post(f"/admin/users/{target.id}/password-reset", data={"csrf_token": csrf})
    assert page.status_code == expected
    if expected == 200:
        assert TEMPORARY.search(page.text) and page.headers["cache-control"] == "no-store"
    assert _user(sqlite_runtime, target.username).must_change_password is (who == "admin")


@pytest.mark.parametrize("who", WHO)
def test_everyone_changes_their_own_password_and_only_their_own(
    who: str, client: TestClient, north: SeededClinic, south: SeededClinic, sqlite_runtime: Runtime
) -> None:
    username = _signer(who, north, south)
    csrf = sign_in(client, username)
    assert client.get("/account/password").status_code == 200
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW},
        headers={"X-CSRF-Token": csrf},
    )
    assert changed.status_code == 200 and changed.json() == {"other_sessions_ended": 0}
    assert client.get("/api/v1/me").status_code == 200  # this session stays
    client.cookies.clear()
    sign_in(client, username, NEW)
    for other in (north.usernames[Role.ADMIN], south.usernames[Role.STAFF]):
        if other != username:
            sign_in(client, other)  # nobody else's password changed


@pytest.mark.parametrize("who", WHO)
def test_who_may_open_a_chart_in_an_emergency(
    who: str, client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    csrf = sign_in(client, _signer(who, north, south))
    pid = north.patient.id
    # A director or clinician sees charts already: refused by role, before any lookup.
    expected = {"staff": 201, "other clinic's staff": 404}.get(who, 403)
    api = client.post(
        f"/api/v1/patients/{pid}/break-glass",
        json={"reason": REASON},
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == expected, api.text
    if expected != 201:
        assert api.headers["content-type"] == PROBLEM
    chart = client.get(f"/api/v1/patients/{pid}/chart")
    assert chart.status_code == {"other clinic's admin": 404, "other clinic's staff": 403}.get(
        who, 200
    )
    if who == "staff":
        assert chart.json()["emergency_access_until"] == api.json()["expires_at"]
        assert chart.json()["timeline"]
    page = client.get(f"/patients/{pid}/break-glass")
    assert page.status_code == {"staff": 200, "other clinic's staff": 404}.get(who, 303)


def test_a_reset_user_may_do_nothing_but_change_their_password(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    target = _user(sqlite_runtime, north.usernames[Role.CLINICIAN])
    reset = client.post(
        f"/api/v1/users/{target.id}/password-reset", headers={"X-CSRF-Token": csrf}
    ).json()
    client.cookies.clear()
    csrf = sign_in(client, target.username, reset["temporary_password"])
    home = client.get("/")
    assert (home.status_code, home.headers["location"]) == (303, "/account/password?required=1")
    listed = client.get("/api/v1/patients")
    assert listed.status_code == 403 and listed.headers["content-type"] == PROBLEM
    assert "your password was reset" in listed.json()["detail"]
    assert client.get("/api/v1/me").json()["must_change_password"] is True
    form = client.get("/account/password?required=1")
    assert "Temporary password" in form.text and 'href="/patients"' not in form.text
    refused = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": reset["temporary_password"],
            "new_password": reset["temporary_password"],
            "new_password_again": reset["temporary_password"],
        },
    )
    assert refused.status_code == 422 and "must differ from your current password" in refused.text
    done = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": reset["temporary_password"],
            "new_password": NEW,
            "new_password_again": NEW,
        },
    )
    assert done.status_code == 303
    assert client.get("/api/v1/patients").status_code == 200
    assert client.get("/").status_code == 200


def test_the_password_form_marks_every_problem_on_its_field(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.STAFF])
    refused = client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "current_password": "wrong",
            "new_password": "aaaaaaaaaaaaa",
            "new_password_again": "aaaaaaaaaaaab",
        },
    )
    assert refused.status_code == 422
    for field, message in (
        ("current_password", "is not your current password"),
        ("new_password", "is too easy to guess: Repeats like"),
        ("new_password_again", "does not match the new password"),
    ):
        assert f'id="{field}-error">{message}' in refused.text.replace("&#34;", '"'), field
        assert f'aria-describedby="{field}-error"' in refused.text
    assert "aaaaaaaaaaaaa" not in refused.text  # passwords are never sent back


def test_the_password_api_names_each_refused_field(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    header = {"X-CSRF-Token": csrf}
    refused = client.post(
        "/api/v1/me/password",
        json={"current_password": "wrong", "new_password": "short"},
        headers=header,
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["current_password", "new_password"]
    missing = client.post("/api/v1/me/password", json={"new_password": NEW}, headers=header)
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["current_password"]
    unchecked = client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW}
    )
    assert unchecked.status_code == 403  # no CSRF token


def test_changing_a_password_signs_out_the_users_other_browsers(
    sqlite_runtime: Runtime, client: TestClient, north: SeededClinic
) -> None:
    from resurface.web import create_app

    username = north.usernames[Role.CLINICIAN]
    app = create_app(sqlite_runtime.settings, sqlite_runtime)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as elsewhere:
        sign_in(elsewhere, username)
        csrf = sign_in(client, username)
        client.post(
            "/api/v1/me/password",
            json={"current_password": PASSWORD, "new_password": NEW},
            headers={"X-CSRF-Token": csrf},
        )
        assert elsewhere.get("/api/v1/me").status_code == 401
        assert client.get("/api/v1/me").status_code == 200


def test_another_clinics_user_name_is_refused_like_ones_own(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    answers = []
    for name in (north.usernames[Role.STAFF], south.usernames[Role.STAFF]):
        body = {"username": name, "display_name": "New", "role": "staff", "password": NEW}
        api = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf})
        page = client.post(
            "/admin/users",
            data={
                "csrf_token": csrf,
                "username": name,
                "display_name": "New",
                "role": "staff",
                "password": NEW,
            },
        )
        assert page.status_code == 422
        assert f'id="username-error">{USERNAME_UNAVAILABLE}' in page.text
        assert f'value="{name}"' in page.text  # the form comes back filled in
        answers.append((api.status_code, api.json()["errors"]))
    assert (
        answers[0] == answers[1] == (422, [{"field": "username", "message": USERNAME_UNAVAILABLE}])
    )


def test_the_front_desk_opens_a_chart_in_an_emergency_and_the_director_sees_it(
    client: TestClient, north: SeededClinic
) -> None:
    pid = north.patient.id
    csrf = sign_in(client, north.usernames[Role.STAFF])
    assert client.get(f"/patients/{pid}").status_code == 403
    details = client.get(f"/patients/{pid}/details")
    assert f'href="/patients/{pid}/break-glass"' in details.text
    short = client.post(
        f"/patients/{pid}/break-glass", data={"csrf_token": csrf, "reason": "help!"}
    )
    assert short.status_code == 422
    assert (
        'id="reason-error">say what the emergency is' in short.text
        and "help!</textarea>" in short.text
    )
    opened = client.post(
        f"/patients/{pid}/break-glass", data={"csrf_token": csrf, "reason": REASON}
    )
    assert (opened.status_code, opened.headers["location"]) == (303, f"/patients/{pid}")
    chart = client.get(f"/patients/{pid}")
    assert chart.status_code == 200
    assert "Emergency access, read-only" in chart.text and REASON in chart.text
    assert "Record session" not in chart.text and "<img" not in chart.text
    client.cookies.clear()
    sign_in(client, north.usernames[Role.ADMIN])
    today = client.get("/")
    assert "Emergency chart access this week" in today.text and REASON in today.text


@pytest.mark.parametrize("who", ["admin", "clinician", "staff"])
def test_the_director_sets_how_long_emergency_access_lasts(
    who: str, client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role(who)])
    header = {"X-CSRF-Token": csrf}
    bad = client.put(
        "/api/v1/clinic", json={"require_cosign": False, "break_glass_minutes": 999}, headers=header
    )
    page = client.post(
        "/admin/clinic/break-glass", data={"csrf_token": csrf, "break_glass_minutes": "ten"}
    )
    if who != "admin":
        assert (bad.status_code, page.status_code) == (403, 403)
        return
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "break_glass_minutes"
    assert page.status_code == 422
    assert 'id="break_glass_minutes-error">must be a whole number' in page.text
    assert 'value="ten"' in page.text
    saved = client.post(
        "/admin/clinic/break-glass", data={"csrf_token": csrf, "break_glass_minutes": "20"}
    )
    assert saved.status_code == 303
    assert client.get("/api/v1/clinic").json()["break_glass_minutes"] == 20


def test_an_expired_temporary_password_is_refused_by_name_and_shown_on_the_users_page(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    target = _user(sqlite_runtime, north.usernames[Role.CLINICIAN])
    page = client.post(f"/admin/users/{target.id}/password-reset", data={"csrf_token": csrf})
    temporary = TEMPORARY.search(page.text)
    assert temporary and "after that it no longer works" in page.text
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with sqlite_runtime.engine.begin() as connection:
        connection.execute(
            update(users).where(users.c.id == target.id).values(temporary_password_until=past)
        )
    shown = client.get(f"/admin/users/{target.id}")
    assert (
        "temporary password expired on" in shown.text and "reset the password again" in shown.text
    )
    client.cookies.clear()
    form = client.get("/login")
    data = {"username": target.username, "password": temporary.group(1)}
    refused = client.post("/login", data=data | {"csrf_token": csrf_of(form.text)})
    assert refused.status_code == 401
    assert "This temporary password has expired; ask your medical director" in refused.text
