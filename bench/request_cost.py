"""What one main read costs the server: CPU milliseconds and SQL statements per request.

The demo clinics are loaded into a temporary SQLite database (and a throw-away PostgreSQL one,
when a server is reachable); then, in this process, the web app answers the five reads of the
concurrency bench (Today, the patient list, a name search, a chart page and the chart API),
signed in as ``harbour.nurse``, ``RESURFACE_BENCH_REQUESTS`` times each (default 200) after a
warm-up, through httpx's ASGI transport (no sockets, no background loops): one after another,
then 16 at a time (the routes run in the app's worker threads, as in the server, so readers
commit together: at most ``resurface serve``'s threads at once, ``RESURFACE_WEB_THREADS`` or its
default of 8, the others waiting their turn, with the engine's pool sized for those threads as
the server's is).
What is loaded before the first request is kept out of the garbage collector's scans
(``gc.freeze``), as ``resurface serve`` does when it starts.
CPU time is the process's (``time.process_time``, every thread: the route's worker thread and
the client), which depends far less than wall clock on what else the machine is doing; each
figure is the lowest of five rounds. The statements are those the engine sends (SQLAlchemy's
cursor event).

``python -m bench.request_cost --profile chart`` profiles one read instead (cProfile, the
functions with the most time of their own and with the most time below them).
Writes ``bench/results/request_cost.json``.
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import itertools
import json
import os
import platform
import pstats
import re
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from sqlalchemy import event

from bench.concurrency import USER, _environment, _resurface
from bench.databases import postgres_reachable, throwaway_postgres
from resurface import bootstrap
from resurface.cli.serve import DEFAULT_THREADS, THREADS_ENV
from resurface.config import Settings
from resurface.demo.cast import DEMO_PASSWORD
from resurface.web import create_app

RESULTS = Path(__file__).parent / "results" / "request_cost.json"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
WARM_UP = 20
ROUNDS = 5
AT_ONCE = 16


def _requests() -> int:
    return int(os.environ.get("RESURFACE_BENCH_REQUESTS", "200"))


def _threads() -> int:
    """The routes run at once, as ``resurface serve`` runs them (its ``--threads``)."""
    return int(os.environ.get(THREADS_ENV, str(DEFAULT_THREADS)))


@contextmanager
def _places() -> Iterator[dict[str, dict[str, str]]]:
    """SQLite (and PostgreSQL when reachable): the environment of each, demo loaded."""
    with tempfile.TemporaryDirectory(prefix="resurface-bench-") as folder:
        places = {"SQLite": {"RESURFACE_DATA_DIR": str(Path(folder) / "sqlite")}}
        if not postgres_reachable():
            yield _loaded(places)
            return
        with throwaway_postgres() as url:
            places["PostgreSQL"] = {
                "RESURFACE_DATA_DIR": str(Path(folder) / "postgres"),
                "RESURFACE_DATABASE_URL": url,
            }
            yield _loaded(places)


def _loaded(places: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    for name, place in places.items():
        env = _environment(place)
        started = time.perf_counter()
        _resurface(env, "db", "upgrade")
        _resurface(env, "demo", "load")
        print(f"{name}: demo loaded in {time.perf_counter() - started:.0f} s")
    return places


def _settings(place: dict[str, str]) -> Settings:
    values: dict[str, Any] = {"environment": "development", "data_dir": place["RESURFACE_DATA_DIR"]}
    if "RESURFACE_DATABASE_URL" in place:
        values["database_url"] = place["RESURFACE_DATABASE_URL"]
    return Settings(**values)


class Statements:
    """Counts the statements sent, from any thread (``next`` of a counter is atomic)."""

    def __init__(self) -> None:
        self._sent = itertools.count()
        self._looks = 0

    def __call__(self, *_args: Any) -> None:
        next(self._sent)

    @property
    def count(self) -> int:
        sent = next(self._sent) - self._looks  # each look takes a number too
        self._looks += 1
        return sent


async def _sign_in(http: httpx.AsyncClient) -> dict[str, str]:
    """Sign in; the main reads, with a treated patient's chart."""
    found = CSRF.search((await http.get("/login")).text)
    assert found is not None
    data = {"username": USER, "password": DEMO_PASSWORD, "csrf_token": found[1]}
    answer = await http.post("/login", data=data)
    assert answer.status_code == 303, answer.text
    listed = (await http.get("/api/v1/patients")).json()["items"]
    patient = next(item["patient"]["id"] for item in listed if item["stage"] != "consultation")
    family = str(listed[0]["patient"]["family_name"])
    return {
        "Today": "/",
        "patient list": "/patients",
        "search": f"/patients?q={family[:5].lower()}",
        "chart": f"/patients/{patient}",
        "chart API": f"/api/v1/patients/{patient}/chart",
    }


