"""The appointment book of a busy clinic's week: 10 clinicians, 5 rooms, 600 appointments.

On SQLite and on PostgreSQL (when reachable at ``RESURFACE_BENCH_POSTGRES_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) it times, server side, the week view
and the busiest day view (the real app over FastAPI's test client, signed in as the front desk:
the whole request, routing, the use case, its audit event and the template), the API's week, and
the clash check (the one query behind every booking), and shows the clash query's plan.

Prints a table and writes ``bench/results/book.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.conftest import TEST_SECRET
from tests.e2e.web.conftest import sign_in
from tests.support.clinic import _password_hash

from bench.databases import postgres_reachable, throwaway_postgres
from resurface import bootstrap
from resurface.config import Environment, Settings
from resurface.domain.appointments import Appointment, AppointmentKind, at_local
from resurface.domain.clinic_setup import OpeningHours, Room
from resurface.domain.people import Clinic, Patient, Role, Sex, User
from resurface.web import create_app

RESULTS = Path(__file__).parent / "results" / "book.json"
PROVIDERS, ROOMS, PATIENTS, APPOINTMENTS = 10, 5, 300, 600
MONDAY = dt.date(2026, 3, 2)
REPEATS = 25


def _seed(runtime: bootstrap.Runtime) -> int:
    """A London clinic open 08:00-20:00 on weekdays: 12 appointments a clinician a day."""
    with runtime.context.uow() as uow:
        clinic = uow.clinics.add(Clinic(0, "Busy clinic", "busy", timezone="Europe/London"))
        digest = _password_hash()
        uow.users.add(User(0, clinic.id, "busy.staff", "Front desk", Role.STAFF, digest))
        people = [
            uow.users.add(User(0, clinic.id, f"busy.c{i}", f"Clinician {i:02d}", Role.CLINICIAN,
                               digest))
            for i in range(PROVIDERS)
        ]  # fmt: skip
        rooms = [
            uow.clinic_setup.add_room(Room(0, clinic.id, f"Room {i + 1}")) for i in range(ROOMS)
        ]
        uow.clinic_setup.set_hours(
            clinic.id, {d: OpeningHours(d, dt.time(8), dt.time(20)) for d in range(5)}
        )
        patients = [
            uow.patients.add(Patient(0, clinic.id, "Pat", f"Busy {n:03d}", dt.date(1980, 1, 1),
                                     Sex.FEMALE))
            for n in range(PATIENTS)
        ]  # fmt: skip
        zone = runtime.context.clock.zone_of(clinic)
        n = 0
        for day in range(5):
            for slot in range(12):
                for p, person in enumerate(people):
                    start = at_local(MONDAY + dt.timedelta(days=day), dt.time(8 + slot), zone)
                    uow.appointments.add(
                        Appointment(0, clinic.id, patients[n % PATIENTS].id,
                                    AppointmentKind.SESSION if slot % 2 else AppointmentKind.REVIEW,
                                    MONDAY + dt.timedelta(days=day), starts_at=start, minutes=45,
                                    provider_id=person.id,
                                    room_id=rooms[p % ROOMS].id if (slot + p) % 2 else None)
                    )  # fmt: skip
                    n += 1
        assert n == APPOINTMENTS
        uow.commit()
        return clinic.id


def _times(call: Callable[[], Any]) -> dict[str, float]:
    call()  # warm
    taken = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call()
        taken.append((time.perf_counter() - started) * 1000)
    return {
        "median_ms": round(statistics.median(taken), 1),
        "p95_ms": round(statistics.quantiles(taken, n=20)[-1], 1),
    }


def _measure(url: str, data_dir: Path) -> dict[str, Any]:
    settings = Settings(environment=Environment.TEST, secret_key=TEST_SECRET, data_dir=data_dir,
                        database_url=url)  # fmt: skip
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    clinic_id = _seed(runtime)
    app = create_app(settings, runtime)
    rows: dict[str, Any] = {}
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        sign_in(client, "busy.staff")

        def get(path: str) -> Callable[[], None]:
            def call() -> None:
                response = client.get(path)
                assert response.status_code == 200, response.text[:500]

            return call

        rows["week view (page)"] = _times(get(f"/book?day={MONDAY}&view=week"))
        rows["day view (page)"] = _times(get(f"/book?day={MONDAY}"))
        rows["week (API)"] = _times(
            get(f"/api/v1/appointments?from={MONDAY}&to={MONDAY + dt.timedelta(days=6)}")
        )
    start = dt.datetime(2026, 3, 4, 10, 15, tzinfo=dt.UTC)
    end = start + dt.timedelta(minutes=45)

    def clash() -> None:
        with runtime.context.uow() as uow:
            uow.appointments.clashing(clinic_id, start, end, 5, 3, None)

    rows["clash check (query)"] = _times(clash)
    rows["query plan"] = _plan(runtime, clinic_id, start, end)
    runtime.dispose()
    return rows


def _plan(runtime: bootstrap.Runtime, clinic_id: int, start: dt.datetime, end: dt.datetime) -> str:
    sql = (
        "SELECT id FROM appointments WHERE clinic_id = :c AND starts_at < :e AND ends_at > :s "
        "AND status IN ('arrived', 'booked', 'in_treatment') AND id != 0 "
        "AND (provider_id = 5 OR room_id = 3)"
    )
    with runtime.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            rows = connection.execute(text("EXPLAIN QUERY PLAN " + sql),
                                      {"c": clinic_id, "s": start, "e": end}).all()  # fmt: skip
            return "; ".join(str(r[-1]) for r in rows)
        connection.execute(text("ANALYZE appointments"))
        rows = connection.execute(text("EXPLAIN " + sql),
                                  {"c": clinic_id, "s": start, "e": end}).all()  # fmt: skip
        return "; ".join(str(r[0]).strip() for r in rows)


def run() -> None:
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = _measure(f"sqlite:///{folder}/book.db", Path(folder))
    if postgres_reachable():
        with throwaway_postgres() as url, tempfile.TemporaryDirectory() as folder:
            results["postgresql"] = _measure(url, Path(folder))
    print(f"\nThe book of a busy week ({PROVIDERS} clinicians, {ROOMS} rooms, "
          f"{APPOINTMENTS} appointments), server time, {REPEATS} requests each")  # fmt: skip
    print(f"{'database':<12}{'what':<24}{'median ms':>10}{'p95 ms':>9}")
    for db, rows in results.items():
        for what, row in rows.items():
            if what == "query plan":
                continue
            print(f"{db:<12}{what:<24}{row['median_ms']:>10}{row['p95_ms']:>9}")
        print(f"{db:<12}clash query plan: {rows['query plan']}")
    RESULTS.parent.mkdir(exist_ok=True)
    load = os.getloadavg()[0]
    print(f"(load average {load:.1f} on {os.cpu_count()} cores while measuring)")
    RESULTS.write_text(
        json.dumps(
            {"machine": platform.platform(), "load_average": load, "book": results}, indent=2
        )
        + "\n"
    )


if __name__ == "__main__":
    run()
