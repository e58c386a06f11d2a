"""The appointment book in a real browser: the front desk books from the week view, is refused a
move onto a taken slot (the clash named), moves to a free one, and cancels with a reason; drags an
appointment onto a taken slot (refused, it goes back), onto a free one, changes its length by its
lower edge, and drags one to another day of the week; a clinician sees their own day first on
Today and in the day view."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from resurface import bootstrap
from resurface.config import Environment
from resurface.domain.appointments import AppointmentKind
from resurface.domain.people import Role
from resurface.services.access import Actor
from resurface.services.scheduling import book, setup
from tests.conftest import make_settings
from tests.e2e.browser.journey_support import TABLET, sign_in
from tests.support.browser import launch, screenshot_path
from tests.support.clinic import SeededClinic, seed_clinic
from tests.support.server import running_server

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class BookServer:
    base: str
    north: SeededClinic
    today: dt.date


def _actor(runtime: bootstrap.Runtime, username: str) -> Actor:
    with runtime.context.uow() as uow:
        user = uow.users.by_username(username)
        assert user is not None
    return Actor(user.id, user.clinic_id, user.role, user.display_name, "test")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BookServer]:
    data_dir: Path = tmp_path_factory.mktemp("book-server")
    url = f"sqlite:///{data_dir / 'resurface.db'}"
    settings = make_settings(data_dir, url, environment=Environment.DEVELOPMENT)
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    north = seed_clinic(runtime.context.uow, "north")
    director = _actor(runtime, north.usernames[Role.ADMIN])
    ctx = runtime.context
    setup.set_hours(ctx, director, {d: (dt.time(7), dt.time(21)) for d in range(7)})
    for room in ("Room 1", "Room 2"):
        setup.add_room(ctx, director, room)
    setup.add_device(ctx, director, "CO2 laser")
    today = ctx.clock.today()
    clinician = _actor(runtime, north.usernames[Role.CLINICIAN])
    desk = _actor(runtime, north.usernames[Role.STAFF])
    tomorrow = today + dt.timedelta(days=1)
    for day, at in ((today, 15), (tomorrow, 15), (tomorrow, 16)):  # the clinician's afternoons
        review = book.BookingRequest(
            north.patient.id, AppointmentKind.REVIEW, day, dt.time(at), clinician.user_id
        )
        book.book(ctx, desk, review)
    runtime.dispose()
    env = {
        "RESURFACE_ENVIRONMENT": Environment.DEVELOPMENT.value,
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": url,
        "RESURFACE_SECRET_KEY": settings.secret_key,
    }
    with running_server(env, data_dir / "server.log") as base:
        yield BookServer(base, north, today)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


def _page(browser: Browser, server: BookServer, role: Role, wide: bool = False) -> Page:
    context = browser.new_context(viewport={"width": 1400, "height": 900} if wide else TABLET)
    context.set_default_navigation_timeout(180_000)
    page = context.new_page()
    sign_in(page, server.base, server.north.usernames[role])
    return page


def _book_from_week(page: Page, server: BookServer, time: str) -> None:
    page.goto(f"{server.base}/book?view=week")
    label = f"Book on {server.today:%A %d %B} with clinician of north"
    page.get_by_role("link", name=label).click()
    page.get_by_label("Patient").select_option(str(server.north.patient.id))
    page.get_by_label("Kind").select_option("review")
    page.get_by_label(re.compile(r"^Time")).fill(time)
    page.get_by_label("Room").select_option(label="Room 1")
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Appointment booked.")


def test_the_front_desk_books_moves_past_a_clash_and_cancels(
    browser: Browser, server: BookServer
) -> None:
    page = _page(browser, server, Role.STAFF, wide=True)
    _book_from_week(page, server, "10:00")
    _book_from_week(page, server, "11:00")
    page.goto(f"{server.base}/book?view=week")
    name = server.north.patient.full_name
    page.get_by_role("link", name=f"11:00 {name}").click()
    page.get_by_label(re.compile(r"^Time")).fill("10:10")
    page.get_by_role("button", name="Save the change").click()
    clash = page.get_by_role("alert")
    expect(clash).to_contain_text("Not booked: this clashes with the book.")
    expect(clash).to_contain_text("clinician of north is already booked 10:00-10:20")
    expect(clash).to_contain_text("Room 1 is already booked 10:00-10:20")
    page.screenshot(path=screenshot_path("book-move-refused"), full_page=True)
    page.get_by_label(re.compile(r"^Time")).fill("10:30")
    page.get_by_role("button", name="Save the change").click()
    expect(page.get_by_role("status")).to_have_text("Appointment moved.")
    page.screenshot(path=screenshot_path("book-day"), full_page=True)
    page.goto(f"{server.base}/book?view=week")
    page.get_by_role("link", name=f"10:00 {name}").click()
    page.get_by_label("Why is it cancelled?").fill("Patient unwell")
    page.get_by_role("button", name="Cancel the appointment").click()
    expect(page.get_by_role("status")).to_have_text("Appointment cancelled.")
    page.goto(f"{server.base}/book?view=week")
    expect(page.locator("table.week s", has_text=f"10:00 {name}")).to_be_visible()
    expect(page.get_by_role("link", name=f"10:30 {name}")).to_be_visible()
    page.screenshot(path=screenshot_path("book-week"), full_page=True)
    page.goto(f"{server.base}/")
    expect(page.get_by_role("heading", name=re.compile("Appointments today"))).to_be_visible()
    expect(page.locator("table.today-book")).to_contain_text("10:30–10:50")
    expect(page.locator("body")).not_to_contain_text("perioral")
    page.context.close()


def _drag(page: Page, source: Locator, target: Locator | None = None, rows: int = 0) -> None:
    """Press on ``source``, move in steps onto ``target`` (or ``rows`` rows of the day grid
    down) and let go, as a hand on a mouse does."""
    source.scroll_into_view_if_needed()
    start = source.bounding_box()
    assert start is not None
    x, y = start["x"] + start["width"] / 2, start["y"] + min(start["height"] / 2, 12)
    if target is not None:
        end = target.bounding_box()
        assert end is not None
        to = (end["x"] + end["width"] / 2, end["y"] + end["height"] / 2)
    else:
        row = page.locator(".day-grid .slot").first.bounding_box()
        assert row is not None
        to = (x, y + rows * row["height"])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(*to, steps=8)
    page.mouse.up()


def test_the_front_desk_drags_to_move_and_resize(browser: Browser, server: BookServer) -> None:
    page = _page(browser, server, Role.STAFF, wide=True)
    tomorrow = server.today + dt.timedelta(days=1)
    page.goto(f"{server.base}/book?day={tomorrow}")
    first = page.locator(".appt", has_text="15:00–15:20")
    slot = page.locator('a.slot[aria-label="Book 16:00 with clinician of north"]')
    _drag(page, first, slot)  # onto the other review: refused, and it goes back
    refused = page.locator("#drag-status")
    expect(refused).to_contain_text("Not moved: clinician of north is already booked 16:00-16:20")
    expect(refused).to_contain_text(f"{server.north.patient.full_name} already has an appointment")
    expect(first).to_be_visible()
    page.screenshot(path=screenshot_path("book-drag-refused"), full_page=True)
    free = page.locator('a.slot[aria-label="Book 17:00 with clinician of north"]')
    _drag(page, first, free)
    expect(page.get_by_role("status")).to_have_text("Appointment moved.")
    moved = page.locator(".appt", has_text="17:00–17:20")
    expect(moved).to_be_visible()
    expect(page.locator(".appt", has_text="15:00–15:20")).to_have_count(0)
    _drag(page, moved.locator(".grip"), rows=2)  # two rows longer: 17:00-18:00
    expect(page.get_by_role("status")).to_have_text("Appointment resized.")
    expect(page.locator(".appt", has_text="17:00–18:00")).to_be_visible()
    other = page.locator(".appt", has_text="16:00–16:20")
    _drag(page, other.locator(".grip"), rows=3)  # into 17:00: refused
    expect(refused).to_contain_text("Not changed: clinician of north is already booked 17:00-18:00")
    expect(other).to_be_visible()
    page.goto(f"{server.base}/book?day={tomorrow}&view=week")
    entry = page.locator("li[data-id]", has_text=f"16:00 {server.north.patient.full_name}")
    director_row = page.locator("tr", has_text="admin of north")
    _drag(page, entry, director_row.locator(f'td[data-day="{tomorrow}"]'))  # to the director
    expect(page.get_by_role("status")).to_have_text("Appointment moved.")
    expect(director_row.locator(f'td[data-day="{tomorrow}"]')).to_contain_text("16:00")
    page.screenshot(path=screenshot_path("book-week-dragged"), full_page=True)
    past = server.today - dt.timedelta(days=1)
    page.goto(f"{server.base}/book?day={past}&view=week")
    expect(page.get_by_role("link", name=f"Book on {past:%A %d %B} with clinician of north")
           ).to_have_count(0)  # fmt: skip
    page.context.close()


def test_a_clinician_sees_their_own_day_first(browser: Browser, server: BookServer) -> None:
    page = _page(browser, server, Role.CLINICIAN)
    page.goto(f"{server.base}/")
    expect(page.get_by_role("heading", name="Your day")).to_be_visible()
    expect(page.locator("table.today-book").first).to_contain_text("15:00–15:20")
    page.screenshot(path=screenshot_path("book-today-clinician"), full_page=True)
    page.goto(f"{server.base}/book")
    expect(page.get_by_role("columnheader").first).to_have_text("clinician of north")
    page.context.close()
