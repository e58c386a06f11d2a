"""The patient's recovery link over HTTP: handing it over, refusing bad tokens alike, throttling,
a normal course with no alerts, and an infection sign that reaches the clinic by e-mail."""

from __future__ import annotations

import datetime as dt
import email
import io
import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from PIL import Image

from resurface.bootstrap import Runtime
from resurface.domain.appointments import Appointment, AppointmentKind, AppointmentStatus
from resurface.domain.chart import AreaSettings, TreatmentSession
from resurface.domain.codes import AlertCode, Area, Modality, Score, Urgency
from resurface.domain.links import RecoveryLink
from resurface.domain.messages import NotificationKind, NotificationStatus
from resurface.domain.people import Role
from resurface.domain.recovery import expected_course
from resurface.mail import SmtpMailer, SmtpSettings
from resurface.services.recovery import links, outbox
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import SeededClinic

TOKEN_IN_PAGE = re.compile(r"/r/([A-Za-z0-9_-]{20,})")
SCORES = [score.value for score in Score]


# --- helpers ------------------------------------------------------------------------------------


def add_session(
    runtime: Runtime, clinic: SeededClinic, days_ago: int, modality: Modality, area: Area
) -> TreatmentSession:
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(clinic.usernames[Role.CLINICIAN])
        assert clinician is not None
        session = uow.charts.add_session(
            TreatmentSession(
                0,
                clinic.clinic.id,
                clinic.patient.id,
                clinician.id,
                runtime.context.clock.today() - dt.timedelta(days=days_ago),
                "Test laser",
                areas=(AreaSettings(area, modality, modality.wavelength_nm),),
            )
        )
        uow.commit()
    return session


def hand_over_link(client: TestClient, clinic: SeededClinic, session_id: int) -> str:
    """The clinician creates a link on the clinic page; the token as printed on the hand-out."""
    csrf = sign_in(client, clinic.usernames[Role.CLINICIAN])
    base = f"/patients/{clinic.patient.id}/sessions/{session_id}/link"
    created = client.post(base, data={"csrf_token": csrf})
    assert created.status_code == 303
    page = client.get(base)
    assert page.status_code == 200
    match = TOKEN_IN_PAGE.search(page.text)
    assert match, "the hand-out shows no link"
    client.cookies.clear()  # the patient has no clinic session
    return match.group(1)


def form_of(page_html: str) -> dict[str, str]:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    date = re.search(r'name="date" value="([^"]+)"', page_html)
    assert csrf and date
    return {"csrf_token": csrf.group(1), "date": date.group(1)}


def scores(**values: int) -> dict[str, str]:
    base = dict.fromkeys(SCORES, 0) | values
    return {name: str(value) for name, value in base.items()}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


# --- the link -----------------------------------------------------------------------------------


