"""Signing in and out: passwords, waits after failures, session expiry, cookie flags, CSRF."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import update

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.storage.tables import sign_in_failures, web_sessions
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic


def _attempt(client: TestClient, username: str, password: str) -> tuple[int, str]:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(form.text)},
    )
    return response.status_code, response.text


def test_sign_in_sets_a_protected_session_cookie(client: TestClient, north: SeededClinic) -> None:
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": north.usernames[Role.CLINICIAN],
            "password": "correct horse battery",
            "csrf_token": csrf_of(form.text),
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = next(
        c for c in response.headers.get_list("set-cookie") if c.startswith("resurface_session=")
    )
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie
    page = client.get("/patients")
    assert page.status_code == 200 and "Tester-north" in page.text


def test_wrong_password_is_refused_with_a_clear_message(
    client: TestClient, north: SeededClinic
) -> None:
    status, text = _attempt(client, north.usernames[Role.CLINICIAN], "not the password")
    assert status == 401
    assert "Wrong user name or password" in text
    assert client.get("/patients").status_code == 303  # still not signed in


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: TestClient, north: SeededClinic
) -> None:
    status, text = _attempt(client, "nobody.here", "whatever password")
    assert status == 401 and "Wrong user name or password" in text


def test_repeated_failures_make_the_next_attempt_wait_but_never_lock_the_account(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    """Finding D7: five wrong passwords used to lock a real name (and only a real name)."""
    username = north.usernames[Role.CLINICIAN]
    known = [_attempt(client, username, f"guess {n}")[0] for n in range(6)]
    unknown = [_attempt(client, "nobody.here", f"guess {n}")[0] for n in range(6)]
    assert known == unknown == [401, 401, 401, 401, 401, 429]
    status, text = _attempt(client, username, "correct horse battery")
    assert status == 429
    assert "Too many failed sign-ins; wait " in text and "locked" not in text
    _, unknown_text = _attempt(client, "nobody.here", "whatever")
    assert _message(unknown_text) == _message(text)  # the same words, whether the name exists
    # The wait is over: the right password signs in.
    with sqlite_runtime.engine.begin() as connection:
        connection.execute(update(sign_in_failures).values(refused_until=None))
    assert _attempt(client, username, "correct horse battery")[0] == 303


def _message(html: str) -> str:
    """The error the page shows, with its number of seconds left out."""
    start = html.index('id="signin-error">')
    return re.sub(r"\d+", "N", html[start : html.index("</p>", start)])


def test_a_session_past_its_expiry_sends_the_user_back_to_sign_in(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    with sqlite_runtime.engine.begin() as connection:
        connection.execute(update(web_sessions).values(expires_at=past))
    page = client.get(f"/patients/{north.patient.id}")
    assert page.status_code == 303
    assert page.headers["location"].startswith(f"/login?next=/patients/{north.patient.id}")
    assert "expired=1" in page.headers["location"]
    assert "Your session has expired" in client.get(page.headers["location"]).text
    api = client.get("/api/v1/patients")
    assert api.status_code == 401
    assert api.headers["content-type"] == "application/problem+json"


def test_sign_out_ends_the_session(client: TestClient, north: SeededClinic) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.post("/logout", data={"csrf_token": csrf}).status_code == 303
    assert client.get("/api/v1/patients").status_code == 401


def test_forms_without_their_csrf_token_are_refused(
    client: TestClient, north: SeededClinic
) -> None:
    refused = client.post(
        "/login",
        data={"username": north.usernames[Role.CLINICIAN], "password": "correct horse battery"},
    )
    assert refused.status_code == 403
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/api/v1/me").status_code == 200  # still signed in


def test_after_sign_in_only_local_paths_are_followed(
    client: TestClient, north: SeededClinic
) -> None:
    form = client.get("/login?next=https://evil.example/")
    response = client.post(
        "/login",
        data={
            "username": north.usernames[Role.CLINICIAN],
            "password": "correct horse battery",
            "csrf_token": csrf_of(form.text),
            "next": "https://evil.example/",
        },
    )
    assert response.headers["location"] == "/"
