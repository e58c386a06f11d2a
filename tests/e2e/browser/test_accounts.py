"""In a real browser against the real server: the medical director resets a user's password (the
user signs in with the temporary one, must choose their own, then works), and deactivating a user
signs out their open session at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from resurface.domain.people import Role
from tests.e2e.browser.conftest import NAVIGATION_TIMEOUT_MS
from tests.e2e.browser.journey_support import ClinicServer, clinic_server
from tests.support.browser import screenshot_path
from tests.support.clinic import PASSWORD

pytestmark = pytest.mark.browser

NEW = "tangerine viaduct oboe"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(Path(tmp_path_factory.mktemp("accounts"))) as running:
        yield running


def _new_page(browser: Browser) -> Page:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return context.new_page()


def _sign_in(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def _open_user(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/admin/users")
    row = page.get_by_role("row").filter(has_text=username)
    row.get_by_role("link", name="Change").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(username)


def test_a_password_reset_from_the_directors_page_to_the_users_own_password(
    browser: Browser, server: ClinicServer
) -> None:
    base, north = server.base, server.north
    clinician = north.usernames[Role.CLINICIAN]
    director, user = _new_page(browser), _new_page(browser)
    _sign_in(user, base, clinician)
    expect(user.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()

    _sign_in(director, base, north.usernames[Role.ADMIN])
    _open_user(director, base, clinician)
    director.get_by_role("button", name="Reset password").click()
    shown = director.get_by_test_id("temporary-password")
    expect(shown).to_be_visible()
    temporary = shown.inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", temporary)
    director.screenshot(path=screenshot_path("password-reset-shown-once"))

    user.reload()  # the reset ended the user's open session
    expect(user).to_have_url(re.compile(r"/login"))
    _sign_in(user, base, clinician, temporary)
    expect(user).to_have_url(re.compile(r"/account/password\?required=1$"))
    expect(user.get_by_role("alert")).to_contain_text("Your password was reset")
    user.goto(f"{base}/patients")  # nothing else until the password is changed
    expect(user).to_have_url(re.compile(r"/account/password"))

    user.get_by_label("Temporary password").fill(temporary)
    user.get_by_label("New password", exact=True).fill("password1234")
    user.get_by_label("New password again").fill("password1234")
    user.get_by_role("button", name="Change password").click()
    expect(user.locator("#new_password-error")).to_contain_text("too easy to guess")
    user.screenshot(path=screenshot_path("password-too-easy"))

    user.get_by_label("Temporary password").fill(temporary)
    user.get_by_label("New password", exact=True).fill(NEW)
    user.get_by_label("New password again").fill(NEW)
    user.get_by_role("button", name="Change password").click()
    expect(user.get_by_role("status")).to_contain_text("Your password is changed")
    user.get_by_role("link", name="Patients").click()
    expect(user.get_by_role("link", name="Tester-north, Robin")).to_be_visible()

    user.get_by_role("button", name="Sign out").click()
    _sign_in(user, base, clinician, NEW)
    expect(user.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()


def test_deactivating_a_user_signs_out_their_open_session(
    browser: Browser, server: ClinicServer
) -> None:
    base, north = server.base, server.north
    staff = north.usernames[Role.STAFF]
    director, user = _new_page(browser), _new_page(browser)
    _sign_in(user, base, staff)
    user.get_by_role("link", name="Patients").click()
    expect(user.get_by_role("link", name="Tester-north, Robin")).to_be_visible()

    _sign_in(director, base, north.usernames[Role.ADMIN])
    _open_user(director, base, staff)
    director.get_by_label("May sign in").uncheck()
    director.get_by_role("button", name="Save").click()
    expect(director.get_by_role("status")).to_contain_text("Saved")
    expect(director.get_by_role("row").filter(has_text=staff)).to_contain_text("deactivated")

    user.get_by_role("link", name="Tester-north, Robin").click()
    expect(user).to_have_url(re.compile(r"/login\?next="))
    _sign_in(user, base, staff)
    expect(user.get_by_role("alert")).to_contain_text("Wrong user name or password")
