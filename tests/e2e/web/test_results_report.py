"""The results report over HTTP: a demo-like patient three treatments into a series, with photos
of two regions, check-ins, an alert, a GAIS rating and the next treatment booked. Both versions
are read back with pdftotext (the patient's: measured changes, GAIS, sessions remaining, the
clinic's phone, no code and no citation; the chart's: settings, alerts and sources) and their
pages saved as PNG under tests/output/results-report for review. Sending queues exactly one
outbox message, is audited and shown on the results page; the patient opens the report as it
was sent through their own link. Sending answers before the report is drawn: the page says "being
prepared" until the background job has drawn it and queued the e-mail, or says why it could not
be sent. The role x clinic matrix of reading and sending."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.demo.photos import HEIGHT, WIDTH, render_skin
from resurface.domain.alerts import ClinicAlert
from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.chart import (
    AreaSettings,
    CheckInRecord,
    ItemDecision,
    Photo,
    PhotoPurpose,
    PlanItem,
    PlanStatus,
    Span,
    TreatmentPlan,
    TreatmentSession,
)
from resurface.domain.checkin import CheckIn
from resurface.domain.codes import (
    AlertCode,
    Area,
    Concern,
    Modality,
    RedFlag,
    Score,
    Severity,
    Urgency,
)
from resurface.domain.messages import NotificationKind
from resurface.domain.outcomes import OutcomeRating
from resurface.domain.people import Patient, Role, Sex
from resurface.domain.results_report import ReportStatus, series_noise_pct
from resurface.services import jobs
from resurface.web import create_app
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_patient_link import CITATION, CODE
from tests.support.clinic import SeededClinic
from tests.support.jobs import settle

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="needs poppler-utils (make system-packages installs it)",
)

OUTPUT = Path(__file__).resolve().parents[2] / "output" / "results-report"
ANY_CODE = re.compile(r"\b[a-z]+_[a-z_0-9]+\b")
"""Any snake_case word: a code of the rule base or a metric's name (``wrinkle_density``)."""
ADDRESS = "12 Harbour Row, Bristol BS1 4QA"
REFRESH = '<meta http-equiv="refresh"'


@dataclass(frozen=True)
class Treated:
    patient_id: int
    sessions: tuple[dt.date, ...]
    booked: dt.date


def _day(on: dt.date) -> str:
    return on.strftime("%d %B %Y").lstrip("0")


def _photo(
    runtime: Runtime, clinic_id: int, patient_id: int, data: bytes, taken: dt.datetime, region: str
) -> None:
    key = runtime.context.photos.put(data)
    with runtime.context.uow() as uow:
        purpose = (
            PhotoPurpose.FOLLOW_UP if taken.date() > _first(runtime) else PhotoPurpose.BASELINE
        )
        uow.charts.add_photo(
            Photo(
                0, clinic_id, patient_id, region, taken, hashlib.sha256(data).hexdigest(), key,
                "image/png", WIDTH, HEIGHT, purpose=purpose,
            )
        )  # fmt: skip
        uow.commit()


def _first(runtime: Runtime) -> dt.date:
    return runtime.context.clock.today() - dt.timedelta(days=150)


