"""Bodies a client should never send are refused with a problem, never a 500 and never parsed
at length: too large (before parsing), deeply nested, not JSON, booleans for numbers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_patient_recovery import SCORES, hand_over_link
from tests.support.clinic import SeededClinic


def _post(client: TestClient, csrf: str, url: str, content: bytes) -> tuple[int, str]:
    response = client.post(
        url, content=content, headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    )
    return response.status_code, response.headers.get("content-type", "")


def test_a_body_over_the_cap_is_refused_before_it_is_parsed(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    huge = b'{"given_name": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    status, kind = _post(client, csrf, "/api/v1/patients", huge)
    assert (status, kind) == (413, "application/problem+json")


def test_a_streamed_body_without_a_length_is_cut_off_at_the_cap(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])

    def chunks():  # type: ignore[no-untyped-def]
        yield b'{"given_name": "'
        for _ in range(64):
            yield b"a" * 65536
        yield b'"}'

    response = client.post(
        "/api/v1/patients",
        content=chunks(),
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_deeply_nested_and_broken_json_are_invalid_input(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    for content in (b"[" * 100_000 + b"]" * 100_000, b'{"given_name": ', b"\xff\xfe", b"null"):
        status, kind = _post(client, csrf, "/api/v1/patients", content)
        assert status in (400, 413, 422), (content[:20], status)
        assert kind == "application/problem+json"


def test_a_method_the_route_does_not_take_says_which_it_does(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    refused = client.delete("/api/v1/patients")
    assert refused.status_code == 405
    assert refused.headers["content-type"] == "application/problem+json"
    assert set(refused.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    page = client.put(f"/patients/{north.patient.id}")
    assert page.status_code == 405 and "GET" in page.headers["allow"]


def test_booleans_are_not_numbers_and_a_number_is_not_a_date(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": csrf}
    born_at_zero = client.post(
        "/api/v1/patients",
        json={"given_name": "A", "family_name": "B", "date_of_birth": 0, "sex": "female"},
        headers=headers,
    )
    assert born_at_zero.status_code == 422
    assert born_at_zero.json()["errors"][0]["field"] == "date_of_birth"
    rated = client.post(
        f"/api/v1/patients/{north.patient.id}/outcomes", json={"value": True}, headers=headers
    )
    assert rated.status_code == 422 and rated.json()["errors"][0]["field"] == "value"


def test_a_checkin_score_of_true_is_refused_not_stored_as_1(
    client: TestClient, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form_token = client.get(f"/api/v1/recovery/{token}").json()["form_token"]
    scores: dict[str, object] = dict.fromkeys(SCORES, 2) | {"pain": True}
    sent = client.post(
        f"/api/v1/recovery/{token}/checkins",
        json={"scores": scores},
        headers={"X-CSRF-Token": form_token},
    )
    assert sent.status_code == 422 and sent.json()["errors"][0]["field"] == "scores.pain"
