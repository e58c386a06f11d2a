"""One new patient's whole journey in headless Chromium against the real server, as the clinician
sees it: consultation and screening, assessment with a photo, plan with an override, a session
beyond a limit, the patient's urgent check-in on a phone, the alert acknowledged, and results."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from resurface.domain.people import Role
from tests.e2e.browser.journey_support import (
    PHONE,
    TABLET,
    ClinicServer,
    clinic_server,
    face_jpeg,
    sign_in,
    upload_photo_by_api,
)
from tests.support.browser import launch, screenshot_path
from tests.support.consents import draw_signature

pytestmark = pytest.mark.browser

GIVEN, FAMILY = "Marlowe", "Quintero-Journey"
FULL_NAME = f"{GIVEN} {FAMILY}"

ANALYSIS_TIMEOUT_MS = 180_000
SAVE_TIMEOUT_MS = 60_000
"""The server's background worker measures a photo in seconds; a loaded machine is slower."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(tmp_path_factory.mktemp("journey-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def clinician(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=TABLET)
    context.set_default_timeout(15_000)
    yield context
    context.close()


def shot(page: Page, name: str) -> None:
    page.screenshot(path=screenshot_path(f"journey-{name}"), full_page=True)


def test_one_patient_from_consultation_to_results(
    server: ClinicServer, browser: Browser, clinician: BrowserContext, tmp_path: Path
) -> None:
    page = clinician.new_page()
    sign_in(page, server.base, server.north.usernames[Role.CLINICIAN])
    shot(page, "01-signed-in")

    patient_id = _consultation(page, server.base)
    _assessment(page, tmp_path)
    _plan(page, server.base, patient_id)
    _consent(page, server.base, patient_id)
    session_id = _session(page, server.base, patient_id)
    _urgent_checkin(page, browser, server.base, patient_id, session_id)
    _alert_acknowledged(page, server.base, patient_id)
    _results(page, clinician, server.base, patient_id, tmp_path)


def _consultation(page: Page, base: str) -> int:
    page.goto(f"{base}/patients/new")
    expect(page.get_by_role("heading", name="New patient and first consultation")).to_be_visible()
    page.get_by_label("Given name").fill(GIVEN)
    page.get_by_label("Family name").fill(FAMILY)
    page.get_by_label("Date of birth").fill("1968-04-12")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Phone").fill("+44 20 7946 0123")
    goals = page.locator(".goal-row")
    for row, (concern, area, severity) in enumerate(
        (("wrinkles", "perioral", "moderate"), ("wrinkles", "neck", "mild"))
    ):
        goals.nth(row).get_by_label("Concern").select_option(concern)
        goals.nth(row).get_by_label("Area").select_option(area)
        goals.nth(row).get_by_label("Severity").select_option(severity)
    page.get_by_label("Have you ever had cold sores (herpes simplex)?").check()
    page.get_by_label("Or: skin type recorded directly").select_option("II")
    shot(page, "02-consultation-filled")
    page.get_by_role("button", name="Save and screen").click()

    expect(page.get_by_role("heading", name="Screening result")).to_be_visible()
    verdict = page.locator("#verdict")
    expect(verdict).to_have_text("May be treated, with the limits below")
    precautions = page.locator(".finding-precaution")
    expect(precautions.get_by_role("heading", name="Precautions")).to_be_visible()
    finding = precautions.locator("li").first
    expect(finding).to_contain_text("Hsv history")
    expect(finding.locator(".reason")).not_to_be_empty()
    expect(finding.locator(".source")).to_contain_text(re.compile(r"Source: \S+"))
    shot(page, "03-screening-result")

    expect(page.get_by_role("link", name="Consent", exact=True)).to_be_visible()

    chart = page.get_by_role("link", name="Chart", exact=True).get_attribute("href")
    match = re.fullmatch(r"/patients/(\d+)", chart or "")
    assert match, chart
    return int(match.group(1))


