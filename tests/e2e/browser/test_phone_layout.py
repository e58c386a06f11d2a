"""Staff pages on a phone (390 px wide), in a real browser: no page scrolls sideways (the main
menu wraps, wide tables scroll inside themselves), and tables keep every column (the results
table once lost its Measure column and the check-in table its Date and Irritation on phones);
only the patient list leaves out its Born and Last session columns."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from resurface.domain.people import Role
from tests.e2e.browser.journey_support import PHONE, ClinicServer, clinic_server, sign_in
from tests.support.browser import launch, screenshot_path

pytestmark = pytest.mark.browser

_WIDTHS = """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"""
_HIDDEN_CELLS = """() => Array.from(document.querySelectorAll('table th, table td'))
    .filter(cell => getComputedStyle(cell).display === 'none')
    .map(cell => cell.closest('table').className + ': ' + cell.textContent.trim())"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(tmp_path_factory.mktemp("phone-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    context.set_default_navigation_timeout(180_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("role", "pages"),
    [
        (
            Role.CLINICIAN,
            (
                *("/", "/patients", "/book", "{chart}", "{chart}/recovery", "{chart}/plan"),
                *("{chart}/results", "{chart}/consents", "/alerts", "/due/checkins"),
                "/due/sessions",
            ),
        ),
        (Role.ADMIN, ("/admin/users", "/admin/book-setup", "/admin/audit", "/patients/new")),
    ],
)
def test_no_staff_page_scrolls_sideways_on_a_phone_and_tables_keep_their_columns(
    server: ClinicServer, phone: Page, role: Role, pages: tuple[str, ...]
) -> None:
    sign_in(phone, server.base, server.north.usernames[role])
    chart = f"/patients/{server.north.patient.id}"
    for page in pages:
        address = page.format(chart=chart)
        assert phone.goto(f"{server.base}{address}").status == 200, address
        scroll_width, width = phone.evaluate(_WIDTHS)
        name = address.strip("/").replace("/", "-") or "today"
        phone.screenshot(path=screenshot_path(f"phone-{name}"), full_page=True)
        assert scroll_width <= width, f"{address} is {scroll_width} px wide on a {width} px phone"
        hidden = phone.evaluate(_HIDDEN_CELLS)
        if address == "/patients":
            assert hidden and all(cell.startswith("list patients:") for cell in hidden)
        else:
            assert hidden == [], address
