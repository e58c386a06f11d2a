"""The network edge over HTTP (TestClient): patients behind one address are not locked out by
bad tokens, proxy headers are believed only from configured proxies, HSTS over HTTPS, request
ids on every answer, and an access log that names routes, never tokens or queries."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.config import Environment
from resurface.domain.people import Role
from resurface.services.recovery.link_limits import REFUSED_TOKENS
from resurface.web import create_app
from resurface.web.access_log import REQUEST_ID_HEADER
from tests.conftest import make_settings
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_patient_recovery import hand_over_link
from tests.support.clinic import SeededClinic

FORGED = "203.0.113.77"


def _bad(n: int) -> str:
    return f"{n:043d}"


def _client(app: FastAPI, *, peer: str = "testclient", https: bool = True) -> TestClient:
    base = "https://testserver" if https else "http://testserver"
    return TestClient(app, base_url=base, follow_redirects=False, client=(peer, 50000))


def _audit_sources(runtime: Runtime, clinic: SeededClinic) -> list[str]:
    with runtime.context.uow() as uow:
        events = uow.audit.for_patient(clinic.clinic.id, clinic.patient.id)
    return [e.entry.source for e in events if e.entry.record_type == "recovery_page"]


# --- finding D6: bad tokens from one address never lock out a patient's working link -----------


def test_a_working_link_opens_after_its_address_sent_many_bad_tokens(
    client: TestClient, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    codes = [client.get(f"/api/v1/recovery/{_bad(n)}").status_code for n in range(40)]
    assert codes[: REFUSED_TOKENS.most] == [404] * REFUSED_TOKENS.most
    assert set(codes[REFUSED_TOKENS.most :]) == {429}  # the guesser is slowed down
    refused = client.get(f"/r/{_bad(99)}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # The patient behind the same address (a clinic's Wi-Fi, a carrier's NAT) still gets in.
    assert client.get(f"/api/v1/recovery/{token}").status_code == 200
    page = client.get(f"/r/{token}")
    assert page.status_code == 200 and "csrf_token" in page.text


# --- finding D5: proxy headers only from configured proxies -----------------------------------


def test_a_forged_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
    sqlite_runtime: Runtime, north: SeededClinic, tmp_path: Path
) -> None:
    untrusted = _client(create_app(sqlite_runtime.settings, sqlite_runtime), peer="127.0.0.1")
    with untrusted:
        token = hand_over_link(untrusted, north, north.record_ids["session"])
        forged = {"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
        assert untrusted.get(f"/r/{token}", headers=forged).status_code == 200
        codes = [
            untrusted.get(
                f"/api/v1/recovery/{_bad(n)}", headers={"X-Forwarded-For": f"100.64.0.{n}"}
            ).status_code
            for n in range(REFUSED_TOKENS.most + 1)
        ]
    assert _audit_sources(sqlite_runtime, north) == ["127.0.0.1"]
    assert codes[-1] == 429  # rotating the header does not escape the limit

    settings = make_settings(
        tmp_path, sqlite_runtime.settings.database_url, trusted_proxies="127.0.0.0/8, 10.0.0.1"
    )
    proxied = _client(create_app(settings, sqlite_runtime), peer="127.0.0.1", https=False)
    with proxied:
        # Behind the proxy the client's address and scheme are the ones the proxy states.
        answer = proxied.get(
            f"/r/{token}", headers={"X-Forwarded-For": FORGED, "X-Forwarded-Proto": "https"}
        )
        assert answer.status_code == 200
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
        elsewhere = proxied.get(
            f"/api/v1/recovery/{_bad(1)}", headers={"X-Forwarded-For": "100.64.1.1"}
        )
        assert elsewhere.status_code == 404  # another client: its own count
    assert _audit_sources(sqlite_runtime, north) == ["127.0.0.1", FORGED]


def test_a_peer_that_is_not_a_trusted_proxy_cannot_forge_even_when_proxies_are_set(
    sqlite_runtime: Runtime, north: SeededClinic, tmp_path: Path
) -> None:
    settings = make_settings(
        tmp_path, sqlite_runtime.settings.database_url, trusted_proxies="10.0.0.1"
    )
    with _client(create_app(settings, sqlite_runtime), peer="192.0.2.9") as outsider:
        token = hand_over_link(outsider, north, north.record_ids["session"])
        assert outsider.get(f"/r/{token}", headers={"X-Forwarded-For": FORGED}).status_code == 200
    assert _audit_sources(sqlite_runtime, north) == ["192.0.2.9"]


# --- finding §5/8: HSTS when served over HTTPS outside development ----------------------------


def test_hsts_is_sent_over_https_outside_development_only(
    sqlite_runtime: Runtime, tmp_path: Path
) -> None:
    with _client(create_app(sqlite_runtime.settings, sqlite_runtime)) as https:
        assert https.get("/login").headers["Strict-Transport-Security"] == "max-age=31536000"
    with _client(create_app(sqlite_runtime.settings, sqlite_runtime), https=False) as http:
        assert "Strict-Transport-Security" not in http.get("/login").headers
    development = make_settings(
        tmp_path, sqlite_runtime.settings.database_url, environment=Environment.DEVELOPMENT
    )
    with _client(create_app(development, sqlite_runtime)) as local:
        assert "Strict-Transport-Security" not in local.get("/login").headers


# --- finding §5/8: request ids and the access log ---------------------------------------------


@pytest.fixture
def access_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO, logger="resurface")
    return caplog


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "resurface.access"]


def test_every_answer_carries_a_request_id_and_keeps_a_sane_incoming_one(
    client: TestClient,
) -> None:
    generated = client.get("/login").headers[REQUEST_ID_HEADER]
    assert len(generated) == 32 and generated != client.get("/login").headers[REQUEST_ID_HEADER]
    kept = client.get("/healthz", headers={REQUEST_ID_HEADER: "lb-7f3a9c21.42"})
    assert kept.headers[REQUEST_ID_HEADER] == "lb-7f3a9c21.42"
    for insane in ("short", "with space in it", "x" * 200, "line\tbreak-1234567"):
        answer = client.get("/healthz", headers={REQUEST_ID_HEADER: insane})
        assert answer.headers[REQUEST_ID_HEADER] != insane
    assert REQUEST_ID_HEADER in client.get("/nowhere/at/all").headers
    assert REQUEST_ID_HEADER in client.get("/static/resurface.css").headers


def test_the_access_log_names_route_templates_and_users_never_tokens_or_queries(
    client: TestClient, north: SeededClinic, access_log: pytest.LogCaptureFixture
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    access_log.clear()
    page = client.get(f"/r/{token}?sent=1")
    client.get(f"/api/v1/recovery/{token}")
    client.get(f"/api/v1/recovery/{_bad(1)}")
    client.get(f"/r/{token}/no-such-page")
    sign_in(client, north.usernames[Role.CLINICIAN])
    chart = client.get(f"/patients/{north.patient.id}", params={"q": north.patient.family_name})
    lines = _lines(access_log)
    request_id = page.headers[REQUEST_ID_HEADER]
    assert any(
        line.startswith("GET /r/{token} 200 ") and line.endswith(f"user=- request={request_id}")
        for line in lines
    ), lines
    assert any(line.startswith("GET /api/v1/recovery/{token} 200 ") for line in lines)
    assert any(line.startswith("GET /api/v1/recovery/{token} 404 ") for line in lines)
    assert any(line.startswith("GET (no route) 404 ") for line in lines)
    with client.app.state.runtime.context.uow() as uow:  # type: ignore[attr-defined]
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert clinician is not None
    chart_line = next(line for line in lines if chart.headers[REQUEST_ID_HEADER] in line)
    assert chart_line.startswith("GET /patients/{patient_id} ")
    assert f"user={clinician.id} " in chart_line
    everything = "\n".join(r.getMessage() for r in access_log.records)
    for secret in (token, _bad(1), north.patient.family_name, "sent=1", "?"):
        assert secret not in everything


def _boom() -> None:
    raise RuntimeError("the database fell over")


def test_an_unhandled_error_is_logged_with_its_request_id_and_shown_to_quote(
    sqlite_runtime: Runtime, access_log: pytest.LogCaptureFixture
) -> None:
    app = create_app(sqlite_runtime.settings, sqlite_runtime)
    app.add_api_route("/api/v1/boom", _boom)
    app.add_api_route("/boom", _boom)
    with _client(app) as client:
        api = client.get("/api/v1/boom", headers={REQUEST_ID_HEADER: "support-ticket-0042"})
        page = client.get("/boom")
    assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"
    assert api.headers[REQUEST_ID_HEADER] == "support-ticket-0042"
    assert api.json()["request_id"] == "support-ticket-0042"
    assert "the database fell over" not in api.text
    page_id = page.headers[REQUEST_ID_HEADER]
    assert page.status_code == 500 and page_id in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert "the database fell over" not in page.text
    failures = [r for r in access_log.records if r.name == "resurface.errors"]
    assert [r.exc_info is not None for r in failures] == [True, True]
    assert "support-ticket-0042" in failures[0].getMessage()
    assert page_id in failures[1].getMessage()
    assert any(line.startswith("GET /boom 500 ") for line in _lines(access_log))
