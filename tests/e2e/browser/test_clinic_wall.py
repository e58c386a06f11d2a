"""The wall between clinics, in a real browser: a clinician of the south clinic who types the URLs
of a north patient's pages (chart, consultation, assessment, plan, session, recovery, results,
photos) gets the not-found page, and nothing of the patient shows."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

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


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClinicServer]:
    with clinic_server(tmp_path_factory.mktemp("wall-server")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.fixture
def north(browser: Browser, server: ClinicServer) -> Iterator[Page]:
    yield from _signed_in(browser, server, server.north.usernames[Role.CLINICIAN])


@pytest.fixture
def south(browser: Browser, server: ClinicServer) -> Iterator[Page]:
    yield from _signed_in(browser, server, server.south.usernames[Role.CLINICIAN])


def _signed_in(browser: Browser, server: ClinicServer, username: str) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport=TABLET)
    page = context.new_page()
    sign_in(page, server.base, username)
    yield page
    context.close()


def _patient_urls(server: ClinicServer, photos: tuple[int, int]) -> list[str]:
    """Every page of the north patient's record (a record of every kind, and two real photos)."""
    photo_id, later_id = photos
    ids = server.north.record_ids
    pid, sid, cid = ids["patient"], ids["session"], ids["consultation"]
    return [
        f"/patients/{pid}",
        f"/consultations/{cid}",
        f"/patients/{pid}/consents",
        f"/patients/{pid}/consultations/new",
        f"/patients/{pid}/assessments/new",
        f"/patients/{pid}/assessments/new?assessment={ids['assessment']}",
        f"/patients/{pid}/plan",
        f"/patients/{pid}/sessions/new",
        f"/sessions/{sid}",
        f"/patients/{pid}/sessions/{sid}/link",
        f"/patients/{pid}/recovery",
        f"/patients/{pid}/recovery?session_id={sid}",
        f"/patients/{pid}/results",
        f"/photos/{photo_id}",
        f"/photos/{photo_id}/analysis",
        f"/photos/{photo_id}/overlay.png",
        f"/patients/{pid}/results/compare.png?before={photo_id}&after={later_id}",
    ]


@pytest.fixture(scope="module")
def north_photos(
    browser: Browser, server: ClinicServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[int, int]:
    """Two real face photos of the north patient, uploaded and analysed (so their files exist)."""
    context = browser.new_context()
    try:
        page = context.new_page()
        sign_in(page, server.base, server.north.usernames[Role.CLINICIAN])
        folder = tmp_path_factory.mktemp("wall-photos")
        ids = []
        for name, brightness in (("before", 1.0), ("after", 1.1)):
            photo = face_jpeg(folder / f"{name}.jpg", brightness=brightness)
            uploaded = upload_photo_by_api(
                context, server.base, server.north.patient.id, "perioral", photo
            )
            assert uploaded.status == 202, uploaded.text()  # stored; measured in the background
            ids.append(int(uploaded.json()["photo"]["id"]))
        results = (
            f"{server.base}/api/v1/patients/{server.north.patient.id}/results"
            f"?before={ids[0]}&after={ids[1]}"
        )
        deadline = time.monotonic() + 300  # the server's worker measures and compares them
        while page.request.get(results).json()["comparing"] and time.monotonic() < deadline:
            time.sleep(0.5)
        return ids[0], ids[1]
    finally:
        context.close()


def test_the_own_clinic_reaches_every_page_of_the_patient(
    north: Page, server: ClinicServer, north_photos: tuple[int, int]
) -> None:
    """The URLs below are real: the patient's own clinic opens each of them."""
    name = server.north.patient.family_name
    for url in _patient_urls(server, north_photos):
        response = north.request.get(f"{server.base}{url}")
        assert response.status == 200, url
        if response.headers["content-type"].startswith("text/html"):
            assert name in response.text(), url


def test_a_clinician_of_the_other_clinic_cannot_reach_the_patient_by_url(
    south: Page, server: ClinicServer, north_photos: tuple[int, int]
) -> None:
    patient = server.north.patient
    for number, url in enumerate(_patient_urls(server, north_photos)):
        response = south.goto(f"{server.base}{url}")
        assert response is not None and response.status == 404, url
        body = response.text()
        assert patient.family_name not in body and patient.given_name not in body, url
        assert "Clinic north" not in body, url
        if response.headers["content-type"].startswith("text/html"):
            expect(south.get_by_role("heading", name="Not found")).to_be_visible()
            expect(south.get_by_text(patient.family_name)).to_have_count(0)
        if number == 0:
            south.screenshot(path=screenshot_path("clinic-wall-chart-not-found"), full_page=True)

    # Nor does the patient list or its search show the patient.
    south.goto(f"{server.base}/patients?q={patient.family_name}")
    expect(south.get_by_role("heading", name="Patients")).to_be_visible()
    expect(south.get_by_text(patient.family_name)).to_have_count(0)
    south.screenshot(path=screenshot_path("clinic-wall-search"), full_page=True)