@pytest.fixture
def treated(sqlite_runtime: Runtime, north: SeededClinic) -> Treated:
    """Like the demo's patients: spots and wrinkles around the mouth, fractional CO2, three
    sessions eight weeks apart; photos of the perioral area before and after each, and of the
    forehead before and now; check-ins after the last session with redness above its range
    and a warning sign (and the alert it raised); a GAIS rating; the fourth session booked."""
    ctx = sqlite_runtime.context
    today = ctx.clock.today()
    clinic_id = north.clinic.id
    sessions = tuple(today - dt.timedelta(days=d) for d in (140, 84, 28))
    booked = today + dt.timedelta(days=28)
    with ctx.uow() as uow:
        clinic = uow.clinics.get(clinic_id)
        assert clinic is not None
        uow.clinics.update(replace(clinic, address=ADDRESS))
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
        patient = uow.patients.add(
            Patient(0, clinic_id, "Maria", "Reportson", dt.date(1968, 4, 2), Sex.FEMALE)
        )
        plan = uow.charts.add_plan(
            TreatmentPlan(
                0, clinic_id, patient.id, clinician.id, today - dt.timedelta(days=145),
                PlanStatus.ACCEPTED,
                items=(
                    PlanItem(
                        Area.PERIORAL, concern, Severity.MODERATE,
                        Modality.FRACTIONAL_ABLATIVE_CO2, 2, 3, 4, Span(6, 8), Span(5, 7),
                        decision=ItemDecision.ACCEPTED, decided_by=clinician.id,
                    )
                    for concern in (Concern.PIGMENTATION, Concern.WRINKLES)
                ),
            )
        )  # fmt: skip
        done = [
            uow.charts.add_session(
                TreatmentSession(
                    0, clinic_id, patient.id, clinician.id, on, "Lumenis UltraPulse",
                    areas=(
                        AreaSettings(
                            Area.PERIORAL, Modality.FRACTIONAL_ABLATIVE_CO2, 10600, passes=2,
                            energy_mj=15.0 + n, density_pct=10.0,
                            immediate_response="even erythema, pinpoint bleeding",
                        ),
                    ),
                    plan_id=plan.id,
                )
            )
            for n, on in enumerate(sessions)
        ]  # fmt: skip
        last = done[-1]
        for day, scores, flags in (
            (2, {Score.REDNESS: 10, Score.SWELLING: 3, Score.PAIN: 2}, frozenset()),
            (5, {Score.REDNESS: 5, Score.SWELLING: 1, Score.PAIN: 1}, {RedFlag.FEVER}),
            (9, {Score.REDNESS: 2, Score.SWELLING: 0, Score.PAIN: 0}, frozenset()),
        ):
            on = last.performed_on + dt.timedelta(days=day)
            record = uow.charts.add_checkin(
                CheckInRecord(
                    0, clinic_id, patient.id, last.id, CheckIn(on, scores, frozenset(flags)),
                    dt.datetime.combine(on, dt.time(9), dt.UTC),
                )
            )  # fmt: skip
            if flags:
                uow.alerts.add(
                    ClinicAlert(
                        0, clinic_id, patient.id, last.id, AlertCode.POSSIBLE_INFECTION,
                        Urgency.URGENT, day, "Fever on day 5: possible infection.",
                        "Please call the clinic now.", record.submitted_at, record.id,
                    )
                )  # fmt: skip
        uow.outcomes.add(
            OutcomeRating(
                0, clinic_id, patient.id, today - dt.timedelta(days=2), "gais", 2,
                "much improved", clinician.id, note="smoother upper lip",
            )
        )  # fmt: skip
        uow.appointments.add(
            Appointment(0, clinic_id, patient.id, AppointmentKind.SESSION, booked, None, plan.id)
        )
        uow.commit()

    def at(days_ago: int) -> dt.datetime:
        return dt.datetime.combine(today - dt.timedelta(days=days_ago), dt.time(10), dt.UTC)

    # Spots fade steadily (spot area about -5, -14 and -30 %); lines hardly (wrinkle density -1
    # to -3 %: within what repeat photos differ by).
    for days_ago, response in ((150, 0.0), (90, 0.1), (35, 0.3), (1, 0.45)):
        skin = render_skin(7, response=response)
        _photo(sqlite_runtime, clinic_id, patient.id, skin, at(days_ago), "perioral")
    for days_ago, response in ((150, 0.0), (1, 0.05)):
        skin = render_skin(11, response=response)
        _photo(sqlite_runtime, clinic_id, patient.id, skin, at(days_ago), "forehead")
    jobs.catch_up(
        ctx
    )  # photos filed straight into the chart: measured and compared as a worker would
    settle(sqlite_runtime)
    return Treated(patient.id, sessions, booked)


def pdf_text(pdf: bytes, name: str) -> str:
    """The PDF's text (pdftotext), its pages saved as PNG in tests/output/results-report."""
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.pdf"
    path.write_bytes(pdf)
    for old in OUTPUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(OUTPUT / name)], check=True)
    assert list(OUTPUT.glob(f"{name}-*.png")), "no page was rendered"
    done = subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True)
    return " ".join(done.stdout.decode().split())


def _estimates(client: TestClient, patient_id: int) -> tuple[int, list[str]]:
    """What the Results API says: the sessions still needed (the largest over the plan's items,
    treated together) and every source of the re-estimates."""
    estimates = client.get(f"/api/v1/patients/{patient_id}/results").json()["reestimates"]
    assert len(estimates) == 2
    sources = [s for e in estimates for s in e["sources"]]
    return max(e["remaining_now"] for e in estimates), sources


def _treatments(count: int) -> str:
    return "treatment" if count == 1 else "treatments"


# --- the two versions ---------------------------------------------------------------------------


