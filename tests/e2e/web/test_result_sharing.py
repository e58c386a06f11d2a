"""Results the clinic chose to share: the clinician's "share with patient" switch on the Results
page, the two photos on the patient's page through their link, withdrawal, and who may switch."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from resurface.bootstrap import Runtime
from resurface.domain.chart import Photo
from resurface.domain.people import Role
from tests.e2e.web.conftest import sign_in
from tests.e2e.web.test_patient_link import hand_over
from tests.e2e.web.test_results_pages import pair  # noqa: F401 - the fixture
from tests.support.clinic import SeededClinic


def test_a_shared_comparison_reaches_the_patient_until_it_is_withdrawn(
    client: TestClient,
    sqlite_runtime: Runtime,
    north: SeededClinic,
    pair: tuple[Photo, Photo],  # noqa: F811
) -> None:
    before, after = pair
    token = hand_over(client, north, north.patient.id)
    home = client.get(f"/p/{token}")
    assert "Your results" not in home.text  # nothing is shared unless a clinician shares it
    assert client.get(f"/p/{token}/results/1/before").status_code == 404

    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    results = f"/patients/{north.patient.id}/results?before={before.id}&after={after.id}"
    assert "Share with the patient" in client.get(results).text
    shared = client.post(
        f"/patients/{north.patient.id}/results/share",
        data={"csrf_token": csrf, "before": before.id, "after": after.id},
    )
    assert shared.status_code == 303
    page = client.get(results)
    assert "Shared with the patient" in page.text and "Stop sharing" in page.text
    same = client.post(
        f"/patients/{north.patient.id}/results/share",
        data={"csrf_token": csrf, "before": before.id, "after": before.id},
    )
    assert same.status_code == 422 and "two different clinical photos" in same.text
    with sqlite_runtime.context.uow() as uow:
        share = uow.result_shares.for_patient(north.clinic.id, north.patient.id)[-1]
        events = uow.audit.for_patient(north.clinic.id, north.patient.id)
    assert any(e.entry.action == "share" for e in events)
    client.cookies.clear()

    home = client.get(f"/p/{token}")
    assert "Your results" in home.text and "Around the mouth" in home.text
    photo = client.get(f"/p/{token}/results/{share.id}/before")
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/png"
    assert photo.content == sqlite_runtime.context.photos.get(before.storage_key)
    assert client.get(f"/p/{token}/results/{share.id}/after").status_code == 200
    assert client.get(f"/p/{token}/results/{share.id}/overlay").status_code == 404

    csrf = sign_in(client, north.usernames[Role.CLINICIAN])
    withdrawn = client.post(
        f"/patients/{north.patient.id}/results/shares/{share.id}/withdraw",
        data={"csrf_token": csrf, "before": before.id, "after": after.id},
    )
    assert withdrawn.status_code == 303
    client.cookies.clear()
    assert "Your results" not in client.get(f"/p/{token}").text
    assert client.get(f"/p/{token}/results/{share.id}/before").status_code == 404


@pytest.mark.parametrize(
    ("role", "own_clinic", "expected"),
    [
        (Role.CLINICIAN, True, 303),
        (Role.ADMIN, True, 303),
        (Role.STAFF, True, 403),
        (Role.CLINICIAN, False, 404),
        (Role.STAFF, False, 403),
    ],
)
def test_only_the_patients_own_clinical_staff_share_results(
    client: TestClient,
    north: SeededClinic,
    south: SeededClinic,
    pair: tuple[Photo, Photo],  # noqa: F811
    role: Role,
    own_clinic: bool,
    expected: int,
) -> None:
    before, after = pair
    csrf = sign_in(client, (north if own_clinic else south).usernames[role])
    answer = client.post(
        f"/patients/{north.patient.id}/results/share",
        data={"csrf_token": csrf, "before": before.id, "after": after.id},
    )
    assert answer.status_code == expected
