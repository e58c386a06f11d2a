"""The patient's own page on a phone (390 × 844) in headless Chromium, against the real server:
open the link of the whole series, see the clinic, the coming visits and the check-in of the
session in recovery, read the guide (warning signs and a phone number to tap), check in through
the same link; screenshots in tests/output for review."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from resurface import bootstrap
from resurface.config import Environment
from resurface.domain.appointments import Appointment, AppointmentKind
from resurface.domain.people import Role
from resurface.services.access import Actor
from resurface.services.recovery import patient_links
from tests.conftest import make_settings
from tests.e2e.browser.journey_support import sign_in
from tests.support.browser import screenshot_path
from tests.support.clinic import seed_clinic
from tests.support.server import running_server

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def patient_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, int]]:
    """A seeded server, the patient link of the seeded patient, and their session's id."""
    data_dir: Path = tmp_path_factory.mktemp("patient-page-server")
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url, environment=Environment.DEVELOPMENT)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    session_id = north.record_ids["session"]
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
        today = runtime.context.clock.today()
        uow.appointments.add(
            Appointment(
                0,
                north.clinic.id,
                north.patient.id,
                AppointmentKind.SESSION,
                today + dt.timedelta(days=30),
                session_id,
                north.record_ids["plan"],
            )
        )
        uow.commit()
    actor = Actor(clinician.id, north.clinic.id, Role.CLINICIAN, clinician.display_name)
    token = patient_links.create_link(runtime.context, actor, north.patient.id).token
    runtime.dispose()
    env = {
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": url,
        "RESURFACE_SECRET_KEY": settings.secret_key,
    }
    with running_server(env, data_dir / "server.log") as base:
        yield base, token, session_id


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_the_patient_opens_their_page_reads_the_guide_and_checks_in(
    phone: Page, patient_server: tuple[str, str, int]
) -> None:
    base, token, session_id = patient_server
    phone.goto(f"{base}/p/{token}")
    expect(phone.get_by_role("heading", name="Hello Robin")).to_be_visible()
    expect(phone.locator(".patient-bar")).to_contain_text("Clinic north")
    # Readable without zoom: nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(phone.locator(".visits")).to_contain_text("treatment at the clinic")
    call = phone.get_by_role("link", name=re.compile(r"Call Clinic north"))
    expect(call).to_have_attribute("href", "tel:+442000000000")
    box = call.bounding_box()
    assert box is not None and box["height"] >= 44
    phone.screenshot(path=screenshot_path("patient-page-1-home"), full_page=True)

    phone.get_by_role("link", name="Read your guide").click()
    expect(phone.get_by_role("heading", name="Robin, your treatment guide")).to_be_visible()
    expect(phone.get_by_role("heading", name="Your treatment", exact=True)).to_be_visible()
    expect(phone.locator(".guide-treatment")).to_contain_text("fractional ablative laser treatment")
    expect(phone.locator(".guide-sessions")).to_contain_text("most people need 1 to 3 treatments")
    expect(phone.locator(".guide-sessions .dates")).to_contain_text("(booked)")
    expect(phone.locator(".guide-preparation")).to_contain_text("antiviral tablets")
    warnings = phone.locator(".guide-warnings")
    expect(warnings).to_contain_text("+44 20 0000 0000")
    expect(warnings.get_by_role("link", name=re.compile("Call Clinic north"))).to_be_visible()
    assert "Sources" not in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=screenshot_path("patient-page-2-guide"), full_page=True)

    phone.get_by_role("link", name="‹ Your page").click()
    phone.get_by_role("link", name=re.compile("Check in now")).click()
    expect(phone).to_have_url(f"{base}/p/{token}/sessions/{session_id}")
    expect(phone.get_by_role("heading", name="How is your skin today?")).to_be_visible()
    for name, value in {"redness": 4, "swelling": 1, "irritation": 1, "pain": 1, "itch": 1}.items():
        phone.locator(f"#q-{name} .pick").nth(value).click()
    phone.get_by_role("button", name="Send my check-in").click()
    expect(phone).to_have_url(re.compile(rf"/p/{re.escape(token)}/sessions/{session_id}\?sent=1"))
    expect(phone.locator("#result")).to_contain_text("Thank you")
    phone.screenshot(path=screenshot_path("patient-page-3-checked-in"), full_page=True)


def test_the_clinician_hands_over_the_link_and_prints_the_aftercare_sheet(
    browser: Browser, patient_server: tuple[str, str, int]
) -> None:
    base, _, session_id = patient_server
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    sign_in(page, base, "north.clinician")
    page.goto(f"{base}/patients/1/patient-link")
    expect(page.get_by_role("heading", name="Robin Tester-north's own page")).to_be_visible()
    handout = page.locator(".handout")
    expect(handout).to_contain_text("Clinic north")
    expect(handout.locator(".qr svg")).to_be_visible()
    expect(handout.locator(".link-url")).to_contain_text("/p/")
    page.emulate_media(media="print")
    page.screenshot(path=screenshot_path("patient-link-handout-print"), full_page=True)
    page.emulate_media(media="screen")

    page.goto(f"{base}/patients/1/guide/evidence")
    expect(page.locator(".evidence").first).to_be_visible()
    page.screenshot(path=screenshot_path("guide-evidence"), full_page=True)

    page.goto(f"{base}/patients/1/sessions/{session_id}/aftercare")
    sheet = page.locator(".sheet")
    expect(sheet).to_contain_text("Aftercare after your treatment")
    expect(sheet.locator(".qr svg")).to_be_visible()
    page.emulate_media(media="print")
    page.screenshot(path=screenshot_path("aftercare-sheet-print"), full_page=True)
    context.close()
