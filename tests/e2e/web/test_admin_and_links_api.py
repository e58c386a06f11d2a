"""The API for what the admin and link pages do: users, clinic settings, recovery links."""

from __future__ import annotations

from fastapi.testclient import TestClient

from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


def test_an_admin_adds_a_user_and_sets_co_signature_through_the_api(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    new_user = {
        "username": "north.locum",
        "display_name": "Dr Locum",
        "role": "clinician",
        "password": "a long enough password",
    }
    assert client.post("/api/v1/users", json=new_user).status_code == 403  # no CSRF token
    added = client.post("/api/v1/users", json=new_user, headers={"X-CSRF-Token": csrf})
    assert added.status_code == 201 and added.json()["role"] == "clinician"
    again = client.post("/api/v1/users", json=new_user, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 422  # named on its field, like a name in another clinic
    assert again.json()["errors"] == [
        {"field": "username", "message": "this user name cannot be used; choose another"}
    ]
    names = [u["username"] for u in client.get("/api/v1/users").json()]
    assert "north.locum" in names
    changed = client.put(
        "/api/v1/clinic", json={"require_cosign": True}, headers={"X-CSRF-Token": csrf}
    )
    assert changed.json()["require_cosign"] is True
    assert client.get("/api/v1/clinic").json()["require_cosign"] is True


def test_the_users_api_names_every_refused_field_at_once(
    client: TestClient, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.ADMIN])
    bad = {"username": "Bad Name!", "display_name": " ", "role": "staff", "password": "short"}
    refused = client.post("/api/v1/users", json=bad, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    fields = [e["field"] for e in refused.json()["errors"]]
    assert fields == ["username", "display_name", "password"]


def test_clinicians_and_staff_cannot_administer_the_clinic(
    client: TestClient, north: SeededClinic
) -> None:
    for role in (Role.CLINICIAN, Role.STAFF):
        csrf = sign_in(client, north.usernames[role])
        assert client.get("/api/v1/users").status_code == 403
        refused = client.put(
            "/api/v1/clinic", json={"require_cosign": True}, headers={"X-CSRF-Token": csrf}
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"


def test_recovery_links_are_created_listed_and_revoked_through_the_api(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    path = f"/api/v1/patients/{north.patient.id}/sessions/{north.record_ids['session']}/links"
    created = client.post(path, headers={"X-CSRF-Token": csrf})
    assert created.status_code == 201
    url, link_id = created.json()["url"], created.json()["link"]["id"]
    token_path = url[url.index("/r/") :]
    assert client.get(token_path).status_code == 200
    listed = client.get(path).json()
    assert listed["active_url"] == url and listed["links"][0]["usable"] is True
    revoked = client.post(f"{path}/{link_id}/revoke", headers={"X-CSRF-Token": csrf})
    assert revoked.json()["usable"] is False
    assert client.get(token_path).status_code == 404
    assert client.get(path).json()["active_url"] is None
    foreign = f"/api/v1/patients/{south.patient.id}/sessions/{south.record_ids['session']}/links"
    assert client.get(foreign).status_code == 404
    assert client.post(foreign, headers={"X-CSRF-Token": csrf}).status_code == 404
