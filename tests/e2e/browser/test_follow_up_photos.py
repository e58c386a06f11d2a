"""Follow-up photos in headless Chromium: a clinician picks two photos at once, gives each its
region on its own row, sends them, and sees both listed as follow-ups (not as a baseline)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from resurface.domain.people import Role
from tests.e2e.browser.journey_support import TABLET, ClinicServer, clinic_server, sign_in
from tests.support.browser import launch, screenshot_path

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(tmp_path_factory.mktemp("follow-up-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def _skin_photo(path: Path, seed: int) -> Path:
    """A skin-coloured JPEG with a dark line: no face, so it is measured over the whole frame."""
    rng = np.random.default_rng(seed)
    pixels = np.full((300, 400, 3), (214, 170, 145), np.uint8)
    pixels[140:143, 40:360] = (150, 110, 95)
    noisy = np.clip(pixels + rng.normal(0, 3, pixels.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(noisy).save(buffer, format="JPEG", quality=90)
    path.write_bytes(buffer.getvalue())
    return path


def test_two_photos_picked_at_once_each_with_its_region(
    server: ClinicServer, page: Page, tmp_path: Path
) -> None:
    sign_in(page, server.base, server.north.usernames[Role.CLINICIAN])
    pid = server.north.patient.id
    page.goto(f"{server.base}/patients/{pid}")
    page.get_by_role("link", name="Follow-up photos").click()
    expect(page.get_by_role("heading", name="Add follow-up photos")).to_be_visible()
    expect(page.get_by_role("group", name="Photo 1")).to_be_visible()
    expect(page.get_by_role("group", name="Photo 2")).to_be_hidden()  # shown when needed

    neck, chest = _skin_photo(tmp_path / "neck.jpg", 1), _skin_photo(tmp_path / "chest.jpg", 2)
    page.get_by_label("Several follow-up photos at once").set_input_files([neck, chest])
    expect(page.get_by_role("status").first).to_contain_text("2 photos added")
    first, second = (
        page.get_by_role("group", name="Photo 1"),
        page.get_by_role("group", name="Photo 2"),
    )
    expect(second).to_be_visible()
    assert first.get_by_label("File").evaluate("input => input.files[0].name") == "neck.jpg"
    assert second.get_by_label("File").evaluate("input => input.files[0].name") == "chest.jpg"
    first.get_by_label("Region").select_option("neck")
    second.get_by_label("Region").select_option("chest")
    page.screenshot(path=screenshot_path("follow-up-01-two-rows"), full_page=True)

    page.get_by_role("button", name="Upload and analyse follow-up photos").click()
    saved = page.get_by_text("2 follow-up photos saved: they are listed")
    expect(saved).to_be_visible(timeout=60_000)  # the shots' capture checks run too
    for region in ("Neck", "Chest"):
        series = page.get_by_role("region", name=region, exact=True)
        expect(series.locator(".badge")).to_have_text(["follow-up"])
        expect(series.get_by_role("img", name=re.compile(r"follow-up"))).to_be_visible()
        expect(series).not_to_contain_text("baseline ·")
    page.screenshot(path=screenshot_path("follow-up-02-listed"), full_page=True)

    page.goto(f"{server.base}/patients/{pid}")
    timeline = page.locator("ol.timeline")
    expect(timeline).to_contain_text("Follow-up photo: neck")
    expect(timeline).to_contain_text("Follow-up photo: chest")