def _assessment(page: Page, tmp_path: Path) -> None:
    page.get_by_role("link", name="Next: assessment and photos").click()
    expect(page.get_by_role("heading", name=f"Assessment: {FULL_NAME}")).to_be_visible()
    wrinkles = "Fitzpatrick wrinkle and elastosis classification"
    page.get_by_role("group", name="Around the mouth").get_by_label(wrinkles).select_option("II")
    page.get_by_role("group", name="Neck").get_by_label(wrinkles).select_option("I")
    page.get_by_role("group", name="Around the mouth").get_by_label("Glogau").select_option("III")
    page.get_by_role("button", name="Save grades").click()
    saved = page.get_by_role("region", name=re.compile(r"^Grades saved on"))
    expect(saved.get_by_role("row")).to_have_count(4)  # header + three grades
    expect(saved).to_contain_text("class II")

    row = page.get_by_role("group", name="Photo 1")
    row.get_by_label("Region").select_option("perioral")
    row.get_by_label("File").set_input_files(face_jpeg(tmp_path / "baseline.jpg"))
    shot(page, "04-assessment-graded")
    page.get_by_role("button", name="Upload and analyse baseline photos").click()
    saved = page.get_by_text("1 photo saved; each is analysed in the background")
    expect(saved).to_be_visible(timeout=SAVE_TIMEOUT_MS)  # the shot's capture check runs too
    page.locator(".photo-list").get_by_role("link", name="Analysis").click()

    expect(page.get_by_role("heading", name="Photo analysis: around the mouth")).to_be_visible()
    overlay = page.get_by_role("img", name=re.compile(r"^Analysis overlay"))
    # The server's worker measures it; the page refreshes itself until then.
    expect(overlay).to_be_visible(timeout=ANALYSIS_TIMEOUT_MS)
    assert overlay.evaluate("img => img.complete && img.naturalWidth > 0")
    metrics = page.locator("table.metrics")
    expect(metrics.locator("thead th")).to_have_count(7)  # "Metric" + six face regions
    expect(metrics.get_by_role("row", name=re.compile(r"^Wrinkle length"))).to_be_visible()
    shot(page, "05-photo-analysis")


def _plan(page: Page, base: str, patient_id: int) -> None:
    page.goto(f"{base}/patients/{patient_id}/plan")
    expect(page.get_by_role("heading", name="The engine's proposal")).to_be_visible()
    items = page.locator("article.plan-item")
    expect(items).to_have_count(2)
    shot(page, "06-plan-proposal")
    page.get_by_role("button", name="Save this proposal as the plan").click()
    expect(page.locator("#status-title")).to_contain_text("Proposed")

    page.get_by_role("button", name="Accept item 1").click()
    expect(page.locator("#item-1")).to_contain_text("Accepted as proposed by")

    second = page.locator("#item-2")
    second.get_by_text("Override item 2…").click()
    second.get_by_label("Sessions (proposed").fill("2")
    second.get_by_role("button", name="Save override").click()
    # The page says so next to the field before anything is sent ...
    reason = second.get_by_label("Reason for the override (required)")
    expect(second.locator(".js-reason-note")).to_have_text(
        "Give the reason for overriding the proposal."
    )
    expect(reason).to_be_focused()
    # ... and the server refuses it too, keeping what was typed.
    second.locator("form.override-form").evaluate("form => form.submit()")
    second = page.locator("#item-2")
    expect(second.locator("#item-2-reason-error")).to_be_visible()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(second.get_by_label("Sessions (proposed")).to_have_value("2")
    shot(page, "07-plan-override-needs-reason")

    reason.fill("Patient can only come twice before moving abroad.")
    second.get_by_role("button", name="Save override").click()
    expect(page.locator("#item-2")).to_contain_text("Reason: Patient can only come twice")
    expect(page.locator("#status-title")).to_contain_text("Accepted")
    shot(page, "08-plan-accepted")


def _consent(page: Page, base: str, patient_id: int) -> None:
    """The session form refuses a first session without consent; the patient signs on the
    clinic's tablet (the clinician hands it over), and the session can be recorded."""
    page.goto(f"{base}/patients/{patient_id}/sessions/new")
    guards = page.locator("section.guards")
    expect(guards).to_contain_text("No signed consent to fractional ablative CO₂")
    expect(page.get_by_role("button", name="Save session and schedule follow-up")).to_be_disabled()
    guards.get_by_role("link", name="Have the patient sign it on the Consents page").click()
    page.get_by_role("link", name="Sign on this device").first.click()
    expect(page.locator(".consent-treatment")).to_have_text("Fractional CO₂ laser resurfacing")
    page.get_by_label("Type your full name").fill(f"{GIVEN} {FAMILY}")
    draw_signature(page)
    shot(page, "08b-consent-signing")
    page.get_by_role("button", name="I agree and sign").click()
    expect(page.get_by_role("status")).to_contain_text("The consent is signed")
    page.goto(f"{base}/patients/{patient_id}/plan")


