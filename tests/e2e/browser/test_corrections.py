"""Correcting the record and the guards, in a real browser: the front desk corrects a phone number
and a clinician a session's settings, each with the history shown; a session cannot be recorded
while an urgent alert is open, and goes ahead only with a reason once it is acknowledged; the
patient who reported a warning sign is told one thing: call the clinic."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from resurface.domain.people import Role
from tests.e2e.browser.journey_support import PHONE, TABLET, ClinicServer, clinic_server, sign_in
from tests.support.browser import launch, screenshot_path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(tmp_path_factory.mktemp("corrections-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=TABLET)
    yield opened
    opened.close()


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=screenshot_path(f"corrections-{name}"), full_page=True)


def test_the_front_desk_corrects_a_phone_number_and_sees_the_history(
    server: ClinicServer, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, server.base, server.north.usernames[Role.STAFF])
    page.goto(f"{server.base}/patients")
    page.get_by_role("link", name="Tester-north, Robin").click()
    expect(page.get_by_role("heading", name="Robin Tester-north: contact details")).to_be_visible()
    page.get_by_label("Phone").fill("07700 900123")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator("#reason-error")).to_have_text("say why the record is corrected")
    expect(page.get_by_label("Phone")).to_have_value("07700 900123")  # what was typed is kept

    page.get_by_label("Reason for the correction").fill("The patient gave a new number")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status")).to_contain_text("The correction is saved")
    history = page.get_by_role("region", name="History of corrections")
    expect(history).to_contain_text("by staff of north")
    expect(history).to_contain_text("Reason: The patient gave a new number")
    expect(history.get_by_role("row").filter(has_text="Phone")).to_contain_text("07700 900123")
    _shot(page, "01-phone-corrected")


def test_a_clinician_corrects_a_sessions_energy_and_the_old_value_stays_in_the_history(
    server: ClinicServer, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, server.base, server.north.usernames[Role.CLINICIAN])
    session_id = server.north.record_ids["session"]
    page.goto(f"{server.base}/sessions/{session_id}")
    page.get_by_role("link", name="Correct this session").click()
    expect(page.get_by_role("heading", name=re.compile("^Correct the session of"))).to_be_visible()
    energy = page.get_by_label("Energy (mJ)")
    expect(energy).to_have_value("15")
    energy.fill("12")
    page.get_by_label("Reason for the correction").fill("15 mJ was the test spot, not the face")
    page.get_by_role("button", name="Save the correction").click()

    expect(page.get_by_role("status")).to_contain_text("The correction is saved")
    expect(page.locator("table.settings tbody tr").first).to_contain_text("12 mJ")
    history = page.get_by_role("region", name="History of corrections")
    row = history.get_by_role("row").filter(has_text="around the mouth")
    expect(row.get_by_role("cell").nth(1)).to_contain_text("15 mJ")
    expect(row.get_by_role("cell").nth(2)).to_contain_text("12 mJ")
    _shot(page, "02-session-corrected")

    page.goto(f"{server.base}/patients/{server.north.patient.id}")
    expect(page.locator("li.entry-session")).to_contain_text("12 mJ")


def test_an_urgent_alert_stops_the_session_until_acknowledged_and_the_patient_is_told_to_call(
    server: ClinicServer, browser: Browser, context: BrowserContext
) -> None:
    page = context.new_page()
    sign_in(page, server.base, server.south.usernames[Role.CLINICIAN])
    ids = server.south.record_ids
    patient_id, session_id = ids["patient"], ids["session"]
    token = _recovery_link(context, server.base, patient_id, session_id)

    phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        phone = phone_context.new_page()
        phone.goto(f"{server.base}/r/{token}")
        scores = {"redness": 6, "swelling": 4, "irritation": 5, "pain": 5, "itch": 2}
        for name, value in scores.items():
            phone.locator(f"#q-{name} .pick").nth(value).click()
        phone.get_by_label("Yellow crusts, pus, or a discharge that stings").check()
        phone.get_by_role("button", name="Send my check-in").click()
        expect(phone.get_by_role("heading", name="Please call the clinic now")).to_have_count(1)
        expect(phone.get_by_text(re.compile("within what is usual"))).to_have_count(0)
        expect(phone.get_by_text(re.compile("Please call the clinic now"))).to_have_count(1)
        phone.screenshot(path=screenshot_path("corrections-03-phone-one-voice"), full_page=True)
    finally:
        phone_context.close()

    page.goto(f"{server.base}/patients/{patient_id}/sessions/new")
    guards = page.get_by_role("alert").filter(has_text="Before you record this session")
    expect(guards).to_contain_text("Urgent alert not yet acknowledged: Possible infection")
    expect(guards.get_by_role("link", name="Acknowledge it on the recovery page")).to_be_visible()
    save = page.get_by_role("button", name="Save session and schedule follow-up")
    expect(save).to_be_disabled()
    _shot(page, "04-session-stopped-by-urgent-alert")

    guards.get_by_role("link", name="Acknowledge it on the recovery page").click()
    alert = page.locator("article.alert").filter(has_text="urgent")
    alert.get_by_label("What was done").fill("Called; seen today, antibiotics started.")
    alert.get_by_role("button", name="Acknowledge").click()
    expect(alert.locator(".status")).to_have_text("acknowledged")

    page.goto(f"{server.base}/patients/{patient_id}/sessions/new")
    page.get_by_label("Energy (mJ)").fill("12")
    page.get_by_label("Passes").fill("1")
    page.get_by_role("button", name="Save session and schedule follow-up").click()
    expect(page.locator("#proceed_reason-error")).to_contain_text("Give the reason to go on")
    page.get_by_label(re.compile("^Your reason to go ahead")).fill(
        "Infection treated and settled; the patient asked to go on"
    )
    page.get_by_role("button", name="Save session and schedule follow-up").click()
    checks = page.get_by_role("region", name="Recorded past these checks")
    expect(checks).to_contain_text("Reason given: Infection treated and settled")
    _shot(page, "05-session-recorded-past-the-guards")


def _recovery_link(context: BrowserContext, base: str, patient_id: int, session_id: int) -> str:
    """A recovery link the clinic makes for the session; its token."""
    me = context.request.get(f"{base}/api/v1/me")
    headers = {"X-CSRF-Token": me.json()["csrf_token"]}
    issued = context.request.post(
        f"{base}/api/v1/patients/{patient_id}/sessions/{session_id}/links", headers=headers
    )
    assert issued.status == 201, issued.text()
    return str(issued.json()["url"]).rsplit("/r/", 1)[1]