def test_the_clinic_hands_over_a_link_and_qr_that_opens_only_the_recovery_page(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    session_id = north.record_ids["session"]
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    base = f"/patients/{north.patient.id}/sessions/{session_id}/link"
    empty = client.get(base)
    assert "No working link" in empty.text
    assert client.post(base, data={"csrf_token": csrf}).status_code == 303
    page = client.get(base)
    assert "<svg" in page.text and 'class="segno"' in page.text  # the QR code, drawn locally
    public = sqlite_runtime.settings.public_url.rstrip("/")
    assert f"{public}/r/" in page.text
    token = TOKEN_IN_PAGE.search(page.text)
    assert token is not None
    client.cookies.clear()

    patient_page = client.get(f"/r/{token.group(1)}")
    assert patient_page.status_code == 200
    assert "How is your skin today?" in patient_page.text
    assert "What to do today (day 5)" in patient_page.text
    # Nothing else of the record: no name, no birth date, no clinic navigation.
    # (Random tokens in the page may hold any digits: look at the words only.)
    words = re.sub(r'(value|href|data-api|action)="[^"]*"', "", patient_page.text)
    assert north.patient.family_name not in words
    assert "1970" not in words and "17 May" not in words
    assert 'href="/patients' not in patient_page.text


def test_only_the_patients_own_clinic_and_clinical_roles_manage_links(
    client: TestClient, north: SeededClinic, south: SeededClinic
) -> None:
    base = f"/patients/{north.patient.id}/sessions/{north.record_ids['session']}/link"
    csrf = sign_in(client, north.usernames[Role.STAFF])
    assert client.get(base).status_code == 403
    assert client.post(base, data={"csrf_token": csrf}).status_code == 403
    client.cookies.clear()
    csrf = sign_in(client, south.usernames[Role.CLINICIAN])
    assert client.get(base).status_code == 404
    assert client.post(base, data={"csrf_token": csrf}).status_code == 404
    client.cookies.clear()
    sign_in(client, north.usernames[Role.CLINICIAN])
    assert client.post(base, data={}).status_code == 403  # no CSRF token


def test_expired_tampered_revoked_and_foreign_tokens_are_refused_alike(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, south: SeededClinic
) -> None:
    session_id = north.record_ids["session"]
    token = hand_over_link(client, north, session_id)
    assert client.get(f"/r/{token}").status_code == 200
    secret = sqlite_runtime.settings.secret_key
    keys = links.LinkSigner(secret, sqlite_runtime.settings.public_url, 42)
    now = dt.datetime.now(dt.UTC)
    with sqlite_runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
        session = uow.charts.session(north.clinic.id, session_id)
        assert session is not None
        expired = links._new_link(uow, keys, session, clinician.id, now - dt.timedelta(days=43))
        # A correctly signed link whose session is another patient's treatment.
        draft = RecoveryLink(
            0,
            north.clinic.id,
            north.patient.id,
            south.record_ids["session"],
            "",
            clinician.id,
            now,
            now + dt.timedelta(days=5),
        )
        foreign_token = links.token_for(secret, draft)
        uow.recovery_links.add(replace(draft, token_hash=links.hash_token(foreign_token)))
        uow.commit()
    revoked = hand_over_link(client, north, session_id)
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    with sqlite_runtime.context.uow() as uow:
        link = uow.recovery_links.by_token_hash(links.hash_token(revoked))
    assert link is not None
    answer = client.post(
        f"/recovery-links/{link.id}/revoke",
        data={"csrf_token": csrf, "patient_id": north.patient.id, "session_id": session_id},
    )
    assert answer.status_code == 303
    assert "revoked" in client.get(answer.headers["location"]).text
    client.cookies.clear()

    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    bad = {
        "unknown": "x" * 43,
        "tampered": tampered,
        "expired": expired.token,
        "revoked": revoked,
        "another treatment": foreign_token,
    }
    unknown_page = client.get(f"/r/{bad['unknown']}")
    unknown_api = client.get(f"/api/v1/recovery/{bad['unknown']}")
    assert unknown_page.status_code == 404 and unknown_api.status_code == 404
    assert "This link does not work" in unknown_page.text
    for why, value in bad.items():
        page = client.get(f"/r/{value}")
        assert (page.status_code, page.text) == (404, unknown_page.text), why
        api = client.get(f"/api/v1/recovery/{value}")
        assert (api.status_code, api.json()) == (404, unknown_api.json()), why
        posted = client.post(
            f"/api/v1/recovery/{value}/checkins", json={"scores": dict.fromkeys(SCORES, 0)}
        )
        assert (posted.status_code, posted.json()) == (404, unknown_api.json()), why
        assert value not in page.text and value not in api.text
    # The valid token reaches no photo but those of its own session's check-ins.
    other_photo = client.get(f"/r/{token}/photos/{north.record_ids['photo']}")
    assert (other_photo.status_code, other_photo.text) == (404, unknown_page.text)
    with sqlite_runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).checkins) == 1


