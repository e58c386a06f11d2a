"""The patient's own link for the whole series over HTTP: handing it over (QR, print, e-mail), the
patient's page with their guide, visits and check-ins, the token cases (forged, tampered, expired,
revoked, another patient's session), the role x clinic matrix of the routes that issue and revoke
it, and the guide and aftercare PDFs read back with pdftotext and rendered to PNG for review."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from dataclasses import replace
from pathlib import Path

import cv2
import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.chart import AreaSettings, TreatmentSession
from resurface.domain.codes import Area
from resurface.domain.links import PatientLink
from resurface.domain.messages import NotificationKind
from resurface.domain.people import Patient, Role, Sex
from resurface.services.recovery import patient_links
from resurface.services.recovery.links import hash_token
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_patient_recovery import form_of, hand_over_link, scores
from tests.support.clinic import SeededClinic
from tests.support.guide_cases import DEFERRED, SPECS, CaseSpec, consultation_for, plan_of

TOKEN_IN_PAGE = re.compile(r"/p/([A-Za-z0-9_-]{20,})")
OUTPUT = Path(__file__).resolve().parents[2] / "output" / "guide"
CODE = re.compile(
    r"\b(ablative_co2|ablative_erbium|fractional_ablative_\w+|nonablative_\w+|fine_lines|"
    r"acne_scars|sun_damage|full_face|hsv_history|antiviral_prophylaxis|stop_retinoids|"
    r"sun_avoidance|test_spot|darker_skin_type|delicate_area|expert_opinion)\b"
)
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
CITATION = re.compile(
    rf"\b(?!(?:{MONTHS})\b)[A-Z][a-z]+(?: & [A-Z][a-z]+| et al\.?)? (?:19|20)\d\d\b"
)
"""A citation such as "Fife 2009" or "Nanni & Alster 1998" (a date such as "3 May 2027" is not)."""


# --- helpers ------------------------------------------------------------------------------------


def hand_over(client: TestClient, clinic: SeededClinic, patient_id: int) -> str:
    """The clinician creates the patient's link; the token as printed on the hand-out."""
    csrf = sign_in(client, clinic.usernames[Role.CLINICIAN])
    base = f"/patients/{patient_id}/patient-link"
    assert client.post(base, data={"csrf_token": csrf}).status_code == 303
    page = client.get(base)
    assert page.status_code == 200
    match = TOKEN_IN_PAGE.search(page.text)
    assert match, "the hand-out shows no link"
    assert "<svg" in page.text, "the hand-out has no QR code"
    assert clinic.clinic.name in page.text and clinic.clinic.phone in page.text
    client.cookies.clear()
    return match.group(1)


def add_case_patient(runtime: Runtime, clinic: SeededClinic, spec: CaseSpec) -> int:
    """A patient of ``clinic`` with the case's consultation and decided plan (none if deferred);
    the non-ablative series has its first session done and the second booked."""
    today = runtime.context.clock.today()
    with runtime.context.uow() as uow:
        patient = uow.patients.add(
            Patient(
                0,
                clinic.clinic.id,
                "Alex",
                f"Case-{spec.name[:10]}",
                dt.date(1975, 2, 3),
                Sex.FEMALE,
            )
        )
        clinician = uow.users.by_username(clinic.usernames[Role.CLINICIAN])
        assert clinician is not None
        consultation, items = consultation_for(
            spec, runtime.context.rules, today - dt.timedelta(days=14), clinic.clinic.id, patient.id
        )
        uow.charts.add_consultation(replace(consultation, clinician_id=clinician.id))
        if items:
            plan = uow.charts.add_plan(
                replace(
                    plan_of(items, today - dt.timedelta(days=13), clinic.clinic.id, patient.id),
                    clinician_id=clinician.id,
                )
            )
            if spec is SPECS[2]:
                modality = items[0].modality
                session = uow.charts.add_session(
                    TreatmentSession(
                        0,
                        clinic.clinic.id,
                        patient.id,
                        clinician.id,
                        today - dt.timedelta(days=3),
                        "Test 1550",
                        areas=(AreaSettings(Area.CHEEKS, modality, modality.wavelength_nm),),
                        plan_id=plan.id,
                    )
                )
                uow.appointments.add(
                    Appointment(
                        0,
                        clinic.clinic.id,
                        patient.id,
                        AppointmentKind.SESSION,
                        today + dt.timedelta(days=25),
                        session.id,
                        plan.id,
                    )
                )
        uow.commit()
    return patient.id


