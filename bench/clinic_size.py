"""How the main reads cost as a clinic grows: 1,000, 10,000 and 100,000 patients, on SQLite and
PostgreSQL side by side.

The clinic is grown by bulk inserts (``tests.support.population``: copies of one patient's chart
at every stage of the journey, 2 % of them current, and a heavy patient with 20 sessions, 500
check-ins and 100 photos), while no app runs; then each read (Today, the second page of its
open alerts and of its check-ins due, five a page, through the API, the list plain, by stage,
searched for a common name and for a two-letter word, at page 40, at the middle page as the
previous page's "Next" link leads to it and at the middle and last pages asked for by number,
a chart page and API, the heavy patient's chart and results page) is sent through the real app
in this process (FastAPI's TestClient, signed in as the clinician). Per read, the median of
``REPEATS`` after two warm-ups: the server's wall time for one request; its CPU time (the app's
threads but the background job worker, plus, on PostgreSQL, the database server's backends
serving the app, read from ``/proc``: a shared machine inflates the wall time, not these); and
the SQL statements it ran. Everything is made
in a temporary folder and a throw-away PostgreSQL database, both removed at the end.

Sizes: ``RESURFACE_BENCH_SIZES`` (default ``1000,10000,100000``; growing to 100k takes about a
minute on SQLite and two on PostgreSQL). PostgreSQL: ``RESURFACE_BENCH_POSTGRES_URL`` (default
the local server); skipped if it cannot be reached. Prints a table and writes
``bench/results/clinic_size.json``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import platform
import re
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from tests.support.clinic import PASSWORD, seed_clinic
from tests.support.population import grow

from bench.databases import postgres_reachable, throwaway_postgres
from resurface import bootstrap
from resurface.bootstrap import JOB_THREAD
from resurface.config import Environment, Settings
from resurface.domain.people import Role
from resurface.web import create_app

RESULTS = Path(__file__).parent / "results" / "clinic_size.json"
REPEATS = 15
SECRET = "bench-secret-key-that-is-long-enough-0123456789"
DEFAULT_SIZES = "1000,10000,100000"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NEXT = re.compile(r'<a href="([^"]+)" rel="next">')


def _reads(patient: int, heavy: int, middle: str, size: int) -> dict[str, str]:
    return {
        "Today": "/",
        # The whole lists behind Today's first ten, at their second page, five a page: the same
        # rows at every size (a 1k clinic has a dozen alerts, so its second page of 25 would be
        # past the end, where a larger one's is full).
        "alerts API, p. 2": "/api/v1/alerts?page=2&per_page=5",
        "check-ins due, p. 2": "/api/v1/due/checkins?page=2&per_page=5",
        "list": "/patients",
        "list, stage": "/patients?stage=recovering",
        "list, search": "/patients?q=calder",
        "list, search ba": "/patients?q=ba",
        "list, page 40": "/patients?page=40",
        "list, middle": middle,
        # Typed or bookmarked, no cursor: found from the list's nearest mark, not walked to.
        "list, page mid": f"/patients?page={_last_page(size) // 2}",
        "list, last page": f"/patients?page={_last_page(size)}",
        "chart": f"/patients/{patient}",
        "chart API": f"/api/v1/patients/{patient}/chart",
        "heavy chart": f"/patients/{heavy}",
        "heavy results": f"/patients/{heavy}/results",
    }


def _last_page(size: int) -> int:
    """The number of the last page of the list: the clinic's ``size`` grown patients and the
    seeded one, 25 a page."""
    return size // 25 + 1


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
    """Counts the statements of requests (not of the app's background job worker)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, *_args: Any) -> None:
        if threading.current_thread().name != JOB_THREAD:
            self.count += 1


class _DatabaseCpu:
    """CPU time the PostgreSQL server spends for the app: its backends' time on a core, read
    from ``/proc`` (the server runs on this machine), which other programs do not inflate as
    they do the wall clock. SQLite works inside the app's process: its time is the app's."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine if engine.dialect.name == "postgresql" else None
        self.backends: list[int] = []

    def __enter__(self) -> _DatabaseCpu:
        return self

    def __exit__(self, *_exc: object) -> None:
        if self.engine is not None:
            self.engine.dispose()

    def look(self) -> None:
        """Find the app's backends (after the warm-ups have opened its connections)."""
        if self.engine is None:
            return
        query = text(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self.engine.connect() as connection:
            self.backends = list(connection.execute(query).scalars())

    def ns(self) -> int:
        total = 0
        for pid in self.backends:
            try:
                total += int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # not on this machine, or gone
        return total


def _app_cpu_ns() -> int:
    """CPU time of the app's threads, but for the background job worker's (on SQLite it runs in
    this process: a job the read queued, such as a comparison, is not the read's own work)."""
    workers = {t.native_id for t in threading.enumerate() if t.name == JOB_THREAD}
    total = 0
    for task in Path("/proc/self/task").iterdir():
        if int(task.name) in workers:
            continue
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue  # the thread has ended
    return total


def _measure(
    client: TestClient, statements: _Statements, database: _DatabaseCpu, path: str
) -> dict[str, float]:
    for _ in range(2):
        assert client.get(path).status_code == 200, path
    database.look()
    times, cpu, db_cpu, counts = [], [], [], []
    for _ in range(REPEATS):
        before, before_db = statements.count, database.ns()
        started, started_cpu = time.perf_counter(), _app_cpu_ns()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((_app_cpu_ns() - started_cpu) / 1e6)
        db_cpu.append((database.ns() - before_db) / 1e6)
        counts.append(statements.count - before)
        assert response.status_code == 200, (path, response.status_code)
    return {
        "median_ms": round(statistics.median(times), 1),
        "cpu_ms": round(statistics.median(cpu), 1),
        "db_cpu_ms": round(statistics.median(db_cpu), 1),
        # Other programs only ever add to a read's CPU time (their turns evict its caches):
        # the least of the runs is the closest to the read's own work.
        "least_cpu_ms": round(min(cpu), 1),
        "least_db_cpu_ms": round(min(db_cpu), 1),
        "statements": max(counts),
    }


def _settle(engine: Engine) -> None:
    """On PostgreSQL, vacuum the grown tables as autovacuum would in the years a clinic takes to
    grow: right after a bulk load the trigram index still holds its new entries in a pending
    list that every search reads through (a search's count took 5-10 ms instead of 1-2)."""
    if engine.dialect.name != "postgresql":
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE")


def _middle(client: TestClient, size: int) -> str:
    """The page in the middle of the list as its previous page's "Next" link leads to it (page
    20 of 1,000 patients, 2,000 of 100,000): how a clinician reaches a page deep in the list."""
    previous = client.get("/patients", params={"page": max(1, size // 50 - 1)})
    match = NEXT.search(previous.text)
    assert match is not None, "the page before the middle has no Next link"
    return html.unescape(match[1])


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
        for size in sizes:
            # Grown while no app runs: its background worker would wait on the bulk writes.
            started = time.perf_counter()
            grown = grow(runtime.engine, clinic.clinic.id, clinic.patient.id,
                         size - have, today, heavy=heavy is None)  # fmt: skip
            heavy = heavy or grown.heavy_id
            have = size + 1
            growing = time.perf_counter() - started
            assert heavy is not None
            print(f"  {runtime.engine.dialect.name} {size}: grown in {growing:.1f} s")
            _settle(runtime.engine)
            app = create_app(settings, runtime)
            with (
                TestClient(app, base_url="https://testserver", follow_redirects=False) as client,
                _DatabaseCpu(create_engine(url)) as database,
            ):
                _sign_in(client, clinic.usernames[Role.CLINICIAN])
                reads = _reads(clinic.patient.id, heavy, _middle(client, size), size)
                measured = {name: _measure(client, statements, database, path)
                            for name, path in reads.items()}  # fmt: skip
            found[size] = {"generated_s": round(growing, 1), "reads": measured}
    finally:
        runtime.dispose()
    return found


def run() -> None:
    sizes = [int(s) for s in os.environ.get("RESURFACE_BENCH_SIZES", DEFAULT_SIZES).split(",")]
    backends = {"SQLite": _sqlite}
    if _postgres_reachable():
        backends["PostgreSQL"] = _postgres
    results: dict[str, dict[int, dict[str, Any]]] = {}
    load = [os.getloadavg()[0]]
    for name, place in backends.items():
        with place() as (url, folder):
            results[name] = _backend(url, folder, sizes)
        load.append(os.getloadavg()[0])
    _print(results, sizes)
    print(f"\nLoad average (1 min) at the start and after each database: {load}")
    found = {
        "machine": platform.platform(),
        "cores": os.cpu_count(),
        "load_average": load,
        "repeats": REPEATS,
        "clinic_size": results,
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(found, indent=2) + "\n")


def _print(results: dict[str, dict[int, dict[str, Any]]], sizes: list[int]) -> None:
    print("\nMedian server time, ms (SQL statements), per read and clinic size")
    _table(results, sizes, lambda _backend, c: f"{c['median_ms']:>9} ({c['statements']:>3})")
    # On a shared machine the wall clock also counts other programs' turns on the cores; CPU
    # time does not: the app's process, and PostgreSQL's backends serving it.
    for kind, key in (("Median", ""), ("Least", "least_")):
        print(f"\n{kind} CPU time, ms: the app's + the database server's (PostgreSQL)")
        _table(results, sizes, lambda backend, c, k=key: _cpu(backend, c, k))


def _cpu(backend: str, cell: dict[str, Any], key: str) -> str:
    db = f" + {cell[f'{key}db_cpu_ms']}" if backend != "SQLite" else ""
    return f"{cell[f'{key}cpu_ms']}{db}"


def _table(
    results: dict[str, dict[int, dict[str, Any]]],
    sizes: list[int],
    cell_text: Callable[[str, dict[str, Any]], str],
) -> None:
    """A row per read, a column per clinic size and database: ``cell_text(backend, cell)``."""
    names = list(next(iter(next(iter(results.values())).values()))["reads"])
    print(
        f"{'read':<20}"
        + "".join(
            f"{f'{backend[:6]} {size // 1000}k':>16}" for size in sizes for backend in results
        )
    )
    for read in names:
        cells = [
            cell_text(backend, results[backend][size]["reads"][read])
            for size in sizes
            for backend in results
        ]
        print(f"{read:<20}" + "".join(f"{c:>16}" for c in cells))


if __name__ == "__main__":
    run()
