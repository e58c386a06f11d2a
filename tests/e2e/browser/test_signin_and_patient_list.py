"""Sign in, find a patient, open the chart, sign out — in a real browser against the real server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from resurface.domain.people import Role
from tests.support.browser import screenshot_path
from tests.support.clinic import PASSWORD, SeededClinic

pytestmark = pytest.mark.browser


def _sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/patients")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_wrong_password_shows_a_message_and_keeps_the_user_name(
    page: Page, seeded_server: tuple[str, SeededClinic]
) -> None:
    base, north = seeded_server
    _sign_in(page, base, north.usernames[Role.CLINICIAN], "not it at all")
    expect(page.get_by_role("alert")).to_contain_text("Wrong user name or password")
    expect(page.get_by_label("User name")).to_have_value(north.usernames[Role.CLINICIAN])
    page.screenshot(path=screenshot_path("signin-wrong-password"))


def test_sign_in_search_open_chart_and_sign_out(
    page: Page, seeded_server: tuple[str, SeededClinic]
) -> None:
    base, north = seeded_server
    _sign_in(page, base, north.usernames[Role.CLINICIAN])
    expect(page.get_by_role("heading", name="Patients")).to_be_visible()
    expect(page.get_by_role("link", name="Tester-north, Robin")).to_be_visible()
    expect(page.get_by_text("Tester-south")).to_have_count(0)
    page.screenshot(path=screenshot_path("patient-list"))

    page.get_by_label("Search by name").fill("nobody")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("No patients match.")).to_be_visible()
    page.get_by_label("Search by name").fill("robin")
    page.get_by_label("Stage").select_option("planned")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_text("0 patients")).to_be_visible()
    page.get_by_label("Stage").select_option("")
    page.get_by_role("button", name="Show").click()

    page.get_by_role("link", name="Tester-north, Robin").click()
    expect(page.get_by_role("heading", name="Robin Tester-north")).to_be_visible()
    expect(page.get_by_role("heading", name="Treatment session 1")).to_be_visible()
    page.screenshot(path=screenshot_path("chart-timeline"), full_page=True)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"{base}/patients/{north.patient.id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_keyboard_alone_signs_in(page: Page, seeded_server: tuple[str, SeededClinic]) -> None:
    base, north = seeded_server
    page.goto(f"{base}/login")
    expect(page.get_by_label("User name")).to_be_focused()
    page.keyboard.type(north.usernames[Role.STAFF])
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