def _session(page: Page, base: str, patient_id: int) -> int:
    page.get_by_role("link", name="Record a session").click()
    expect(page).to_have_url(f"{base}/patients/{patient_id}/sessions/new")
    expect(page.get_by_role("heading", name=re.compile(r"^Record session 1 of"))).to_be_visible()
    page.get_by_label("Device").fill("Clinic CO2 unit")
    perioral = page.get_by_role("group", name=re.compile(r"^Around the mouth"))
    neck = page.get_by_role("group", name=re.compile(r"^Neck"))
    for area, energy, density in ((perioral, "20", "15"), (neck, "14", "10")):
        area.get_by_label("Energy (mJ)").fill(energy)
        area.get_by_label("Pulse duration (ms)").fill("1")
        area.get_by_label("Spot size (mm)").fill("0.12")
        area.get_by_label("Density (%)").fill(density)
        area.get_by_label("Passes").fill("1")
        area.get_by_label("Immediate response").fill("Pinpoint bleeding, mild oedema")
    neck_limit = neck.locator(".limits")
    expect(neck_limit).to_contain_text("energy ≤ 28 mJ")
    # Beyond the neck's energy limit: warned at once, refused without a reason.
    neck.get_by_label("Energy (mJ)").fill("32")
    expect(neck.locator(".limit-warning")).to_contain_text("Above the limit of 28 mJ")
    shot(page, "09-session-beyond-limit-warned")
    page.get_by_role("button", name="Save session and schedule follow-up").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved yet")
    expect(page.get_by_role("alert")).to_contain_text("beyond the area's limits")
    neck = page.get_by_role("group", name=re.compile(r"^Neck"))
    reason = neck.get_by_label("Reason for settings beyond the limits")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(neck.locator("#areas-1-beyond_limits_reason-error")).to_be_visible()
    expect(neck.get_by_label("Energy (mJ)")).to_have_value("32")  # nothing typed is lost
    expect(page.get_by_label("Device")).to_have_value("Clinic CO2 unit")
    shot(page, "10-session-reason-needed")

    reason.fill("Thick neck skin, good response to a test spot at 32 mJ.")
    page.get_by_role("button", name="Save session and schedule follow-up").click()
    expect(page.get_by_role("status")).to_contain_text(
        re.compile(r"Session saved\. \d+ recovery check-ins and the next session are scheduled")
    )
    expect(page.locator(".beyond")).to_contain_text("Reason: Thick neck skin")
    expect(page.locator("ul.checkin-days li").first).to_be_visible()
    expect(page.locator("#next-session")).to_contain_text("Due on")
    shot(page, "11-session-saved")
    match = re.search(r"/sessions/(\d+)", page.url)
    assert match
    return int(match.group(1))


def _urgent_checkin(page: Page, browser: Browser, base: str, pid: int, sid: int) -> None:
    page.get_by_role("link", name="Patient's recovery link and QR code").click()
    expect(page).to_have_url(f"{base}/patients/{pid}/sessions/{sid}/link")
    page.get_by_role("button", name="Create a link").click()
    expect(page.get_by_role("status")).to_contain_text("A new link was created")
    expect(page.get_by_label("QR code of the link")).to_be_visible()
    url = page.locator(".link-url a").inner_text()
    token = url.rsplit("/r/", 1)[1]
    shot(page, "12-recovery-link")

    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone = phone_context.new_page()
        phone.goto(f"{base}/r/{token}")
        expect(phone.get_by_role("heading", name="How is your skin today?")).to_be_visible()
        for name, value in {
            "redness": 7,
            "swelling": 5,
            "irritation": 6,
            "pain": 8,
            "itch": 2,
        }.items():
            phone.locator(f"#q-{name} .pick").nth(value).click()
        phone.get_by_label("Yellow crusts, pus, or a discharge that stings").check()
        phone.get_by_label("Anything else to tell the clinic?").fill("Yellow crust on the chin")
        phone.get_by_role("button", name="Send my check-in").click()
        urgent = phone.get_by_role("alert")
        expect(urgent.get_by_role("heading", name="Please call the clinic now")).to_be_visible()
        expect(urgent.get_by_role("link", name=re.compile(r"^Call Clinic north"))).to_be_visible()
        phone.screenshot(path=screenshot_path("journey-13-patient-told-to-call"), full_page=True)
    finally:
        phone_context.close()


