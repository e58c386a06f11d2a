"""A clinician turns on the second factor from their account and signs in with a code computed
(as their phone's app would) by pyotp — in a real browser against the real server."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect

from resurface.domain.people import Role
from tests.support.browser import screenshot_path
from tests.support.clinic import PASSWORD, SeededClinic

pytestmark = pytest.mark.browser


def _password(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_turn_on_the_second_factor_and_sign_in_with_a_code(
    page: Page, seeded_server: tuple[str, SeededClinic]
) -> None:
    base, north = seeded_server
    username = north.usernames[Role.CLINICIAN]
    _password(page, base, username)
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()

    page.get_by_role("link", name="My sessions").click()
    expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
    expect(page.get_by_text("(this browser)")).to_be_visible()
    page.get_by_role("link", name=re.compile("Second factor")).click()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.screenshot(path=screenshot_path("second-factor-enrol"))
    page.get_by_label("Code from your app").fill("000000")
    page.get_by_role("button", name="Turn the second factor on").click()
    expect(page.locator("#code-error")).to_have_text(
        "is not the code your authenticator app shows now"
    )
    page.get_by_label("Code from your app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn the second factor on").click()
    expect(page.get_by_role("status")).to_contain_text("The second factor is on")
    expect(page.locator("#totp-secret")).to_have_count(0)  # never shown again

    page.get_by_role("button", name="Sign out").click()
    _password(page, base, username)
    expect(page.get_by_role("heading", name="Code from your authenticator app")).to_be_visible()
    page.goto(f"{base}/patients")  # the password alone opens nothing
    expect(page).to_have_url(re.compile(r"/login"))
    _password(page, base, username)
    page.get_by_label("Code").fill("12 34 56")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_be_visible()
    page.screenshot(path=screenshot_path("second-factor-wrong-code"))
    # The code used to enrol counts once; the app's next code is good.
    page.get_by_label("Code").fill(pyotp.TOTP(secret).at(time.time() + 30))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    page.goto(f"{base}/account/sessions")
    expect(page.get_by_text("(this browser)")).to_be_visible()
