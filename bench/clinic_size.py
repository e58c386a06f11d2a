"""How the main reads cost as a clinic grows: 1,000, 10,000 and 100,000 patients, on SQLite and
PostgreSQL side by side.

The clinic is grown by bulk inserts (``tests.support.population``: copies of one patient's chart
at every stage of the journey, 2 % of them current, and a heavy patient with 20 sessions, 500
check-ins and 100 photos), then each read is sent through the real app in this process
(FastAPI's TestClient, signed in as the clinician): the time is the server's work for one
request, median of ``REPEATS`` after two warm-ups, with the number of SQL statements it ran.
Everything is made in a temporary folder and a throw-away PostgreSQL database, both removed at
the end.

Sizes: ``RESURFACE_BENCH_SIZES`` (default ``1000,10000,100000``). PostgreSQL:
``RESURFACE_BENCH_POSTGRES_URL`` (default the local server); skipped if it cannot be reached.
Prints a table and writes ``bench/results/clinic_size.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.support.clinic import PASSWORD, seed_clinic
from tests.support.population import grow

from bench.databases import postgres_reachable, throwaway_postgres
from resurface import bootstrap
from resurface.config import Environment, Settings
from resurface.domain.people import Role
from resurface.web import create_app

RESULTS = Path(__file__).parent / "results" / "clinic_size.json"
REPEATS = 9
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
DEFAULT_SIZES = "1000,10000,100000"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _reads(patient: int, heavy: int) -> dict[str, str]:
    return {
        "Today": "/",
        "list": "/patients",
        "list, stage": "/patients?stage=recovering",
        "list, search": "/patients?q=calder",
        "chart": f"/patients/{patient}",
        "chart API": f"/api/v1/patients/{patient}/chart",
        "heavy chart": f"/patients/{heavy}",
    }


@contextmanager
def _sqlite() -> Iterator[tuple[str, Path]]:
    with tempfile.TemporaryDirectory(prefix="resurface-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'resurface.db'}", Path(folder)


@contextmanager
def _postgres() -> Iterator[tuple[str, Path]]:
    with (
        throwaway_postgres() as url,
        tempfile.TemporaryDirectory(prefix="resurface-bench-") as folder,
    ):
        yield url, Path(folder)


_postgres_reachable = postgres_reachable


class _Statements:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        self.count += 1


def _measure(client: TestClient, statements: _Statements, path: str) -> dict[str, float]:
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    times, cpu, counts = [], [], []
    for _ in range(REPEATS):
        before = statements.count
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        counts.append(statements.count - before)
        assert response.status_code == 200, (path, response.status_code)
    return {
        "median_ms": round(statistics.median(times), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "statements": max(counts),
    }


def _sign_in(client: TestClient, username: str) -> None:
    form = client.get("/login")
    match = CSRF.search(form.text)
    assert match is not None
    response = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": match[1]}
    )
    assert response.status_code == 303, response.text


def _backend(url: str, folder: Path, sizes: list[int]) -> dict[int, dict[str, Any]]:
    settings = Settings(
        environment=Environment.TEST, secret_key=SECRET, data_dir=folder, database_url=url
    )
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    statements = _Statements()
    event.listen(runtime.engine, "before_cursor_execute", statements)
    found: dict[int, dict[str, Any]] = {}
    try:
        today = dt.datetime.now(dt.UTC).date()
        clinic = seed_clinic(runtime.context.uow, "bench", today)
        heavy: int | None = None
        have = 1
        app = create_app(settings, runtime)
        with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
            _sign_in(client, clinic.usernames[Role.CLINICIAN])
            for size in sizes:
                started = time.perf_counter()
                grown = grow(runtime.engine, clinic.clinic.id, clinic.patient.id,
                             size - have, today, heavy=heavy is None)  # fmt: skip
                heavy = heavy or grown.heavy_id
                have = size + 1
                growing = time.perf_counter() - started
                assert heavy is not None
                reads = _reads(clinic.patient.id, heavy)
                found[size] = {
                    "generated_s": round(growing, 1),
                    "reads": {name: _measure(client, statements, p) for name, p in reads.items()},
                }
                print(f"  {runtime.engine.dialect.name} {size}: grown in {growing:.1f} s")
    finally:
        runtime.dispose()
    return found


def run() -> None:
    sizes = [int(s) for s in os.environ.get("RESURFACE_BENCH_SIZES", DEFAULT_SIZES).split(",")]
    backends = {"SQLite": _sqlite}
    if _postgres_reachable():
        backends["PostgreSQL"] = _postgres
    results: dict[str, dict[int, dict[str, Any]]] = {}
    for name, place in backends.items():
        with place() as (url, folder):
            results[name] = _backend(url, folder, sizes)
    _print(results, sizes)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"machine": platform.platform(), "repeats": REPEATS, "clinic_size": results},
            indent=2,
        )
        + "\n"
    )


def _print(results: dict[str, dict[int, dict[str, Any]]], sizes: list[int]) -> None:
    names = list(next(iter(next(iter(results.values())).values()))["reads"])
    header = f"{'read':<14}" + "".join(
        f"{f'{backend[:6]} {size // 1000}k':>16}" for size in sizes for backend in results
    )
    print("\nMedian server time, ms (SQL statements), per read and clinic size")
    print(header)
    for read in names:
        cells = []
        for size in sizes:
            for backend in results:
                cell = results[backend][size]["reads"][read]
                cells.append(f"{cell['median_ms']:>9} ({cell['statements']:>3})")
        print(f"{read:<14}" + "".join(f"{c:>16}" for c in cells))
    # On a shared machine the wall clock also counts other programs' turns on the cores; the
    # process's CPU time does not (PostgreSQL's own work is in the server, not counted here).
    print("\nMedian CPU time of the app's process, ms")
    print(header)
    for read in names:
        cells = [
            f"{results[backend][size]['reads'][read]['cpu_ms']:>9}"
            for size in sizes
            for backend in results
        ]
        print(f"{read:<14}" + "".join(f"{c:>16}" for c in cells))