def test_the_patients_version_tells_the_measured_change_in_plain_words(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, treated: Treated
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    answer = client.get(f"/patients/{treated.patient_id}/results/report.pdf?version=patient")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    text = pdf_text(answer.content, "patient-version")
    remaining, _ = _estimates(client, treated.patient_id)
    assert remaining > 0
    first, last = treated.sessions[0], treated.sessions[-1]
    repeatability = sqlite_runtime.context.rules.repeatability
    spots = series_noise_pct(repeatability, "spot_area_pct", Area.PERIORAL)
    lines = series_noise_pct(repeatability, "wrinkle_density", Area.PERIORAL)
    expected = [
        north.clinic.name, f"Phone {north.clinic.phone}", ADDRESS,
        "Your results", "Maria Reportson", f"Treatments from {_day(first)} to {_day(last)}",
        "3 treatments done", f"about {remaining} more {_treatments(remaining)} estimated",
        "Before and after", "Around the mouth", "Forehead",
        "Density of lines", "better", "no measurable change",
        "Change across your treatments", "Pigmentation: around the mouth",
        "Measured by area covered by spots (%)",
        f"% better, more than the {spots:g} % that repeat photos differ by",
        "Wrinkles: around the mouth", "treatments): no measurable change (",
        f"within the {lines:g} % that repeat photos differ by",
        f"About {remaining} more treatments are estimated at the rate measured so far",
        "Your recovery", "Redness was higher than usual on day 2",
        "Warning signs were reported on day 5, and the clinic followed them up",
        "Your clinician's rating of the result", "Much improved (2 of 5",
        "Next steps", f"Your next treatment is booked for {_day(treated.booked)}",
        f"Questions? Call {north.clinic.name} on {north.clinic.phone}",
    ]  # fmt: skip
    for words in expected:
        assert words in text, words
    assert not CODE.search(text), f"a code reaches the patient: {CODE.search(text)}"
    assert not ANY_CODE.search(text), f"a code reaches the patient: {ANY_CODE.search(text)}"
    assert not CITATION.search(text), f"a citation reaches the patient: {CITATION.search(text)}"
    for chart_only in (
        "Sources", "Laser settings", "Alerts", "GAIS", "UltraPulse", "mJ",
        "a*", "L*", "b*", "ITA", "Erythema index", "SD of",
    ):  # fmt: skip
        assert chart_only not in text, chart_only
    assert "smoother upper lip" not in text, "the clinician's note stays in the chart"


def test_the_chart_version_adds_settings_alerts_and_sources(
    client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, treated: Treated
) -> None:
    sign_in(client, north.usernames[Role.CLINICIAN])
    api = client.get(f"/api/v1/patients/{treated.patient_id}/results/report?version=chart")
    assert api.status_code == 200 and api.headers["content-type"] == "application/pdf"
    text = pdf_text(api.content, "chart-version")
    remaining, sources = _estimates(client, treated.patient_id)
    assert sources
    expected = [
        "Results report chart copy", "Maria Reportson", north.clinic.phone,
        "Laser settings per session", "Lumenis UltraPulse", "15 mJ", "16 mJ", "17 mJ", "10 %",
        "even erythema, pinpoint bleeding", "Alerts", "possible infection",
        "Fever on day 5: possible infection.", "Global Aesthetic Improvement Scale (GAIS)",
        "smoother upper lip", "Sources", *sources, "Wrinkle density", "detectable",
        f"about {remaining} more {_treatments(remaining)} estimated",
    ]  # fmt: skip
    for words in expected:
        assert words in text, words
    with sqlite_runtime.context.uow() as uow:
        events = uow.audit.for_patient(north.clinic.id, treated.patient_id)
    reads = [e.entry for e in events if e.entry.record_type == "results_report"]
    assert [(r.action, r.detail) for r in reads] == [("read", "chart version")]


# --- sending ------------------------------------------------------------------------------------


@pytest.fixture
def idle_client(sqlite_runtime: Runtime) -> TestClient:
    """The app without its lifespan: no worker thread, so jobs wait until the test runs them."""
    app = create_app(sqlite_runtime.settings, sqlite_runtime)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def test_sending_queues_one_message_and_the_patient_reads_the_report_as_sent(
    idle_client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, treated: Treated
) -> None:
    client = idle_client
    ctx = sqlite_runtime.context
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    base = f"/patients/{treated.patient_id}/results"
    page = client.get(base)
    assert "Not sent to the patient yet" in page.text
    assert "The patient has no e-mail address yet" in page.text
    refused = client.post(f"{base}/report/send", data={"csrf_token": csrf})
    assert refused.status_code == 422
    assert 'id="email-error">the patient has no e-mail address' in refused.text
    api = client.post(
        f"/api/v1/patients/{treated.patient_id}/results/report/send",
        headers={"X-CSRF-Token": csrf},
    )
    assert api.status_code == 422
    assert api.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in api.json()["errors"]] == ["email"]
    with ctx.uow() as uow:
        assert not uow.notifications.in_clinic(north.clinic.id)
        patient = uow.patients.get(north.clinic.id, treated.patient_id)
        assert patient is not None
        uow.patients.update(replace(patient, email="maria@example.org"))
        uow.commit()

    sent = client.post(f"{base}/report/send", data={"csrf_token": csrf})
    assert sent.status_code == 303 and sent.headers["location"].endswith("#report")
    with ctx.uow() as uow:  # answered before anything is drawn: the job has not run yet
        assert not uow.notifications.in_clinic(north.clinic.id)
        (asked,) = uow.sent_reports.for_patient(north.clinic.id, treated.patient_id)
    assert asked.status is ReportStatus.PREPARING and asked.pdf_sha256 is None
    html = client.get(base).text
    when = asked.requested_at.astimezone(ctx.clock.zone).strftime("%d %b %Y at %H:%M")
    assert (
        f"Being prepared for maria@example.org: asked for by clinician of north on {when}" in html
    )
    assert REFRESH in html  # the page looks again until it is sent
    (listed,) = client.get(f"/api/v1/patients/{treated.patient_id}/results/report/sent").json()
    assert (listed["status"], listed["pdf_sha256"], listed["sent_at"]) == ("preparing", None, None)

    settle(sqlite_runtime)  # what the worker does
    with ctx.uow() as uow:
        messages = uow.notifications.in_clinic(north.clinic.id)
        (report,) = uow.sent_reports.for_patient(north.clinic.id, treated.patient_id)
        events = [e.entry for e in uow.audit.for_patient(north.clinic.id, treated.patient_id)]
    (message,) = messages
    assert report.status is ReportStatus.SENT and report.pdf_sha256 is not None
    assert message.kind is NotificationKind.RESULTS_REPORT
    assert message.recipient == "maria@example.org" and message.patient_id == treated.patient_id
    assert report.notification_id == message.id and report.recipient == "maria@example.org"
    assert north.clinic.phone in message.body
    link = re.search(r"https?://\S+/p/([A-Za-z0-9_-]{20,})/results-report\.pdf", message.body)
    assert link, message.body
    for health_data in ("better", "wrinkle", "Wrinkle", "Reportson", "GAIS"):
        assert health_data not in message.body, "the e-mail holds no health data"
    (send_event,) = [e for e in events if e.action == "send"]
    assert send_event.record_type == "results_report" and "maria@example.org" in send_event.detail
    (sent_event,) = [e for e in events if e.action == "sent"]
    assert sent_event.actor == "clinician of north" and sent_event.source == "background job"
    assert report.pdf_sha256 in sent_event.detail and f"message {message.id}" in sent_event.detail

    listed = client.get(f"/api/v1/patients/{treated.patient_id}/results/report/sent").json()
    assert [(r["id"], r["status"], r["recipient"], r["notification_id"]) for r in listed] == [
        (report.id, "sent", "maria@example.org", message.id)
    ]
    html = client.get(base).text
    assert report.sent_at is not None
    when = report.sent_at.astimezone(ctx.clock.zone).strftime("%d %b %Y at %H:%M")
    assert f"Sent to maria@example.org on {when} by clinician of north" in html
    assert "Being prepared" not in html and REFRESH not in html

    client.cookies.clear()
    home = client.get(f"/p/{link.group(1)}")
    assert home.status_code == 200
    assert f'href="/p/{link.group(1)}/results-report.pdf">Your results report (PDF)' in home.text
    mine = client.get(f"/p/{link.group(1)}/results-report.pdf")
    assert mine.status_code == 200 and mine.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(mine.content).hexdigest() == report.pdf_sha256
    assert "Your results" in pdf_text(mine.content, "as-sent")
    with ctx.uow() as uow:
        events = [e.entry for e in uow.audit.for_patient(north.clinic.id, treated.patient_id)]
    opened = [e for e in events if e.record_type == "results_report" and e.action == "read"]
    assert any(e.actor.startswith("patient") for e in opened), [e.actor for e in opened]
    forged = client.get(f"/p/{link.group(1)[:-2]}xx/results-report.pdf")
    assert forged.status_code != 200 and b"%PDF" not in forged.content


