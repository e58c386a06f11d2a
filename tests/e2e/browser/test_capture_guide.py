"""The capture guide in headless Chromium with its fake camera: when the patient has a baseline
photo of the row's region, that photo lies faintly over the live preview (with an opacity
slider) and is read through the audited photo route; without a baseline there is no ghost. The
shot is checked at once and its verdict shown on its row."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from resurface.domain.people import Role
from tests.e2e.browser.journey_support import (
    TABLET,
    ClinicServer,
    clinic_server,
    face_jpeg,
    sign_in,
    upload_photo_by_api,
)
from tests.support.browser import launch, screenshot_path

pytestmark = pytest.mark.browser

#: Chromium's own test camera (a moving pattern), granted without a prompt: this test only.
FAKE_CAMERA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(tmp_path_factory.mktemp("capture-guide-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch(FAKE_CAMERA)


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=TABLET)
    context.set_default_timeout(60_000)
    yield context.new_page()
    context.close()


def _open_camera(row: Locator) -> None:
    row.get_by_role("button", name="Take it with the camera").click()
    preview = row.locator("video.preview")
    expect(preview).to_be_visible()
    row.page.wait_for_function(
        "video => video.videoWidth > 0 && video.readyState >= 2", arg=preview.element_handle()
    )


def test_the_baseline_lies_over_the_live_preview_only_where_there_is_one(
    server: ClinicServer, page: Page, tmp_path: Path
) -> None:
    sign_in(page, server.base, server.north.usernames[Role.CLINICIAN])
    pid = server.north.patient.id
    baseline = upload_photo_by_api(
        page.context, server.base, pid, "full_face", face_jpeg(tmp_path / "face.jpg")
    )
    assert baseline.ok, baseline.text()
    photo_id = baseline.json()["photo"]["id"]

    page.goto(f"{server.base}/patients/{pid}/photos/follow-up")
    row = page.get_by_role("group", name="Photo 1")
    row.get_by_label("Region").select_option("full_face")
    _open_camera(row)
    ghost = row.locator("img.ghost")
    expect(ghost).to_be_visible()
    expect(ghost).to_have_attribute("src", f"/photos/{photo_id}")
    # The baseline was served (the clinician may read it) and lies over the preview.
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=ghost.element_handle()
    )
    preview_box = row.locator("video.preview").bounding_box()
    ghost_box = ghost.bounding_box()
    assert preview_box and ghost_box
    for key in ("x", "y", "width", "height"):
        assert ghost_box[key] == pytest.approx(preview_box[key], abs=1.5), key
    expect(row.get_by_text("match its pose and distance")).to_be_visible()
    slider = row.get_by_label("Baseline overlay")
    slider.fill("75")
    expect(ghost).to_have_css("opacity", "0.75")
    page.screenshot(path=screenshot_path("capture-guide-01-ghost"), full_page=True)

    # Another region without a baseline: the preview stays, the ghost goes.
    row.get_by_label("Region").select_option("neck")
    expect(ghost).to_be_hidden()
    expect(row.get_by_label("Baseline overlay")).to_be_hidden()
    expect(row.locator("video.preview")).to_be_visible()

    # The shot goes into the row's file field and its verdict is shown on the row at once.
    row.get_by_label("Region").select_option("full_face")
    expect(ghost).to_be_visible()
    row.get_by_role("button", name="Take the photo").click()
    expect(row.locator("video.preview")).to_be_hidden()
    assert row.get_by_label("File").evaluate("input => input.files.length") == 1
    verdict = row.locator(".capture-verdict")
    expect(verdict).to_have_text(re.compile(r"^(Capture check: good|Retake advised: )"))
    # Chromium's test pattern has no face in it: the verdict says so.
    expect(verdict).to_contain_text("Retake advised: no face and no skin were found in the photo")
    page.screenshot(path=screenshot_path("capture-guide-02-verdict"), full_page=True)


def test_no_ghost_when_the_patient_has_no_baseline_of_the_region(
    server: ClinicServer, page: Page
) -> None:
    sign_in(page, server.base, server.north.usernames[Role.CLINICIAN])
    page.goto(f"{server.base}/patients/{server.north.patient.id}/photos/follow-up")
    row = page.get_by_role("group", name="Photo 1")
    row.get_by_label("Region").select_option("chest")
    _open_camera(row)
    expect(row.locator("img.ghost")).to_be_hidden()
    expect(row.get_by_label("Baseline overlay")).to_be_hidden()
    row.get_by_role("button", name="Close the camera").click()
    expect(row.locator("video.preview")).to_be_hidden()
