"""The real app over HTTP (FastAPI's TestClient), on a migrated SQLite database."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
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