def test_a_report_that_could_not_be_sent_says_why_and_the_patient_sees_none(
    idle_client: TestClient, sqlite_runtime: Runtime, north: SeededClinic, treated: Treated
) -> None:
    """The front desk removed the address between the send and the job: the page says so."""
    from tests.e2e.web.test_patient_link import hand_over

    client = idle_client
    ctx = sqlite_runtime.context
    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    _set_email(sqlite_runtime, north, treated.patient_id, "maria@example.org")
    base = f"/patients/{treated.patient_id}/results"
    assert client.post(f"{base}/report/send", data={"csrf_token": csrf}).status_code == 303
    _set_email(sqlite_runtime, north, treated.patient_id, "")
    settle(sqlite_runtime)
    html = client.get(base).text
    assert "Not sent: the patient has no e-mail address any more" in html
    assert "Sent to" not in html and REFRESH not in html
    with ctx.uow() as uow:
        assert not uow.notifications.in_clinic(north.clinic.id)
    (listed,) = client.get(f"/api/v1/patients/{treated.patient_id}/results/report/sent").json()
    assert listed["status"] == "not_sent" and "no e-mail address" in listed["reason"]
    token = hand_over(client, north, treated.patient_id)
    assert "Your results report" not in client.get(f"/p/{token}").text
    answer = client.get(f"/p/{token}/results-report.pdf")
    assert answer.status_code != 200 and b"%PDF" not in answer.content


