"""The patient signs the consent on their own phone (390 × 844) in headless Chromium against the
real server: open the signing link, read, type the name, draw the signature with the mouse,
send; the clinic then finds the signed PDF, whose SHA-256 matches the record."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from resurface import bootstrap
from resurface.config import Environment
from resurface.domain.people import Role
from resurface.services import consents
from resurface.services.auth import actor_of
from tests.conftest import make_settings
from tests.e2e.browser.journey_support import PHONE, TABLET, sign_in
from tests.support.browser import screenshot_path
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.consents import draw_signature, patient_to_consent
from tests.support.server import running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def consent_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, SeededClinic, int, str]]:
    """A server, the seeded clinic, a patient ready to consent and their signing link's path."""
    data_dir: Path = tmp_path_factory.mktemp("consent-server")
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url, environment=Environment.DEVELOPMENT)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
    patient, _ = patient_to_consent(runtime.context.uow, north.clinic.id, clinician.id)
    issued = consents.issue_link(
        runtime.context, actor_of(clinician, "test"), patient.id, "ablative_co2"
    )
    runtime.dispose()
    env = {
        "RESURFACE_ENVIRONMENT": Environment.DEVELOPMENT.value,
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": url,
        "RESURFACE_SECRET_KEY": settings.secret_key,
    }
    with running_server(env, data_dir / "server.log") as base:
        yield base, north, patient.id, f"/consent/{issued.token}"


def test_the_patient_signs_on_their_phone_and_the_clinic_checks_the_pdf(
    browser: Browser, consent_server: tuple[str, SeededClinic, int, str]
) -> None:
    base, north, patient_id, path = consent_server
    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    phone_context.set_default_navigation_timeout(180_000)
    phone = phone_context.new_page()
    phone.goto(f"{base}{path}")
    expect(phone.get_by_role("heading", name="Consent to laser skin resurfacing")).to_be_visible()
    expect(phone.get_by_text("Fully ablative CO₂ laser resurfacing").first).to_be_visible()
    expect(phone.locator(".consent-risks").nth(1)).to_contain_text("about 37 in 100 people")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=screenshot_path("consent-phone-1-read"), full_page=True)

    # Sending without a signature: the name is kept, the pad asks for one.
    phone.get_by_label("Type your full name").fill("Alex Consenter")
    phone.get_by_role("button", name="I agree and sign").click()
    expect(phone.locator("#signature-error")).to_have_text("draw your signature in the box")
    expect(phone.get_by_label("Type your full name")).to_have_value("Alex Consenter")

    draw_signature(phone)
    strokes = phone.locator("#strokes").input_value()
    assert strokes.startswith("[[[") and strokes.count("]],[[") == 1
    phone.screenshot(path=screenshot_path("consent-phone-2-signed"), full_page=True)
    phone.get_by_role("button", name="I agree and sign").click()
    expect(phone.get_by_role("heading", name="Thank you: your consent is signed")).to_be_visible()
    phone.screenshot(path=screenshot_path("consent-phone-3-thanks"), full_page=True)
    phone.goto(f"{base}{path}")
    expect(phone.get_by_role("heading", name="This link does not work")).to_be_visible()
    phone_context.close()

    desk = browser.new_context(viewport=TABLET)
    desk.set_default_navigation_timeout(180_000)
    page = desk.new_page()
    sign_in(page, base, north.usernames[Role.CLINICIAN])
    page.goto(f"{base}/patients/{patient_id}/consents")
    expect(page.get_by_text(re.compile(r"^Signed \d\d \w{3} \d{4}$"))).to_be_visible()
    page.screenshot(path=screenshot_path("consent-desk-overview"), full_page=True)
    row = page.locator("tr", has_text="on the patient's own device")
    pdf_href = row.get_by_role("link", name="PDF").get_attribute("href")
    assert pdf_href is not None
    pdf = page.request.get(f"{base}{pdf_href}")
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    row.get_by_role("link", name="Check").click()
    expect(page.get_by_role("heading", name=re.compile("the file is intact"))).to_be_visible()
    expect(page.locator("code").first).to_have_text(hashlib.sha256(pdf.body()).hexdigest())
    page.screenshot(path=screenshot_path("consent-desk-verified"), full_page=True)
    desk.close()