def _alert_acknowledged(page: Page, base: str, patient_id: int) -> None:
    page.goto(f"{base}/")
    alerts = page.get_by_role("region", name=re.compile(r"^Open alerts"))
    mine = alerts.locator("li").filter(has_text=FULL_NAME)
    expect(mine).to_have_count(1)
    expect(mine.locator(".badge")).to_have_text("urgent")
    expect(mine).to_contain_text("possible infection · day 0")
    today = page.get_by_role("region", name=re.compile(r"^Today's sessions"))
    expect(today.locator("li").filter(has_text=FULL_NAME)).to_contain_text("recorded")
    shot(page, "14-home-urgent-alert")

    mine.get_by_role("link", name=FULL_NAME).click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient_id}/recovery\?session_id=\d+"))
    expect(page.get_by_role("heading", name=f"Recovery: {FULL_NAME}")).to_be_visible()
    expect(page.locator("figure.chart svg")).to_have_count(5)
    alert = page.locator("article.alert").filter(has_text="urgent")
    expect(alert).to_have_count(1)
    expect(alert.locator(".status")).to_have_text("open")
    expect(alert).to_contain_text("Possible infection")
    checkin = page.get_by_role("row").filter(has_text="yellow crust or pus")
    expect(checkin.get_by_role("cell")).to_have_text(
        [
            "0",
            re.compile(r"\d+ \w+"),
            "7",
            "5",
            "6",
            "8",
            "2",
            "yellow crust or pus",
            "Entered in error?",
        ]
    )
    shot(page, "15-recovery-chart-and-alert")

    alert.get_by_label("What was done").fill("Called the patient; swab taken, antibiotics started.")
    alert.get_by_role("button", name="Acknowledge").click()
    alert = page.locator("article.alert").filter(has_text="urgent")
    expect(alert.locator(".status")).to_have_text("acknowledged")
    expect(alert.locator(".note-history")).to_contain_text("swab taken, antibiotics started")
    shot(page, "16-alert-acknowledged")


def _results(
    page: Page, context: BrowserContext, base: str, patient_id: int, tmp_path: Path
) -> None:
    later = face_jpeg(tmp_path / "later.jpg", brightness=1.08)
    uploaded = upload_photo_by_api(context, base, patient_id, "perioral", later, "follow_up")
    assert uploaded.status == 202, uploaded.text()  # stored; measured in the background

    page.goto(f"{base}/patients/{patient_id}/results")
    expect(page.get_by_role("heading", name=f"Results: {FULL_NAME}")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Before: around the mouth"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^After: around the mouth"))).to_be_visible()
    changes = page.locator("table.changes tbody tr")
    # "Being analysed and compared" until the server's worker is done; the page refreshes itself.
    expect(changes.first).to_be_visible(timeout=ANALYSIS_TIMEOUT_MS)
    assert changes.count() >= 6
    expect(changes.locator(".better-badge, .worse-badge").first).to_be_visible()
    expect(page.get_by_role("heading", name="Sessions still needed")).to_be_visible()
    expect(page.locator("article.reestimate")).to_have_count(2)  # perioral and neck
    shot(page, "17-results-before-after")

    gais = page.get_by_role("group", name="Rate the result")
    gais.get_by_role("radio", name=re.compile(r"^2 · ")).check()
    page.get_by_label("Note (optional)").fill("Smoother lip lines; patient pleased.")
    page.get_by_role("button", name="Save rating").click()
    expect(page.locator("ul.outcomes li").first).to_contain_text(re.compile(r"^2 · "))
    expect(page.locator("ul.outcomes")).to_contain_text("patient pleased")
    shot(page, "18-results-gais-saved")
