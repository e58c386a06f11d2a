"""With ``RESURFACE_REDIS_URL`` the limits live in Redis: two server processes (two apps on one
database and one Redis) count failed sign-ins and refused link tokens together, a restart keeps
the counts, and /healthz tells whether Redis answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from resurface import bootstrap
from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services.recovery.link_limits import REFUSED_TOKENS
from resurface.storage.tables import sign_in_failures, throttle_events
from resurface.web import create_app
from tests.conftest import make_settings
from tests.e2e.web.conftest import csrf_of
from tests.support.clinic import PASSWORD, SeededClinic, seed_clinic


def _app(sqlite_url: str, redis_url: str, data_dir: Path) -> tuple[Runtime, FastAPI]:
    runtime = bootstrap.build(make_settings(data_dir, sqlite_url, redis_url=redis_url))
    return runtime, create_app(runtime.settings, runtime)


@pytest.fixture
def processes(sqlite_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[Runtime]]:
    """Two runtimes standing for two server processes (or machines) behind one proxy."""
    settings = make_settings(tmp_path, sqlite_url, redis_url=redis_url)
    runtimes = [bootstrap.build(settings) for _ in range(2)]
    yield runtimes
    for runtime in runtimes:
        runtime.dispose()


def _client(runtime: Runtime) -> TestClient:
    app = create_app(runtime.settings, runtime)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def _attempt(client: TestClient, username: str, password: str) -> int:
    form = client.get("/login")
    data = {"username": username, "password": password, "csrf_token": csrf_of(form.text)}
    return client.post("/login", data=data).status_code


def _rows(runtime: Runtime) -> int:
    with runtime.engine.connect() as connection:
        return sum(
            connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (sign_in_failures, throttle_events)
        )


def test_failed_sign_ins_on_one_process_make_the_other_wait_and_survive_a_restart(
    processes: list[Runtime], sqlite_url: str, redis_url: str, tmp_path: Path
) -> None:
    north: SeededClinic = seed_clinic(processes[0].context.uow, "north")
    username = north.usernames[Role.CLINICIAN]
    with _client(processes[0]) as first, _client(processes[1]) as second:
        codes = [_attempt((first, second)[n % 2], username, f"guess {n}") for n in range(6)]
        assert codes == [401, 401, 401, 401, 401, 429]
        assert _attempt(second, username, PASSWORD) == 429
    assert _rows(processes[0]) == 0  # counted in Redis, not in the database
    restarted, app = _app(sqlite_url, redis_url, tmp_path)
    try:
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            assert _attempt(client, username, PASSWORD) == 429
    finally:
        restarted.dispose()


def test_refused_link_tokens_are_counted_across_processes(processes: list[Runtime]) -> None:
    seed_clinic(processes[0].context.uow, "north")
    with _client(processes[0]) as first, _client(processes[1]) as second:
        codes = [
            (first, second)[n % 2].get(f"/api/v1/recovery/{n:043d}").status_code
            for n in range(REFUSED_TOKENS.most + 2)
        ]
    assert codes[: REFUSED_TOKENS.most] == [404] * REFUSED_TOKENS.most
    assert codes[REFUSED_TOKENS.most :] == [429, 429]


def test_health_says_where_the_limits_are_kept_and_a_silent_redis_is_named(
    processes: list[Runtime], sqlite_url: str, tmp_path: Path
) -> None:
    with _client(processes[0]) as client:
        health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["limits"] == "reachable"
    gone, app = _app(sqlite_url, "redis://127.0.0.1:9/0", tmp_path)  # nothing listens on port 9
    try:
        with TestClient(app, base_url="https://testserver") as client:
            down = client.get("/healthz")
            assert down.status_code == 503
            assert down.json() | {"schema_revision": None} == {
                "status": "unavailable",
                "database": "reachable",
                "schema_revision": None,
                "limits": "unreachable",
                "photos": "files",
            }
            page = client.get("/login")
            data = {"username": "anyone", "password": "x" * 12, "csrf_token": csrf_of(page.text)}
            refused = client.post("/login", data=data)
            assert refused.status_code == 503
            assert "Redis that keeps the sign-in and link limits" in refused.text
            api = client.get(f"/api/v1/recovery/{0:043d}")
            assert api.status_code == 503
            assert api.headers["content-type"] == "application/problem+json"
    finally:
        gone.dispose()
