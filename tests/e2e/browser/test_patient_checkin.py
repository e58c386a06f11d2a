"""The patient's check-in on a phone (390 × 844) in headless Chromium, against the real server:
open the link, fill and send, see the band and the aftercare; a check-in made offline is kept
on the phone and sent when the network is back."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect

from resurface import bootstrap
from resurface.config import Environment
from resurface.domain.people import Role
from resurface.services.recovery import links
from tests.conftest import make_settings
from tests.support.browser import screenshot_path
from tests.support.clinic import seed_clinic
from tests.support.server import running_server

pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def recovery_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    """A seeded server and two recovery tokens of the seeded session (one per test)."""
    data_dir: Path = tmp_path_factory.mktemp("recovery-server")
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url, environment=Environment.DEVELOPMENT)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    keys = links.LinkSigner(settings.secret_key, settings.public_url, 42)
    tokens = []
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        session = uow.charts.session(north.clinic.id, north.record_ids["session"])
        assert clinician is not None and session is not None
        for minutes in (0, 1):
            now = dt.datetime.now(dt.UTC) + dt.timedelta(microseconds=minutes)
            tokens.append(links._new_link(uow, keys, session, clinician.id, now).token)
        uow.commit()
    runtime.dispose()
    env = {
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": url,
        "RESURFACE_SECRET_KEY": settings.secret_key,
    }
    with running_server(env, data_dir / "server.log") as base:
        yield base, tokens


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def _fill(page: Page, values: dict[str, int]) -> None:
    """Tap each score's number, as a patient does."""
    for name, value in values.items():
        page.locator(f"#q-{name} .pick").nth(value).click()


def test_fill_and_send_a_checkin_then_see_the_band_and_the_aftercare(
    phone: Page, recovery_server: tuple[str, list[str]]
) -> None:
    base, tokens = recovery_server
    phone.goto(f"{base}/r/{tokens[0]}")
    expect(phone.get_by_role("heading", name="How is your skin today?")).to_be_visible()
    # Readable without zoom: nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.screenshot(path=screenshot_path("patient-checkin-1-open"), full_page=True)

    # Nothing is chosen until the patient chooses.
    expect(phone.locator('input[name="redness"]:checked')).to_have_count(0)
    _fill(phone, {"redness": 4, "swelling": 1, "irritation": 1, "pain": 1, "itch": 1})
    expect(phone.locator('input[name="redness"][value="4"]')).to_be_checked()
    phone.get_by_label("Anything else to tell the clinic?").fill("Feels warm in the evening")
    target = phone.locator("#q-redness .pick").nth(4).bounding_box()
    assert target is not None and target["height"] >= 44 and target["width"] >= 24
    phone.screenshot(path=screenshot_path("patient-checkin-2-filled"), full_page=True)

    phone.get_by_role("button", name="Send my check-in").click()
    expect(phone).to_have_url(re.compile(r"\?sent=1"))
    result = phone.locator("#result")
    expect(result).to_contain_text("Thank you")
    expect(result).to_contain_text("within what is usual for day 5")
    expect(result.locator(".band-row")).to_have_count(5)
    expect(result.locator(".band-row").first).to_contain_text("usual for day 5")
    expect(phone.get_by_role("heading", name="What to do today (day 5)")).to_be_visible()
    expect(phone.locator(".recovery-timeline")).to_contain_text("Feels warm in the evening")
    phone.screenshot(path=screenshot_path("patient-checkin-3-result"), full_page=True)


def test_a_checkin_made_offline_is_kept_and_sent_when_back_online(
    phone: Page, recovery_server: tuple[str, list[str]]
) -> None:
    base, tokens = recovery_server
    phone.goto(f"{base}/r/{tokens[1]}")
    expect(phone.get_by_role("heading", name="Your recovery", exact=True)).to_be_visible()
    # Today's earlier check-in (the other test, same session) folds the form away.
    summary = phone.get_by_text("Send another check-in today")
    if summary.count():
        summary.click()
    _fill(phone, {"redness": 3, "swelling": 2, "irritation": 1, "pain": 0, "itch": 2})
    phone.get_by_label("Anything else to tell the clinic?").fill("Sent from the bus")
    phone.context.set_offline(True)
    phone.get_by_role("button", name="Send my check-in").click()
    status = phone.locator("#offline-status")
    expect(status).to_contain_text("saved on this phone")
    phone.screenshot(path=screenshot_path("patient-checkin-4-offline"), full_page=True)

    phone.context.set_offline(False)
    phone.evaluate("window.dispatchEvent(new Event('online'))")
    expect(phone).to_have_url(re.compile(r"\?sent=1"))
    expect(phone.locator(".recovery-timeline")).to_contain_text("Sent from the bus")
    phone.screenshot(path=screenshot_path("patient-checkin-5-sent-after-offline"), full_page=True)
