"""A clinic with more treated patients than PostgreSQL can bind parameters in one statement
(65,535): the home page, the patient list (plain, by stage, searched), the chart page and the
chart API still answer, because no query names the clinic's patients one by one."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from resurface import bootstrap
from resurface.domain.people import Role
from resurface.storage.tables import patients
from resurface.web import create_app
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import seed_clinic
from tests.support.population import grow

TREATED = 66_000
"""More than 65,535: one bound parameter per treated patient would fail."""


@pytest.mark.postgres
@pytest.mark.slow
def test_pages_answer_past_postgresql_parameter_limit(
    postgres_runtime: bootstrap.Runtime,
) -> None:
    runtime = postgres_runtime
    today = dt.datetime.now(dt.UTC).date()
    north = seed_clinic(runtime.context.uow, "north")
    # Only treated patients (mid-series, recovering, finished), only what the stage is made of.
    stages = (4, 5, 6, 7, 8, 9)
    grow(runtime.engine, north.clinic.id, north.patient.id, TREATED, today,
         stages=stages, whole_charts=False)  # fmt: skip
    with runtime.engine.connect() as connection:
        treated = connection.execute(
            select(func.count())
            .select_from(patients)
            .where(patients.c.clinic_id == north.clinic.id, patients.c.series_done > 0)
        ).scalar_one()
    assert treated > 65_535
    app = create_app(runtime.settings, runtime)
    pages = (
        "/",
        "/api/v1/home",
        "/patients",
        "/patients?stage=recovering",
        "/api/v1/patients?stage=finished&page=40",
        "/patients?q=calder",
        f"/patients/{north.patient.id}",
        f"/api/v1/patients/{north.patient.id}/chart",
    )
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, north.usernames[Role.CLINICIAN])
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
        listed = client.get("/api/v1/patients", params={"per_page": 1}).json()
        page_links = client.get("/patients?page=1000").text.count("&page=")
    # Counted 1,000 past the page's first row, not to the end of the clinic.
    assert (listed["total"], listed["more"]) == (1000, True)
    assert page_links == 8  # the first pages, those near this one and the next: not 2,641
