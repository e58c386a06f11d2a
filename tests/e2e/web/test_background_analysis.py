"""The upload answers before the photo is measured, the pages say so and refresh themselves, and
the web app's own worker thread (SQLite) measures it."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.web import create_app
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_assessment_pages import _skin_jpeg
from tests.support.clinic import SeededClinic
from tests.support.jobs import settle

REFRESH = '<meta http-equiv="refresh"'


@pytest.fixture
def idle_client(sqlite_runtime: Runtime) -> TestClient:
    """The app without its lifespan: no worker thread, so jobs wait until the test runs them."""
    app = create_app(sqlite_runtime.settings, sqlite_runtime)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def _upload(client: TestClient, token: str, patient_id: int) -> dict[str, object]:
    answer = client.post(
        f"/api/v1/patients/{patient_id}/photos",
        data={"region": "neck"},
        files={"file": ("neck.jpg", _skin_jpeg(), "image/jpeg")},
        headers={"X-CSRF-Token": token, "Idempotency-Key": "neck-photo-1"},
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_the_analysis_page_says_being_analysed_until_the_job_has_run(
    idle_client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    token = sign_in(idle_client, north.usernames[Role.CLINICIAN])
    body = _upload(idle_client, token, north.patient.id)
    assert body["analysis_status"] == "pending" and body["measurement"] is None
    photo_id = body["photo"]["id"]  # type: ignore[index]
    again = _upload(idle_client, token, north.patient.id)  # the same request sent twice
    assert again["photo"]["id"] == photo_id  # type: ignore[index]
    page = idle_client.get(f"/photos/{photo_id}/analysis")
    assert page.status_code == 200
    assert "This photo is being analysed" in page.text and REFRESH in page.text
    assert idle_client.get(f"/api/v1/photos/{photo_id}/analysis").json()["status"] == "pending"
    assert idle_client.get(f"/api/v1/photos/{photo_id}/measurement").status_code == 404

    settle(sqlite_runtime)  # what the worker does
    page = idle_client.get(f"/photos/{photo_id}/analysis")
    assert "being analysed" not in page.text and REFRESH not in page.text
    assert "Wrinkle length" in page.text and "<h2>Capture quality</h2>" in page.text
    assert "Grey card</dt><dd>not found" in page.text
    analysis = idle_client.get(f"/api/v1/photos/{photo_id}/analysis").json()
    assert analysis["status"] == "measured"
    assert analysis["quality"]["grey_card"] is False and analysis["notes"]
    measurement = idle_client.get(f"/api/v1/photos/{photo_id}/measurement").json()
    assert measurement["quality"] == analysis["quality"]


def test_the_web_apps_worker_thread_measures_an_upload(
    client: TestClient, north: SeededClinic
) -> None:
    token = sign_in(client, north.usernames[Role.CLINICIAN])
    body = _upload(client, token, north.patient.id)
    photo_id = body["photo"]["id"]  # type: ignore[index]
    status = "pending"
    for _ in range(600):  # the thread works on its own; wait generously
        status = client.get(f"/api/v1/photos/{photo_id}/analysis").json()["status"]
        if status != "pending":
            break
        time.sleep(0.1)
    assert status == "measured"


def test_an_upload_answers_while_every_measuring_slot_is_busy(
    idle_client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    """The worker measuring a backlog holds the measuring slots; an upload only takes its photo
    in, in a slot of its own, so it does not wait for them."""
    token = sign_in(idle_client, north.usernames[Role.CLINICIAN])
    answered: list[dict[str, object]] = []
    with sqlite_runtime.context.photo_work():  # RESURFACE_PHOTO_WORKERS is 1: the only slot
        upload = threading.Thread(
            target=lambda: answered.append(_upload(idle_client, token, north.patient.id)),
            daemon=True,
        )
        upload.start()
        upload.join(timeout=300)  # generous on a busy machine; it would wait forever
        assert answered, "the upload waited for the measuring slot"
    assert answered[0]["analysis_status"] == "pending"


def test_a_shot_is_checked_in_the_room_while_every_measuring_slot_is_busy(
    idle_client: TestClient, sqlite_runtime: Runtime, north: SeededClinic
) -> None:
    """The check of a shot is work someone waits for in the room: it does not queue behind the
    background measuring of a backlog."""
    token = sign_in(idle_client, north.usernames[Role.CLINICIAN])
    answered: list[int] = []

    def check() -> None:
        answer = idle_client.post(
            f"/api/v1/patients/{north.patient.id}/photos/check",
            data={"region": "neck"},
            files={"file": ("shot.jpg", _skin_jpeg(), "image/jpeg")},
            headers={"X-CSRF-Token": token},
        )
        answered.append(answer.status_code)

    with sqlite_runtime.context.photo_work():  # RESURFACE_PHOTO_WORKERS is 1: the only slot
        shot = threading.Thread(target=check, daemon=True)
        shot.start()
        shot.join(timeout=300)  # generous on a busy machine; it would wait forever
        assert answered, "the capture check waited for the measuring slot"
    assert answered == [200]