def test_a_flood_of_submissions_is_throttled(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form = form_of(client.get(f"/r/{token}").text)
    codes = [
        client.post(
            f"/r/{token}", data=form | scores(redness=n % 10) | {"note": str(n)}
        ).status_code
        for n in range(20)
    ]
    assert codes[0] == 303
    assert codes[-1] == 429
    with sqlite_runtime.context.uow() as uow:
        saved = uow.charts.chart(north.clinic.id, north.patient.id).checkins
    assert len(saved) - 1 == codes.count(303) < 20
    api = client.post(
        f"/api/v1/recovery/{token}/checkins",
        json={"scores": dict.fromkeys(SCORES, 1)},
        headers={"X-CSRF-Token": form["csrf_token"]},
    )
    assert api.status_code == 429
    assert api.headers["content-type"].startswith("application/problem+json")
    assert int(api.headers["Retry-After"]) > 0


# --- the check-in -------------------------------------------------------------------------------


def test_a_normal_ablative_course_raises_no_alert_and_shows_each_day_in_its_band(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    session = add_session(sqlite_runtime, north, 14, Modality.ABLATIVE_CO2, Area.FULL_FACE)
    token = hand_over_link(client, north, session.id)
    csrf = form_of(client.get(f"/r/{token}").text)["csrf_token"]
    assert north.patient.fitzpatrick_type is not None
    course = expected_course(
        sqlite_runtime.context.rules,
        Modality.ABLATIVE_CO2,
        Area.FULL_FACE,
        north.patient.fitzpatrick_type,
    )
    for day in (1, 2, 3, 5, 7, 10, 14):
        middle = {
            s.value: round((course.band(day, s).low + course.band(day, s).high) / 2) for s in Score
        }
        on = (session.performed_on + dt.timedelta(days=day)).isoformat()
        answer = client.post(
            f"/api/v1/recovery/{token}/checkins",
            json={"date": on, "scores": middle},
            headers={"X-CSRF-Token": csrf},
        )
        assert answer.status_code == 201, answer.text
        body = answer.json()["checkin"]
        assert body["day"] == day
        assert {b["position"] for b in body["bands"]} == {"within"}
        assert body["instruction"] == "none"
    with sqlite_runtime.context.uow() as uow:
        assert uow.alerts.for_session(north.clinic.id, session.id) == []
        assert uow.notifications.in_clinic(north.clinic.id) == []
    page = client.get(f"/r/{token}")
    assert "Your scores are within what is usual for day 14" in page.text
    assert "call the clinic now" not in page.text.lower()
    assert page.text.count('class="day-entry') == 7
    recovery = client.get(f"/api/v1/recovery/{token}").json()
    assert [c["day"] for c in recovery["checkins"]] == [14, 10, 7, 5, 3, 2, 1]


def test_yellow_crust_with_pain_on_day_3_alerts_the_clinic_by_email_and_tells_the_patient_to_call(
    client: TestClient,
    sqlite_runtime: Runtime,
    north: SeededClinic,
    mailbox: tuple[Mailbox, int],
) -> None:
    with sqlite_runtime.context.uow() as uow:
        uow.clinics.update(replace(north.clinic, email="frontdesk@north.example"))
        uow.commit()
    session = add_session(sqlite_runtime, north, 3, Modality.ABLATIVE_CO2, Area.FULL_FACE)
    with sqlite_runtime.context.uow() as uow:
        due = uow.appointments.add(
            Appointment(
                0,
                north.clinic.id,
                north.patient.id,
                AppointmentKind.CHECKIN,
                sqlite_runtime.context.clock.today(),
                after_session_id=session.id,
            )
        )
        uow.commit()
    token = hand_over_link(client, north, session.id)
    form = form_of(client.get(f"/r/{token}").text)
    data = form | scores(redness=7, swelling=5, irritation=5, pain=6, itch=2)
    sent = client.post(f"/r/{token}", data=data | {"red_flags": "yellow_crust_or_pus"})
    assert sent.status_code == 303
    page = client.get(sent.headers["location"])
    result = page.text.split('id="result"', 1)[1].split("</section>", 1)[0]
    # One voice: the instruction once, nothing reassuring beside it.
    assert result.lower().count("call the clinic now") == 1
    assert "Your skin may be infected." in result
    assert "within what is usual" not in result
    assert 'href="tel:+442000000000"' in page.text
    assert "+44 20 0000 0000" in page.text

    with sqlite_runtime.context.uow() as uow:
        alerts = uow.alerts.for_session(north.clinic.id, session.id)
        queued = uow.notifications.in_clinic(north.clinic.id)
        appointments = uow.appointments.for_patient(north.clinic.id, north.patient.id)
        trail = uow.audit.for_patient(north.clinic.id, north.patient.id)
    assert [(a.code, a.urgency, a.day) for a in alerts] == [
        (AlertCode.POSSIBLE_INFECTION, Urgency.URGENT, 3)
    ]
    assert [(n.kind, n.recipient, n.status) for n in queued] == [
        (NotificationKind.URGENT_ALERT, "frontdesk@north.example", NotificationStatus.PENDING)
    ]
    assert next(a for a in appointments if a.id == due.id).status is AppointmentStatus.DONE
    assert any(e.entry.actor.startswith("patient via recovery link") for e in trail)

    box, port = mailbox
    report = outbox.deliver_due(
        sqlite_runtime.context.uow,
        SmtpMailer(SmtpSettings("127.0.0.1", port)),
        "resurface@north.example",
        dt.datetime.now(dt.UTC),
    )
    assert (report.sent, report.failed) == (1, 0)
    assert len(box.messages) == 1
    message = box.messages[0]
    assert message["To"] == "frontdesk@north.example"
    assert "Urgent recovery alert: possible infection (day 3)" in message["Subject"]
    assert north.patient.family_name not in str(message.get_payload())
    # The same sign again today does not raise a second open alert.
    form = form_of(client.get(f"/r/{token}").text)
    again = client.post(
        f"/r/{token}", data=form | scores(pain=7) | {"red_flags": "yellow_crust_or_pus"}
    )
    assert again.status_code == 303
    with sqlite_runtime.context.uow() as uow:
        assert len(uow.alerts.for_session(north.clinic.id, session.id)) == 1


def test_a_refused_submission_keeps_everything_the_patient_entered(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form = form_of(client.get(f"/r/{token}").text)
    data = form | scores(redness=4, pain=3) | {"swelling": "12", "note": "Tight around the mouth"}
    answer = client.post(f"/r/{token}", data=data | {"red_flags": "fever"})
    assert answer.status_code == 422
    assert "choose a number from 0 to 10" in answer.text
    assert 'id="e-swelling"' in answer.text
    assert "Tight around the mouth" in answer.text
    assert re.search(r'id="f-fever"[^>]*checked', answer.text)
    assert re.search(r'name="redness"[^>]*value="4"', answer.text)
    with sqlite_runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).checkins) == 1
    api = client.post(
        f"/api/v1/recovery/{token}/checkins",
        json={"scores": dict.fromkeys(SCORES, 1), "date": "2999-01-01"},
        headers={"X-CSRF-Token": form["csrf_token"]},
    )
    assert api.status_code == 422
    assert api.json()["errors"] == [{"field": "date", "message": "is in the future"}]


def test_the_api_needs_the_page_token_and_a_resent_checkin_is_kept_once(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    csrf = form_of(client.get(f"/r/{token}").text)["csrf_token"]
    body = {"scores": dict.fromkeys(SCORES, 2), "red_flags": [], "note": "queued offline"}
    url = f"/api/v1/recovery/{token}/checkins"
    assert client.post(url, json=body).status_code == 403
    first = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    again = client.post(url, json=body, headers={"X-CSRF-Token": csrf})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["checkin"]["id"] == first.json()["checkin"]["id"]
    with sqlite_runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).checkins) == 2