async def _measure(
    http: httpx.AsyncClient, statements: Statements, path: str, times: int, at_once: int = 1
) -> dict[str, float]:
    """CPU and wall time per request, ``at_once`` requests in flight: the lowest of ``ROUNDS``
    rounds (another process on the same cores slows a round down; none makes one faster), and
    the statements per request."""
    for _ in range(WARM_UP):
        assert (await http.get(path)).status_code == 200, path
    cpu, wall, before_count = [], [], statements.count
    per_loop = max(1, times // ROUNDS // at_once)
    each = per_loop * at_once
    for _ in range(ROUNDS):
        before_cpu, before_wall = time.process_time(), time.perf_counter()
        await _round(http, path, per_loop, at_once)
        cpu.append((time.process_time() - before_cpu) / each)
        wall.append((time.perf_counter() - before_wall) / each)
    return {
        "cpu_ms": round(min(cpu) * 1000, 2),
        "wall_ms": round(min(wall) * 1000, 2),
        "statements": round((statements.count - before_count) / (each * ROUNDS), 2),
    }


async def _round(http: httpx.AsyncClient, path: str, per_loop: int, at_once: int) -> None:
    """``at_once`` closed loops of ``per_loop`` requests each (the app runs its routes in
    worker threads, as the server does)."""

    async def loop() -> None:
        for _ in range(per_loop):
            assert (await http.get(path)).status_code == 200, path

    await asyncio.gather(*(loop() for _ in range(at_once)))


Cost = dict[str, float]
"""CPU ms, wall ms and statements per request."""


async def _reads(place: dict[str, str], profile: str | None) -> dict[str, dict[str, Cost]]:
    runtime = bootstrap.build(_settings(place))  # its pool sized for them (the same setting)
    anyio.to_thread.current_default_thread_limiter().total_tokens = _threads()
    statements = Statements()
    event.listen(runtime.engine, "before_cursor_execute", statements)
    app = create_app(runtime.settings, runtime)
    gc.freeze()  # as `resurface serve` does when it starts: what is loaded by now stays unscanned
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            reads = await _sign_in(http)
            if profile is not None:
                await _profile(http, statements, reads[profile])
                return {}
            found = {}
            for name, path in reads.items():
                alone = await _measure(http, statements, path, _requests())
                crowd = await _measure(http, statements, path, _requests(), AT_ONCE)
                found[name] = {"one at a time": alone, f"{AT_ONCE} at a time": crowd}
            return found
    finally:
        runtime.dispose()


async def _profile(http: httpx.AsyncClient, statements: Statements, path: str) -> None:
    """cProfile sees one thread: the routes and dependencies run inline here instead of in
    FastAPI's worker threads (the same work, without the hand-over)."""
    import fastapi.dependencies.utils
    import fastapi.routing

    async def inline(*args: Any, **kwargs: Any) -> Any:
        return args[0](*args[1:], **kwargs)

    setattr(fastapi.routing, "run_in_threadpool", inline)  # noqa: B010
    setattr(fastapi.dependencies.utils, "run_in_threadpool", inline)  # noqa: B010
    await _measure(http, statements, path, 5)
    profiler = cProfile.Profile()
    profiler.enable()
    await _measure(http, statements, path, _requests())
    profiler.disable()
    stats = pstats.Stats(profiler).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(70)


def run(profile: str | None = None) -> None:
    results: dict[str, dict[str, dict[str, Cost]]] = {}
    with _places() as places:
        for name, place in places.items():
            results[name] = asyncio.run(_reads(place, profile))
            if profile is not None:
                return
    _print(results)
    RESULTS.parent.mkdir(exist_ok=True)
    document = {
        "machine": platform.platform(),
        "requests": _requests(),
        "threads": _threads(),
        "user": USER,
        "load_average": os.getloadavg(),
        "reads": results,
    }
    RESULTS.write_text(json.dumps(document, indent=2) + "\n")


def _print(results: dict[str, dict[str, dict[str, Cost]]]) -> None:
    print(
        f"\nWhat one read costs ({_requests()} requests each, in process, routes in "
        f"{_threads()} threads), per request"
    )
    print(f"{'':<25}{'one at a time':^30}{f'{AT_ONCE} at a time':^30}")
    print(f"{'database':<11}{'read':<14}" + f"{'CPU ms':>10}{'wall ms':>9}{'statements':>11}" * 2)
    for backend, reads in results.items():
        for read, cell in reads.items():
            print(
                f"{backend:<11}{read:<14}"
                + "".join(
                    f"{part['cpu_ms']:>10}{part['wall_ms']:>9}{part['statements']:>11}"
                    for part in cell.values()
                )
            )
    print(f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    arguments = sys.argv[1:]
    run(arguments[1] if arguments[:1] == ["--profile"] else None)
