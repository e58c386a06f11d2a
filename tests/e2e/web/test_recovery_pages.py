"""The clinician's recovery page and alert actions over HTTP: charts against the expected course,
alerts urgent first, acknowledge/close with a note, version conflicts, and the clinic wall."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.alerts import ClinicAlert
from resurface.domain.codes import AlertCode, Urgency
from resurface.domain.people import Role
from resurface.services import auth
from resurface.services.recovery import checkins, links
from tests.e2e.web.conftest import csrf_of, sign_in
from tests.support.clinic import SeededClinic


def add_alert(
    runtime: Runtime, clinic: SeededClinic, code: AlertCode, urgency: Urgency, day: int
) -> ClinicAlert:
    with runtime.context.uow() as uow:
        alert = uow.alerts.add(
            ClinicAlert(
                0,
                clinic.clinic.id,
                clinic.patient.id,
                clinic.record_ids["session"],
                code,
                urgency,
                day,
                f"{code.value} seen on day {day}",
                "Please call the clinic.",
                dt.datetime.now(dt.UTC),
            )
        )
        uow.commit()
    return alert


def test_recovery_page_plots_each_score_against_its_band(
    client: TestClient, north: SeededClinic
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}/recovery")
    assert page.status_code == 200
    html = page.text
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="score-chart"') == 5
    for score in ("Redness", "Swelling", "Irritation", "Pain", "Itch"):
        assert f"<figcaption>{score}" in html
    assert html.count('class="band"') == 5
    # The seeded check-in (day 3) reported a fever: marked on every chart and in the table.
    assert html.count("<title>day 3: fever</title>") == 5
    assert "fractional ablative CO₂ (10,600 nm)" in html
    assert "today is day 5" in html


def test_alerts_are_listed_urgent_first(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    add_alert(sqlite_runtime, north, AlertCode.PROLONGED_ERYTHEMA, Urgency.ROUTINE, 3)
    add_alert(sqlite_runtime, north, AlertCode.POSSIBLE_INFECTION, Urgency.URGENT, 3)
    add_alert(sqlite_runtime, north, AlertCode.POSSIBLE_PIH, Urgency.SOON, 3)
    sign_in(client, north.usernames[Role.CLINICIAN])
    html = client.get(f"/patients/{north.patient.id}/recovery").text
    order = [
        html.index(f"{code} seen")
        for code in ("possible_infection", "possible_pih", "prolonged_erythema")
    ]
    assert order == sorted(order)
    api = client.get("/api/v1/alerts", params={"per_page": 2}).json()
    assert [a["urgency"] for a in api["items"]] == ["urgent", "soon"]
    assert api["total"] == 3 and api["pages"] == 2
    assert api["items"][0]["patient_name"] == north.patient.full_name


def test_acknowledge_and_close_with_a_note(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    alert = add_alert(sqlite_runtime, north, AlertCode.POSSIBLE_INFECTION, Urgency.URGENT, 3)
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}/recovery")
    form = {"csrf_token": csrf_of(page.text), "patient_id": str(north.patient.id), "version": "1"}
    done = client.post(
        f"/alerts/{alert.id}/acknowledge", data=form | {"note": "Called; swab booked"}
    )
    assert done.status_code == 303
    html = client.get(done.headers["location"]).text
    assert "Acknowledged by clinician of north: Called; swab booked" in html
    assert f'action="/alerts/{alert.id}/acknowledge"' not in html
    closed = client.post(
        f"/alerts/{alert.id}/close", data=form | {"version": "2", "note": "Swab clear"}
    )
    assert closed.status_code == 303
    html = client.get(f"/patients/{north.patient.id}/recovery").text
    assert "No open alerts." in html and "1 closed alert" in html
    with sqlite_runtime.context.uow() as uow:
        actions = [e.entry.action for e in uow.audit.for_patient(north.clinic.id, north.patient.id)]
    assert "alert_acknowledged" in actions and "alert_closed" in actions


def test_missing_note_and_stale_version_keep_what_was_typed(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    alert = add_alert(sqlite_runtime, north, AlertCode.POSSIBLE_HSV, Urgency.URGENT, 2)
    sign_in(client, north.usernames[Role.CLINICIAN])
    page = client.get(f"/patients/{north.patient.id}/recovery")
    form = {"csrf_token": csrf_of(page.text), "patient_id": str(north.patient.id), "version": "1"}
    empty = client.post(f"/alerts/{alert.id}/acknowledge", data=form | {"note": "   "})
    assert empty.status_code == 422
    assert re.search(
        r'class="field-error" id="note-acknowledge-\d+-error">say what was done', empty.text
    )
    stale = client.post(
        f"/alerts/{alert.id}/acknowledge",
        data=form | {"version": "7", "note": "Antivirals started"},
    )
    assert stale.status_code == 409
    assert "changed by someone else" in stale.text
    assert ">Antivirals started</textarea>" in stale.text
    with sqlite_runtime.context.uow() as uow:
        unchanged = uow.alerts.get(north.clinic.id, alert.id)
    assert unchanged is not None and unchanged.status.value == "open"


def test_api_acknowledge_close_conflict_and_field_errors(
    client: TestClient, north: SeededClinic, sqlite_runtime: Runtime
) -> None:
    alert = add_alert(sqlite_runtime, north, AlertCode.DELAYED_HEALING, Urgency.SOON, 11)
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    headers = {"X-CSRF-Token": csrf}
    url = f"/api/v1/alerts/{alert.id}"
    missing = client.post(f"{url}/acknowledge", json={"version": 1, "note": ""}, headers=headers)
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert missing.json()["errors"][0]["field"] == "note"
    no_csrf = client.post(f"{url}/acknowledge", json={"version": 1, "note": "seen"})
    assert no_csrf.status_code == 403
    ok = client.post(f"{url}/acknowledge", json={"version": 1, "note": "seen"}, headers=headers)
    assert ok.status_code == 200 and ok.json()["status"] == "acknowledged"
    assert ok.json()["version"] == 2
    stale = client.post(f"{url}/close", json={"version": 1, "note": "healed"}, headers=headers)
    assert stale.status_code == 409
    closed = client.post(f"{url}/close", json={"version": 2, "note": "healed"}, headers=headers)
    assert closed.json()["status"] == "closed"
    again = client.post(f"{url}/close", json={"version": 3, "note": "again"}, headers=headers)
    assert again.status_code == 409
    assert client.get("/api/v1/alerts").json()["total"] == 0
    assert client.get("/api/v1/alerts", params={"status": "closed"}).json()["total"] == 1
    recovery = client.get(f"/api/v1/patients/{north.patient.id}/recovery").json()
    redness = next(s for s in recovery["series"] if s["score"] == "redness")
    assert redness["readings"][0]["day"] == 3 and redness["readings"][0]["value"] == 6
    assert len(redness["expected"]) == recovery["days_shown"] + 1
    assert recovery["red_flags"] == [{"day": 3, "flags": ["fever"]}]


def test_another_clinic_gets_404_everywhere(
    client: TestClient, north: SeededClinic, south: SeededClinic, sqlite_runtime: Runtime
) -> None:
    alert = add_alert(sqlite_runtime, north, AlertCode.POSSIBLE_INFECTION, Urgency.URGENT, 3)
    csrf = sign_in(client, south.usernames[Role.CLINICIAN])
    assert client.get(f"/patients/{north.patient.id}/recovery").status_code == 404
    assert client.get(f"/api/v1/patients/{north.patient.id}/recovery").status_code == 404
    form = {"csrf_token": csrf, "patient_id": str(south.patient.id), "version": "1", "note": "x"}
    assert client.post(f"/alerts/{alert.id}/acknowledge", data=form).status_code == 404
    assert client.post(f"/alerts/{alert.id}/close", data=form).status_code == 404
    body = {"version": 1, "note": "x"}
    headers = {"X-CSRF-Token": csrf}
    for action in ("acknowledge", "close"):
        response = client.post(f"/api/v1/alerts/{alert.id}/{action}", json=body, headers=headers)
        assert response.status_code == 404
    assert client.get("/api/v1/alerts").json()["total"] == 0
    sessions = north.record_ids["session"]
    own = client.get(f"/patients/{south.patient.id}/recovery", params={"session_id": sessions})
    assert own.status_code == 404


def test_staff_may_not_see_recovery(client: TestClient, north: SeededClinic) -> None:
    sign_in(client, north.usernames[Role.STAFF])
    assert client.get(f"/patients/{north.patient.id}/recovery").status_code == 403
    assert client.get(f"/api/v1/patients/{north.patient.id}/recovery").status_code == 403
    assert client.get("/api/v1/alerts").status_code == 403


def test_an_open_alert_is_on_the_chart_and_the_recovery_page_with_the_patients_words(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    with sqlite_runtime.context.uow() as uow:
        uow.patients.update(replace(north.patient, phone="+44 20 7946 0000"))
        uow.commit()
    ctx = sqlite_runtime.context
    with ctx.uow() as uow:
        user = uow.users.by_username(north.usernames[Role.CLINICIAN])
    assert user is not None
    issued = links.create_link(
        ctx, auth.actor_of(user, "t"), north.patient.id, north.record_ids["session"]
    )
    note = "Yellow crust on the upper lip this evening, and I feel hot."
    answers = checkins.Answers(
        scores={"redness": 6, "swelling": 4, "irritation": 4, "pain": 6, "itch": 1},
        red_flags=["yellow_crust_or_pus", "fever"],
        note=note,
    )
    checkins.submit_checkin(ctx, issued.token, answers, source="test")

    sign_in(client, north.usernames[Role.CLINICIAN])
    chart = client.get(f"/patients/{north.patient.id}").text
    assert "open alert" in chart and note in chart and "+44 20 7946 0000" in chart
    assert f'href="/patients/{north.patient.id}/recovery#alert-' in chart
    recovery = client.get(f"/patients/{north.patient.id}/recovery").text
    card = recovery.split('class="card alert alert-open"', 1)[1].split("</article>", 1)[0]
    assert note in card and 'href="tel:+442079460000"' in card