def _set_email(runtime: Runtime, north: SeededClinic, patient_id: int, email: str) -> None:
    with runtime.context.uow() as uow:
        patient = uow.patients.get(north.clinic.id, patient_id)
        assert patient is not None
        uow.patients.update(replace(patient, email=email))
        uow.commit()


def test_without_a_sent_report_the_patients_link_opens_no_report(
    client: TestClient, north: SeededClinic
) -> None:
    from tests.e2e.web.test_patient_link import hand_over

    token = hand_over(client, north, north.patient.id)
    answer = client.get(f"/p/{token}/results-report.pdf")
    assert answer.status_code != 200 and b"%PDF" not in answer.content


# --- who may read and send ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "own_clinic", "expected"),
    [
        (Role.CLINICIAN, True, (200, 200, 422, 422, 200)),
        (Role.ADMIN, True, (200, 200, 422, 422, 200)),
        (Role.STAFF, True, (403, 403, 403, 403, 403)),
        (Role.CLINICIAN, False, (404, 404, 404, 404, 404)),
        (Role.ADMIN, False, (404, 404, 404, 404, 404)),
        (Role.STAFF, False, (403, 403, 403, 403, 403)),
    ],
)
def test_the_role_and_clinic_matrix_of_reading_and_sending(
    client: TestClient,
    sqlite_runtime: Runtime,
    north: SeededClinic,
    south: SeededClinic,
    role: Role,
    own_clinic: bool,
    expected: tuple[int, int, int, int, int],
) -> None:
    """North's patient has no e-mail address: those who may send get the 422 that says so."""
    who = north if own_clinic else south
    csrf = sign_in(client, who.usernames[role])
    patient = north.patient.id
    got = (
        client.get(f"/patients/{patient}/results/report.pdf?version=chart").status_code,
        client.get(f"/api/v1/patients/{patient}/results/report?version=patient").status_code,
        client.post(
            f"/patients/{patient}/results/report/send", data={"csrf_token": csrf}
        ).status_code,
        client.post(
            f"/api/v1/patients/{patient}/results/report/send", headers={"X-CSRF-Token": csrf}
        ).status_code,
        client.get(f"/api/v1/patients/{patient}/results/report/sent").status_code,
    )
    assert got == expected
    assert client.post(f"/patients/{patient}/results/report/send", data={}).status_code == 403
    bad = client.get(f"/api/v1/patients/{patient}/results/report?version=everything")
    assert bad.status_code == (422 if expected[0] == 200 else bad.status_code)
    with sqlite_runtime.context.uow() as uow:
        assert not uow.notifications.in_clinic(north.clinic.id)
        events = [e.entry for e in uow.audit.for_patient(north.clinic.id, patient)]
    reads = [e for e in events if e.record_type == "results_report"]
    assert len(reads) == (2 if expected[0] == 200 else 0)
    listed = [e for e in events if e.record_type == "sent_results_reports"]
    assert len(listed) == (2 if expected[-1] == 200 else 0)  # the page sent back, and the API