def pdf_text(pdf: bytes, name: str) -> str:
    """The PDF's text (pdftotext), and its pages as PNG in tests/output/guide for review."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.pdf"
    path.write_bytes(pdf)
    for old in OUTPUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(path), str(OUTPUT / name)], check=True)
    assert list(OUTPUT.glob(f"{name}-*.png")), "no page was rendered"
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return " ".join(done.stdout.decode().split())


def qr_in(pdf: Path) -> str:
    """What the QR code on the PDF's first page says, read by OpenCV. OpenCV's detector misses
    some codes at one resolution that it reads at another, so a few are tried."""
    for dpi in (150, 300, 200, 100):
        png = Path(f"{pdf.with_suffix('')}-qr-{dpi}")
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                str(dpi),
                "-f",
                "1",
                "-l",
                "1",
                "-singlefile",
                str(pdf),
                str(png),
            ],
            check=True,
        )
        image = cv2.imread(f"{png}.png")
        for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
            found, _, _ = detector.detectAndDecode(image)
            if found:
                return str(found)
    return ""


def assert_plain(text: str) -> None:
    assert not CODE.search(text), f"a code reaches the patient: {CODE.search(text)}"
    assert not CITATION.search(text), f"a citation reaches the patient: {CITATION.search(text)}"


# --- the patient's page -------------------------------------------------------------------------


def test_the_patient_page_shows_guide_visits_and_checks_in_on_each_session(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    token = hand_over(client, north, north.patient.id)
    session_id = north.record_ids["session"]
    today = sqlite_runtime.context.clock.today()
    with sqlite_runtime.context.uow() as uow:
        uow.appointments.add(
            Appointment(
                0,
                north.clinic.id,
                north.patient.id,
                AppointmentKind.CHECKIN,
                today + dt.timedelta(days=2),
                session_id,
            )
        )
        uow.commit()

    home = client.get(f"/p/{token}")
    assert home.status_code == 200
    assert home.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Hello Robin" in home.text and north.clinic.name in home.text
    assert north.clinic.phone in home.text
    assert "check-in on this page" in home.text  # the booked check-in day
    assert f"/p/{token}/sessions/{session_id}" in home.text
    assert north.patient.family_name not in home.text and 'href="/patients' not in home.text

    guide = client.get(f"/p/{token}/guide")
    assert guide.status_code == 200
    assert "fractional ablative laser treatment" in guide.text
    assert "the area around the mouth" in guide.text
    assert "Sources:" not in guide.text  # the evidence is for staff only
    assert_plain(guide.text)

    checkin = client.get(f"/p/{token}/sessions/{session_id}")
    assert checkin.status_code == 200 and "How is your skin today?" in checkin.text
    assert f'action="/p/{token}/sessions/{session_id}"' in checkin.text
    sent = client.post(
        f"/p/{token}/sessions/{session_id}", data=form_of(checkin.text) | scores(redness=4)
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/p/{token}/sessions/{session_id}?sent=1#result"
    with sqlite_runtime.context.uow() as uow:
        chart = uow.charts.chart(north.clinic.id, north.patient.id)
        events = uow.audit.for_patient(north.clinic.id, north.patient.id)
    assert len(chart.checkins) == 2
    assert any(
        e.entry.actor.startswith("patient via patient link") and e.entry.action == "create"
        for e in events
    )

    api = client.post(
        f"/api/v1/patient/{token}/sessions/{session_id}/checkins",
        json={"scores": dict.fromkeys(["redness", "swelling", "irritation", "pain", "itch"], 1)},
        headers={"X-CSRF-Token": form_of(checkin.text)["csrf_token"]},
    )
    assert api.status_code == 201, api.text

    # The session's own recovery link keeps working beside the patient link.
    old = hand_over_link(client, north, session_id)
    assert client.get(f"/r/{old}").status_code == 200


def test_forged_tampered_expired_revoked_and_foreign_tokens_are_refused_alike(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, south: SeededClinic
) -> None:
    token = hand_over(client, north, north.patient.id)
    assert client.get(f"/p/{token}").status_code == 200
    secret = sqlite_runtime.settings.secret_key
    now = dt.datetime.now(dt.UTC)
    with sqlite_runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
        # Lapsed before the plan in treatment was made: the plan does not revive it.
        draft = PatientLink(
            0,
            north.clinic.id,
            north.patient.id,
            "",
            clinician.id,
            now - dt.timedelta(days=400),
            now - dt.timedelta(days=370),
        )
        expired = patient_links.token_for(secret, draft)
        uow.patient_links.add(replace(draft, token_hash=hash_token(expired)))
        uow.commit()
    revoked = hand_over(client, north, north.patient.id)
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    with sqlite_runtime.context.uow() as uow:
        link = uow.patient_links.by_token_hash(hash_token(revoked))
    assert link is not None
    answer = client.post(
        f"/patients/{north.patient.id}/patient-link/{link.id}/revoke", data={"csrf_token": csrf}
    )
    assert answer.status_code == 303
    assert "revoked" in client.get(answer.headers["location"]).text
    client.cookies.clear()
    south_token = hand_over(client, south, south.patient.id)

    unknown = client.get(f"/p/{'x' * 43}")
    assert unknown.status_code == 404 and "This link does not work" in unknown.text
    bad = {
        "forged": patient_links.token_for("not the server's secret", link),
        "tampered": token[:-2] + ("AA" if token[-2:] != "AA" else "BB"),
        "expired": expired,
        "revoked": revoked,
        "a recovery token is not a patient token": hand_over_link(
            client, north, north.record_ids["session"]
        ),
    }
    for why, value in bad.items():
        for path in ("", "/guide", "/guide.pdf", f"/sessions/{north.record_ids['session']}"):
            page = client.get(f"/p/{value}{path}")
            assert (page.status_code, page.text) == (404, unknown.text), (why, path)
            assert value not in page.text
    # A working link opens only its own patient's sessions and photos.
    foreign = {
        "south's session": f"/p/{token}/sessions/{south.record_ids['session']}",
        "south's aftercare": f"/p/{token}/sessions/{south.record_ids['session']}/aftercare.pdf",
        "north's session via south's link": (
            f"/p/{south_token}/sessions/{north.record_ids['session']}"
        ),
        "a photo of no check-in": (
            f"/p/{token}/sessions/{north.record_ids['session']}/photos/{north.record_ids['photo']}"
        ),
    }
    for why, path in foreign.items():
        page = client.get(path)
        assert (page.status_code, page.text) == (404, unknown.text), why
    posted = client.post(
        f"/api/v1/patient/{token}/sessions/{south.record_ids['session']}/checkins",
        json={"scores": dict.fromkeys(["redness", "swelling", "irritation", "pain", "itch"], 0)},
        headers={"X-CSRF-Token": sqlite_runtime.context.links.patient_csrf(token)},
    )
    assert posted.status_code == 404
    with sqlite_runtime.context.uow() as uow:
        assert len(uow.charts.chart(south.clinic.id, south.patient.id).checkins) == 1


def test_bad_patient_tokens_are_throttled_per_client_and_a_good_one_still_works(
    client: TestClient, north: SeededClinic
) -> None:
    token = hand_over(client, north, north.patient.id)
    codes = [client.get(f"/p/{'y' * 40}{n:03d}").status_code for n in range(35)]
    assert codes[0] == 404 and codes[-1] == 429
    assert client.get(f"/p/{token}").status_code == 200


# --- the clinic's side: who may hand over and revoke --------------------------------------------


@pytest.mark.parametrize(
    ("role", "own_clinic", "expected"),
    [
        (Role.CLINICIAN, True, (200, 303, 303, 201, 200)),
        (Role.ADMIN, True, (200, 303, 303, 201, 200)),
        (Role.STAFF, True, (403, 403, 403, 403, 403)),
        (Role.CLINICIAN, False, (404, 404, 404, 404, 404)),
        (Role.ADMIN, False, (404, 404, 404, 404, 404)),
        (Role.STAFF, False, (403, 403, 403, 403, 403)),
    ],
)
def test_the_role_and_clinic_matrix_of_issuing_and_revoking(
    client: TestClient,
    sqlite_runtime: Runtime,
    north: SeededClinic,
    south: SeededClinic,
    role: Role,
    own_clinic: bool,
    expected: tuple[int, ...],
) -> None:
    # A link of north's patient exists to be revoked.
    with sqlite_runtime.context.uow() as uow:
        admin = uow.users.by_username(north.usernames[Role.ADMIN])
    assert admin is not None
    from resurface.services.access import Actor

    issued = patient_links.create_link(
        sqlite_runtime.context,
        Actor(admin.id, north.clinic.id, Role.ADMIN, admin.display_name),
        north.patient.id,
    )
    who = north if own_clinic else south
    csrf = sign_in(client, who.usernames[role])
    base = f"/patients/{north.patient.id}/patient-link"
    api = f"/api/v1/patients/{north.patient.id}/patient-links"
    got = (
        client.get(base).status_code,
        client.post(base, data={"csrf_token": csrf}).status_code,
        client.post(f"{base}/{issued.link.id}/revoke", data={"csrf_token": csrf}).status_code,
        client.post(api, headers={"X-CSRF-Token": csrf}).status_code,
        client.get(api).status_code,
    )
    assert got == expected
    revoke_api = client.post(f"{api}/{issued.link.id}/revoke", headers={"X-CSRF-Token": csrf})
    assert revoke_api.status_code == (200 if expected[0] == 200 else expected[0])
    guide = client.get(f"/patients/{north.patient.id}/guide")
    assert guide.status_code == expected[0]
    assert client.post(base, data={}).status_code == 403  # no CSRF token
    if expected[0] == 200:
        listed = client.get(api).json()
        assert all(not link["usable"] or link["id"] != issued.link.id for link in listed["links"])
        assert listed["active_url"].startswith("http") and "/p/" in listed["active_url"]


def test_the_link_is_emailed_through_the_outbox_and_expires_after_the_series(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    base = f"/patients/{north.patient.id}/patient-link"
    refused = client.post(f"{base}/email", data={"csrf_token": csrf})
    assert refused.status_code == 422 and "no e-mail address" in refused.text
    with sqlite_runtime.context.uow() as uow:
        patient = uow.patients.get(north.clinic.id, north.patient.id)
        assert patient is not None
        uow.patients.update(replace(patient, email="robin@example.org"))
        uow.commit()
    sent = client.post(f"{base}/email", data={"csrf_token": csrf})
    assert sent.status_code == 303
    with sqlite_runtime.context.uow() as uow:
        messages = uow.notifications.in_clinic(north.clinic.id)
        links = uow.patient_links.for_patient(north.clinic.id, north.patient.id)
    message = next(m for m in messages if m.kind is NotificationKind.PATIENT_LINK)
    assert message.recipient == "robin@example.org"
    assert "/p/" in message.body and north.clinic.phone in message.body
    assert len(links) == 1
    # Perioral fractional CO2, at most 3 sessions 8 weeks apart from the first (5 days ago),
    # then the 90-day course and the clinic's 30-day margin.
    first = sqlite_runtime.context.clock.today() - dt.timedelta(days=5)
    assert links[0].expires_at.date() == first + dt.timedelta(weeks=16, days=120)


# --- the guide and the aftercare sheet as PDFs --------------------------------------------------


@pytest.mark.parametrize("spec", [*SPECS, DEFERRED], ids=lambda s: s.name.split(" (")[0])
def test_the_guide_pdf_is_the_patients_own_and_plain(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, spec: CaseSpec
) -> None:
    patient_id = add_case_patient(sqlite_runtime, north, spec)
    token = hand_over(client, north, patient_id)
    answer = client.get(f"/p/{token}/guide.pdf")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    name = "guide-" + re.sub(r"[^a-z]+", "-", spec.name.lower()).strip("-")
    text = pdf_text(answer.content, name)
    assert north.clinic.name in text and north.clinic.phone in text
    assert_plain(text)
    if spec is DEFERRED:
        assert "Treatment is not planned for now" in text
        assert "not done during pregnancy" in text
        assert "Your treatment dates" not in text and "Before your treatment" not in text
        return
    assert spec.treatment_words in text
    assert spec.area_words in text
    for step in spec.preparation:
        assert step in text, f"{spec.name}: {step!r} missing"
    assert "Your treatment dates" in text and "Warning signs" in text
    if spec is SPECS[2]:
        today = sqlite_runtime.context.clock.today()
        assert "most people need 3 to 5 treatments" in text
        done = (today - dt.timedelta(days=3)).strftime("%d %B %Y").lstrip("0")
        booked = (today + dt.timedelta(days=25)).strftime("%d %B %Y").lstrip("0")
        assert f"{done} (done)" in text and f"{booked} (booked)" in text
    if spec is SPECS[1]:
        assert "most people need 1 to 3 treatments" in text
        assert "to be booked, about 6 weeks after the first" in text


def test_staff_see_the_same_guide_with_its_evidence_and_the_aftercare_sheet(
    client: TestClient, north: SeededClinic
) -> None:
    token = hand_over(client, north, north.patient.id)
    sign_in(client, north.usernames[Role.CLINICIAN])
    guide = client.get(f"/patients/{north.patient.id}/guide")
    evidence = client.get(f"/patients/{north.patient.id}/guide/evidence")
    assert guide.status_code == evidence.status_code == 200
    assert "Sources:" not in guide.text
    assert "Sources:" in evidence.text and "Fife 2009" in evidence.text
    staff_pdf = client.get(f"/patients/{north.patient.id}/guide.pdf")
    assert staff_pdf.status_code == 200
    assert_plain(pdf_text(staff_pdf.content, "guide-staff-copy"))

    session_id = north.record_ids["session"]
    sheet = client.get(f"/patients/{north.patient.id}/sessions/{session_id}/aftercare")
    assert sheet.status_code == 200 and "<svg" in sheet.text and f"/p/{token}" in sheet.text
    pdf = client.get(f"/patients/{north.patient.id}/sessions/{session_id}/aftercare.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.content, "aftercare-sheet")
    assert north.clinic.name in text and north.clinic.phone in text
    assert "Oozing and crusting" in text and "Days 4 to 14" in text  # fractional aftercare
    assert "Warning signs" in text and "Yellow crusts" in text
    assert_plain(text)
    assert qr_in(OUTPUT / "aftercare-sheet.pdf").endswith(f"/p/{token}")
    client.cookies.clear()
    mine = client.get(f"/p/{token}/sessions/{session_id}/aftercare.pdf")
    assert mine.status_code == 200 and mine.content.startswith(b"%PDF")
    staff = sign_in(client, north.usernames[Role.STAFF])
    assert staff
    assert (
        client.get(f"/patients/{north.patient.id}/sessions/{session_id}/aftercare").status_code
        == 403
    )


def test_the_api_names_the_missing_email_and_queues_the_message_once_it_is_there(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    url = f"/api/v1/patients/{north.patient.id}/patient-links/email"
    refused = client.post(url, headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in refused.json()["errors"]] == ["email"]
    with sqlite_runtime.context.uow() as uow:
        patient = uow.patients.get(north.clinic.id, north.patient.id)
        assert patient is not None
        uow.patients.update(replace(patient, email="robin@example.org"))
        uow.commit()
    queued = client.post(url, headers={"X-CSRF-Token": csrf})
    assert queued.status_code == 202 and queued.json()["recipient"] == "robin@example.org"
    again = client.post(url, headers={"X-CSRF-Token": csrf})
    assert again.status_code == 202
    links = client.get(f"/api/v1/patients/{north.patient.id}/patient-links").json()["links"]
    assert len(links) == 1, "e-mailing again sends the working link, it makes no new one"
