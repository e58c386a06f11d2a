"""The network edge of the real ``resurface serve`` (uvicorn in a subprocess): a forged
X-Forwarded-For from 127.0.0.1 changes neither the audited address nor the throttle's count
unless RESURFACE_TRUSTED_PROXIES names 127.0.0.1; the access log names routes, never tokens."""

from __future__ import annotations

from pathlib import Path

import httpx

from resurface import bootstrap
from resurface.domain.people import Role
from resurface.services import auth
from resurface.services.recovery import links
from resurface.services.recovery.link_limits import REFUSED_TOKENS
from tests.conftest import TEST_SECRET, make_settings
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.server import running_server

FORGED = "203.0.113.77"


def _seeded(data_dir: Path) -> tuple[dict[str, str], SeededClinic, str]:
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    try:
        north = seed_clinic(runtime.context.uow, "north")
        with runtime.context.uow() as uow:
            user = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert user is not None
        actor = auth.actor_of(user, "test")
        session_id = north.record_ids["session"]
        token = links.create_link(runtime.context, actor, north.patient.id, session_id).token
    finally:
        runtime.dispose()
    env = {
        "RESURFACE_ENVIRONMENT": "test",
        "RESURFACE_SECRET_KEY": TEST_SECRET,
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": url,
    }
    return env, north, token


def _page_sources(data_dir: Path, north: SeededClinic) -> list[str]:
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    runtime = bootstrap.build(make_settings(data_dir, url))
    try:
        with runtime.context.uow() as uow:
            events = uow.audit.for_patient(north.clinic.id, north.patient.id)
    finally:
        runtime.dispose()
    return [e.entry.source for e in events if e.entry.record_type == "recovery_page"]


def _bad(n: int) -> str:
    return f"{n:043d}"


def test_the_served_app_believes_no_forwarded_header_by_default(tmp_path: Path) -> None:
    env, north, token = _seeded(tmp_path)
    log = tmp_path / "server.log"
    with running_server(env, log) as base, httpx.Client(base_url=base, timeout=60) as http:
        forged = {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
        page = http.get(f"/r/{token}", headers=forged)
        assert page.status_code == 200
        assert "Strict-Transport-Security" not in page.headers  # plain HTTP, whatever it says
        assert len(page.headers["X-Request-ID"]) == 32
        codes = [
            http.get(
                f"/api/v1/recovery/{_bad(n)}", headers={"X-Forwarded-For": f"100.64.0.{n}"}
            ).status_code
            for n in range(REFUSED_TOKENS.most + 1)
        ]
        assert codes == [404] * REFUSED_TOKENS.most + [429]
        # The guesser is slowed down; the patient on the same address is not.
        assert http.get(f"/r/{token}").status_code == 200
        assert http.get(f"/api/v1/recovery/{token}").status_code == 200
    assert _page_sources(tmp_path, north) == ["127.0.0.1"] * 3  # page, page, API
    served = log.read_text()
    assert "GET /r/{token} 200 " in served and "GET /api/v1/recovery/{token} 429 " in served
    assert token not in served and _bad(1) not in served and FORGED not in served


def test_the_served_app_believes_a_proxy_named_in_the_setting(tmp_path: Path) -> None:
    env, north, token = _seeded(tmp_path)
    env["RESURFACE_TRUSTED_PROXIES"] = "127.0.0.1"
    with (
        running_server(env, tmp_path / "server.log") as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        proxied = {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
        page = http.get(f"/r/{token}", headers=proxied)
        assert page.status_code == 200
        assert page.headers["Strict-Transport-Security"] == "max-age=31536000"
        codes = {
            http.get(
                f"/api/v1/recovery/{_bad(n)}", headers={"X-Forwarded-For": f"100.64.0.{n}"}
            ).status_code
            for n in range(REFUSED_TOKENS.most + 1)
        }
        assert codes == {404}  # each client behind the proxy counts for itself
    assert _page_sources(tmp_path, north) == [FORGED]