def test_a_checkin_photo_is_stored_without_exif_and_shown_only_through_the_link(
    client: TestClient, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form = form_of(client.get(f"/r/{token}").text)
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 140, 120)).save(picture, "JPEG", exif=exif.tobytes())
    sent = client.post(
        f"/r/{token}",
        data=form | scores(redness=5),
        files={"photo": ("skin.jpg", picture.getvalue(), "image/jpeg")},
    )
    assert sent.status_code == 303
    page = client.get(f"/r/{token}")
    found = re.search(rf"/r/{re.escape(token)}/photos/(\d+)", page.text)
    assert found
    served = client.get(found.group(0))
    assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
    assert b"PhoneMaker" not in served.content
    assert Image.open(io.BytesIO(served.content)).size == (64, 48)
    bad = client.post(
        f"/r/{token}",
        data=form | scores(),
        files={"photo": ("x.jpg", b"not a photo", "image/jpeg")},
    )
    assert bad.status_code == 422 and "could not be read as a photo" in bad.text


def test_a_question_left_unanswered_is_not_saved_as_zero_and_the_form_says_which(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    page = client.get(f"/r/{token}").text
    assert 'type="radio" name="pain" value="0" checked' not in page
    assert not re.search(r'name="pain" value="\d+" checked', page), "nothing is chosen at first"
    form = form_of(page)
    answered = {"redness": "3", "swelling": "2", "irritation": "1"}  # pain and itch skipped
    refused = client.post(f"/r/{token}", data=form | answered)
    assert refused.status_code == 422
    assert "Not answered yet:" in refused.text and 'href="#q-pain"' in refused.text
    assert 'href="#q-itch"' in refused.text and 'href="#q-redness"' not in refused.text
    assert re.search(r'name="redness" value="3" checked', refused.text)
    with sqlite_runtime.context.uow() as uow:
        assert len(uow.charts.chart(north.clinic.id, north.patient.id).checkins) == 1


def test_the_patients_photo_stays_off_results_until_a_clinician_accepts_it(
    client: TestClient, north: SeededClinic
) -> None:
    token = hand_over_link(client, north, north.record_ids["session"])
    form = form_of(client.get(f"/r/{token}").text)
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 140, 120)).save(picture, "JPEG")
    sent = client.post(
        f"/r/{token}",
        data=form | scores(redness=7, pain=6) | {"red_flags": "yellow_crust_or_pus"},
        files={"photo": ("lip.jpg", picture.getvalue(), "image/jpeg")},
    )
    assert sent.status_code == 303

    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    recovery = client.get(f"/patients/{north.patient.id}/recovery").text
    accept = re.search(r'action="/photos/(\d+)/accept"', recovery)
    assert accept, "the alert shows the patient's photo with a way to accept it"
    photo_id = int(accept.group(1))
    assert "not compared on Results" in recovery
    chart = client.get(f"/patients/{north.patient.id}").text
    assert "Photo sent by the patient" in chart
    api = client.get(f"/api/v1/photos/{photo_id}").json()
    assert api["sent_by_patient"] and not api["clinical"]
    results = client.get(f"/api/v1/patients/{north.patient.id}/results").json()
    offered = {ref["id"] for refs in results["regions"].values() for ref in refs}
    assert photo_id not in offered, "Results offers only clinical photos"

    accepted = client.post(f"/photos/{photo_id}/accept", data={"csrf_token": csrf})
    assert accepted.status_code == 303
    assert client.get(f"/api/v1/photos/{photo_id}").json()["clinical"] is True
    results = client.get(f"/api/v1/patients/{north.patient.id}/results").json()
    assert photo_id in {ref["id"] for refs in results["regions"].values() for ref in refs}
    again = client.get(f"/patients/{north.patient.id}/recovery").text
    assert f'action="/photos/{photo_id}/accept"' not in again
    assert "accepted as a clinical photo" in again
