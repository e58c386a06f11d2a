"""Each main page and API read runs the same number of SQL statements whatever the size of the
clinic: measured on a small clinic, then again after it has grown tenfold and twenty of its
patients had a session today (the home page used to read each of their charts)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update

from resurface.bootstrap import JOB_THREAD, Runtime
from resurface.domain.people import Role
from resurface.services.access import Actor
from resurface.services.recovery import links
from resurface.storage.tables import patients, treatment_sessions
from resurface.web import create_app
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import seed_clinic
from tests.support.population import grow


class Statements:
    """Counts the statements the engine sends (SQLAlchemy's cursor event) for requests: not
    those of the app's background job worker (its own thread, on SQLite) nor of its background
    loops (the lease renewed every few seconds, checkpoints), which run in asyncio's executor
    threads (``asyncio_N``; the routes run in AnyIO's)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        name = threading.current_thread().name
        if name != JOB_THREAD and not name.startswith("asyncio_"):
            self.count += 1


@pytest.fixture
def counted(runtime: Runtime) -> Iterator[tuple[Runtime, Statements]]:
    statements = Statements()
    event.listen(runtime.engine, "before_cursor_execute", statements)
    yield runtime, statements
    event.remove(runtime.engine, "before_cursor_execute", statements)


def _pages(heavy: int, patient: int, token: str) -> dict[str, str]:
    return {
        "home page": "/",
        "home API": "/api/v1/home",
        "alerts": "/alerts",
        "check-ins due": "/due/checkins",
        "sessions due": "/due/sessions",
        "patient list": "/patients",
        "list API": "/api/v1/patients",
        "list by stage": "/patients?stage=recovering",
        "list by stage, page 2": "/patients?stage=finished&page=2",
        "search": "/patients?q=calder",
        "search, short word": "/patients?q=ba",
        "chart page": f"/patients/{patient}",
        "chart API": f"/api/v1/patients/{patient}/chart",
        "heavy chart page": f"/patients/{heavy}",
        "heavy chart API": f"/api/v1/patients/{heavy}/chart",
        "heavy recovery page": f"/patients/{heavy}/recovery",
        "heavy patient's check-in page": f"/r/{token}",
    }


def _counts(client: TestClient, statements: Statements, pages: dict[str, str]) -> dict[str, int]:
    found = {}
    for name, path in pages.items():
        client.get(path)  # warm: a first request may set up what later ones reuse
        runs = []
        # The least of two: a time window of a limit or a sign-in rolling over between two
        # requests adds a statement now and then; what grows with the data shows in both.
        for _ in range(2):
            before = statements.count
            response = client.get(path)
            assert response.status_code == 200, (name, response.status_code, response.text[:300])
            runs.append(statements.count - before)
        found[name] = min(runs)
    return found


def _sessions_today(runtime: Runtime, clinic_id: int, first_id: int, how_many: int) -> None:
    """Move the last session of ``how_many`` treated patients to today (series kept)."""
    today = dt.datetime.now(dt.UTC).date()
    with runtime.engine.begin() as connection:
        # Read to the end before writing: a SELECT still open keeps its snapshot, and SQLite
        # refuses at once, without waiting, to write from a snapshot that a background job's
        # commit has made stale ("database is locked").
        treated = (
            connection.execute(
                select(patients.c.id)
                .where(
                    patients.c.clinic_id == clinic_id,
                    patients.c.id >= first_id,
                    patients.c.series_done > 0,
                )
                .order_by(patients.c.id)
                .limit(how_many)
            )
            .scalars()
            .all()
        )
        for patient_id in treated:
            last = connection.execute(
                select(treatment_sessions.c.id)
                .where(treatment_sessions.c.patient_id == patient_id)
                .order_by(treatment_sessions.c.id.desc())
                .limit(1)
            ).scalar_one()
            session = treatment_sessions.c.id == last
            connection.execute(update(treatment_sessions).where(session).values(performed_on=today))
            connection.execute(
                update(patients).where(patients.c.id == patient_id).values(last_session_on=today)
            )


def test_main_reads_run_as_many_statements_for_a_big_clinic_as_for_a_small_one(
    counted: tuple[Runtime, Statements],
) -> None:
    runtime, statements = counted
    today = dt.datetime.now(dt.UTC).date()
    north = seed_clinic(runtime.context.uow, "north")
    small = grow(runtime.engine, north.clinic.id, north.patient.id, 30, today, heavy=True)
    assert small.heavy_id is not None
    _sessions_today(runtime, north.clinic.id, small.first_id, 1)
    with runtime.context.uow() as uow:
        clinician = uow.users.by_username(north.usernames[Role.CLINICIAN])
        assert clinician is not None
        heavy_chart = uow.charts.chart(north.clinic.id, small.heavy_id)
    assert (len(heavy_chart.sessions), len(heavy_chart.checkins)) == (20, 500)
    actor = Actor(clinician.id, north.clinic.id, Role.CLINICIAN, "test", "127.0.0.1")
    issued = links.create_link(runtime.context, actor, small.heavy_id, heavy_chart.sessions[-1].id)
    pages = _pages(small.heavy_id, north.patient.id, issued.token)
    app = create_app(runtime.settings, runtime)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, north.usernames[Role.CLINICIAN])
        before = _counts(client, statements, pages)
        grown = grow(runtime.engine, north.clinic.id, north.patient.id, 300, today)
        _sessions_today(runtime, north.clinic.id, grown.first_id, 20)
        after = _counts(client, statements, pages)
        home = client.get("/api/v1/home").json()
    assert len(home["sessions_today"]) == 21  # the grown clinic really had those sessions
    assert after == before


def test_today_shows_the_first_of_each_long_list_and_links_to_the_whole_of_it(
    counted: tuple[Runtime, Statements],
) -> None:
    runtime, _ = counted
    today = dt.datetime.now(dt.UTC).date()
    north = seed_clinic(runtime.context.uow, "north")
    grow(runtime.engine, north.clinic.id, north.patient.id, 5000, today)  # 60 treated current
    app = create_app(runtime.settings, runtime)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, north.usernames[Role.CLINICIAN])
        home = client.get("/api/v1/home").json()
        page = client.get("/").text
        due = [client.get(f"/due/checkins?page={n}").text for n in (1, 2, 3)]
        alerts = [client.get(f"/alerts?page={n}").text for n in (1, 2, 3)]
    assert home["alerts_total"] == home["checkins_due_total"] == home["sessions_due_total"] == 60
    assert len(home["alerts"]) == len(home["checkins_due"]) == len(home["sessions_due"]) == 10
    assert 'Check-ins due <span class="count">(60)</span>' in page
    assert '<a href="/due/checkins">and 50 more, due more recently</a>' in page
    assert '<a href="/alerts">and 50 more, none more urgent</a>' in page
    assert '<a href="/due/sessions">and 50 more later this week</a>' in page
    # The whole list, a page at a time, begins with Today's ten and holds each patient once.
    shown = [re.findall(r'href="/patients/(\d+)/recovery"', text) for text in due]
    assert [len(ids) for ids in shown] == [25, 25, 10]
    listed = [int(i) for ids in shown for i in ids]
    assert len(set(listed)) == 60
    assert listed[:10] == [c["patient_id"] for c in home["checkins_due"]]
    assert "60 patients with a check-in due by today" in due[0]
    assert '<a href="/due/checkins?page=2" rel="next">Next</a>' in due[0]
    assert [text.count('<tr class="alert-') for text in alerts] == [25, 25, 10]


def test_a_long_list_is_counted_as_far_as_its_pages_go_and_then_says_more(
    runtime: Runtime,
) -> None:
    today = dt.datetime.now(dt.UTC).date()
    north = seed_clinic(runtime.context.uow, "north")
    grow(runtime.engine, north.clinic.id, north.patient.id, 1100, today)
    app = create_app(runtime.settings, runtime)
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, north.usernames[Role.CLINICIAN])
        first = client.get("/patients").text
        listed = client.get("/api/v1/patients").json()
        further = client.get("/patients?page=41").text
        end = client.get("/api/v1/patients", params={"page": 41}).json()
    assert "More than 1,000 patients" in first
    assert 'href="/patients?q=&stage=&page=2" rel="next">Next</a>' in first
    assert (listed["total"], listed["pages"], listed["more"]) == (1000, 40, True)
    # From page 41 the count reaches the end of the list: the whole clinic, and a last page.
    assert (end["total"], end["pages"], end["more"]) == (1101, 45, False)
    assert "1,101 patients" in further and ">45</a>" in further
    assert len(end["items"]) == 25
