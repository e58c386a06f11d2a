"""The whole lists behind Today's first few, over HTTP: the clinic's alerts (clinical), and who
is due for a check-in or a session (the front desk too), a page at a time; each read audited,
nothing of another clinic, a bad address answered with what is wrong."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from resurface.domain.people import Patient, Role
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic


def _section(html: str) -> str:
    return html[html.index("<main") :]


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.ADMIN])
def test_the_clinical_roles_see_every_open_alert_most_pressing_first(
    client: TestClient, north: SeededClinic, day: dict[str, Patient], role: Role
) -> None:
    sign_in(client, north.usernames[role])
    assert '<a href="/alerts">Alerts</a>' in client.get("/").text  # in the main navigation
    html = _section(client.get("/alerts").text)
    assert "2 alerts, the most pressing first" in html
    assert html.index("possible infection") < html.index("prolonged erythema")
    assert html.count(f'href="/patients/{north.patient.id}/recovery?session_id=') == 2
    assert "Robin Tester-north" in html and "day 4 after the session" in html
    closed = _section(client.get("/alerts?status=closed").text)
    assert "No alerts." in closed and "0 alerts" not in closed
    assert '<option value="closed" selected>' in closed


def test_the_front_desk_is_refused_the_alerts_and_told_why(
    client: TestClient, north: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    assert 'href="/alerts"' not in client.get("/").text
    refused = client.get("/alerts")
    assert refused.status_code == 403
    assert "see the clinical chart" in refused.text and "possible infection" not in refused.text


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_who_is_due_with_what_it_may_open(
    client: TestClient, north: SeededClinic, day: dict[str, Patient], role: Role
) -> None:
    sign_in(client, north.usernames[role])
    checkins = _section(client.get("/due/checkins").text)
    assert "1 patient with a check-in due by today" in checkins
    assert "Robin Tester-north" in checkins and "1 day late" in checkins
    sessions = _section(client.get("/due/sessions").text)
    assert "Alex Patel" in sessions
    assert "Sam Patel" not in sessions  # booked today: Today lists it with the day's sessions
    assert "Kim Patel" not in sessions  # in 10 days: beyond the week
    robin = north.patient.id
    if role is Role.STAFF:  # names and dates, and the details the front desk keeps
        assert f'href="/patients/{robin}/details"' in checkins and "/recovery" not in checkins
    else:
        assert f'href="/patients/{robin}/recovery"' in checkins


def test_another_clinic_sees_none_of_the_lists(
    client: TestClient, north: SeededClinic, south: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, south.usernames[Role.CLINICIAN])
    for path in ("/alerts", "/due/checkins", "/due/sessions"):
        html = _section(client.get(path).text)
        assert "Patel" not in html and "Tester-north" not in html, path
    assert "No check-ins due." in client.get("/due/checkins").text
    assert "No alerts." in client.get("/alerts").text


def test_each_read_of_a_list_is_audited_with_who_and_which_page(
    client: TestClient, north: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    client.get("/due/sessions?page=1")
    client.get("/due/checkins?page=2")
    sign_in(client, north.usernames[Role.ADMIN])
    client.get("/alerts?status=open")
    events = client.get("/api/v1/audit/events", params={"per_page": 200}).json()["items"]
    seen = [
        (e["action"], e["user_id"] is not None, e["detail"])
        for e in events
        if e["action"] in ("due_list_read", "alert_list")
    ]
    assert sorted(seen) == [
        ("alert_list", True, "status=open page=1"),
        ("due_list_read", True, "checkins page=2"),
        ("due_list_read", True, "sessions page=1"),
    ]


def test_a_page_past_the_end_says_how_long_the_list_is(
    client: TestClient, north: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    html = client.get("/due/checkins?page=4").text
    assert "There is no page 4 of this list: it has 1 page." in html
    assert 'href="/due/checkins?page=1">Show page 1</a>' in html
    alerts = client.get("/alerts?page=3").text
    assert "There is no page 3 of this list: it has 1 page." in alerts


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/alerts?status=everything", "Status: must be one of open, acknowledged, closed."),
        ("/alerts?page=0", "Page: is too small."),
        ("/due/checkins?page=0", "Page: is too small."),
        ("/due/soon", "Which: must be &#39;checkins&#39; or &#39;sessions&#39;."),
    ],
)
def test_a_bad_address_is_answered_with_what_is_wrong(
    client: TestClient, north: SeededClinic, path: str, message: str
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    response = client.get(path)
    assert response.status_code == 422, path
    assert message in response.text


def test_the_lists_need_sign_in(client: TestClient) -> None:
    for path in ("/alerts", "/due/checkins", "/due/sessions"):
        response = client.get(path)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


@pytest.mark.parametrize("role", list(Role))
def test_the_api_gives_the_same_lists_a_page_at_a_time(
    client: TestClient, north: SeededClinic, day: dict[str, Patient], role: Role
) -> None:
    sign_in(client, north.usernames[role])
    checkins = client.get("/api/v1/due/checkins").json()
    assert [i["patient_name"] for i in checkins["items"]] == ["Robin Tester-north"]
    assert (checkins["total"], checkins["page"], checkins["pages"]) == (1, 1, 1)
    sessions = client.get("/api/v1/due/sessions", params={"per_page": 1}).json()
    assert [i["patient_name"] for i in sessions["items"]] == ["Alex Patel"]
    past = client.get("/api/v1/due/sessions", params={"page": 9}).json()
    assert (past["items"], past["total"]) == ([], 1)
    home = client.get("/api/v1/home").json()
    assert home["checkins_due"] == checkins["items"]
    alerts = client.get("/api/v1/alerts", params={"per_page": 1, "page": 2})
    if role is Role.STAFF:
        assert alerts.status_code == 403
    else:
        assert [a["urgency"] for a in alerts.json()["items"]] == ["routine"]
        assert alerts.json()["total"] == 2


def test_the_api_names_a_list_it_does_not_have(client: TestClient, north: SeededClinic) -> None:
    assert client.get("/api/v1/due/checkins").status_code == 401
    sign_in(client, north.usernames[Role.CLINICIAN])
    response = client.get("/api/v1/due/soon")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "which" in response.text


def test_another_clinic_gets_empty_lists_from_the_api(
    client: TestClient, north: SeededClinic, south: SeededClinic, day: dict[str, Patient]
) -> None:
    sign_in(client, south.usernames[Role.CLINICIAN])
    for which in ("checkins", "sessions"):
        assert client.get(f"/api/v1/due/{which}").json()["items"] == []
    assert client.get("/api/v1/alerts").json()["items"] == []
