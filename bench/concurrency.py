"""The main reads under load: the real ``resurface serve`` with the demo clinics, with one web
process and with several, on SQLite and PostgreSQL, driven by 10 and by 50 concurrent
connections.

Each connection is a closed loop (send a request, wait for its answer, send the next) signed in
as the clinician ``harbour.nurse``, going round Today, the patient list, a name search, a chart
page and the chart API for ``RESURFACE_BENCH_SECONDS`` (default 20) after a few seconds of
warm-up. It reports, per endpoint, the 50th, 95th and 99th percentile of the time from sending a
request to reading its whole answer, and per run the requests per second and the errors (any
answer but 200, or none). The load comes from this process (asyncio and httpx), on the same
machine as the server, as a clinic's browsers would not: on a small machine it takes a share of
the cores from the server, so the figures are an upper bound of what the server alone costs.

Processes: 1 and ``RESURFACE_BENCH_WORKERS`` (default what ``resurface serve`` picks: the cores,
at most 6; at least 2). PostgreSQL: ``RESURFACE_BENCH_POSTGRES_URL`` (default the local server;
skipped if it cannot be reached). Everything is made in a temporary folder and a throw-away
PostgreSQL database, both removed at the end. Prints a table and writes
``bench/results/concurrency.json``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.databases import postgres_reachable, throwaway_postgres
from resurface.cli.serve import default_workers
from resurface.demo.cast import DEMO_PASSWORD

RESULTS = Path(__file__).parent / "results" / "concurrency.json"
CONNECTIONS = (10, 50)
WARM_UP_S = 4.0
USER = "harbour.nurse"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
START_DEADLINE_S = 600.0


def _seconds() -> float:
    return float(os.environ.get("RESURFACE_BENCH_SECONDS", "20"))


def _workers() -> int:
    return max(2, int(os.environ.get("RESURFACE_BENCH_WORKERS", "0")) or default_workers())


# --- the places: a data directory, and a database in it or on the PostgreSQL server ---------------


@contextmanager
def _sqlite() -> Iterator[dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix="resurface-bench-") as folder:
        yield {"RESURFACE_DATA_DIR": folder}


@contextmanager
def _postgres() -> Iterator[dict[str, str]]:
    with (
        throwaway_postgres() as url,
        tempfile.TemporaryDirectory(prefix="resurface-bench-") as folder,
    ):
        yield {"RESURFACE_DATA_DIR": folder, "RESURFACE_DATABASE_URL": url}


def _environment(place: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RESURFACE_")}
    return env | {"RESURFACE_ENVIRONMENT": "development"} | place


def _resurface(env: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "resurface.cli.main", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"resurface {' '.join(args)} failed:\n{done.stderr}")


# --- the server -----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(env: dict[str, str], workers: int) -> Iterator[str]:
    port = _free_port()
    command = [
        *(sys.executable, "-m", "resurface.cli.main", "serve", "--no-access-log"),
        *("--port", str(port), "--workers", str(workers)),
    ]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_DEADLINE_S
            while True:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the server did not start:\n{log.read().decode()}")
                try:
                    if httpx.get(f"{base}/healthz", timeout=10).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.5)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _signed_in(base: str) -> tuple[httpx.Cookies, dict[str, str]]:
    """A clinician's session cookie, and the main reads (with a real patient's chart)."""
    with httpx.Client(base_url=base, timeout=60) as http:
        found = CSRF.search(http.get("/login").text)
        assert found is not None
        answer = http.post(
            "/login",
            data={"username": USER, "password": DEMO_PASSWORD, "csrf_token": found[1]},
        )
        assert answer.status_code == 303, answer.text
        listed = http.get("/api/v1/patients").json()["items"]
        patient = next(item["patient"]["id"] for item in listed if item["stage"] != "consultation")
        family = str(listed[0]["patient"]["family_name"])
        reads = {
            "Today": "/",
            "patient list": "/patients",
            "search": f"/patients?q={family[:5].lower()}",
            "chart": f"/patients/{patient}",
            "chart API": f"/api/v1/patients/{patient}/chart",
        }
        for path in reads.values():  # every read answers before it is timed
            assert http.get(path).status_code == 200, path
        return http.cookies, reads


# --- the load -------------------------------------------------------------------------------------


async def _drive(
    base: str, cookies: httpx.Cookies, reads: dict[str, str], connections: int, seconds: float
) -> tuple[dict[str, list[float]], int, float]:
    """``connections`` closed loops for ``seconds``: each read's times (ms), errors, duration."""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    times: dict[str, list[float]] = {name: [] for name in reads}
    errors = 0
    names = list(reads)
    async with httpx.AsyncClient(
        base_url=base, cookies=cookies, limits=limits, timeout=120
    ) as http:
        stop = time.monotonic() + seconds

        async def loop(offset: int) -> None:
            nonlocal errors
            n = offset
            while time.monotonic() < stop:
                name = names[n % len(names)]
                n += 1
                started = time.perf_counter()
                try:
                    answer = await http.get(reads[name])
                    ok = answer.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    times[name].append((time.perf_counter() - started) * 1000)
                else:
                    errors += 1

        began = time.monotonic()
        await asyncio.gather(*(loop(i) for i in range(connections)))
        return times, errors, time.monotonic() - began


def _percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return round(values[0], 1) if values else float("nan")
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def _load(base: str, connections: int) -> dict[str, Any]:
    cookies, reads = _signed_in(base)
    asyncio.run(_drive(base, cookies, reads, connections, WARM_UP_S))
    times, errors, duration = asyncio.run(_drive(base, cookies, reads, connections, _seconds()))
    done = sum(len(values) for values in times.values())
    every = [value for values in times.values() for value in values]
    return {
        "requests": done,
        "errors": errors,
        "per_second": round(done / duration, 1),
        "all": {f"p{q}_ms": _percentile(every, q) for q in (50, 95, 99)},
        "reads": {
            name: {f"p{q}_ms": _percentile(values, q) for q in (50, 95, 99)}
            | {"requests": len(values)}
            for name, values in times.items()
        },
    }


def _backend(place: dict[str, str], workers: list[int]) -> dict[str, dict[str, Any]]:
    env = _environment(place)
    started = time.perf_counter()
    _resurface(env, "db", "upgrade")
    _resurface(env, "demo", "load")
    print(f"  demo loaded in {time.perf_counter() - started:.0f} s")
    found: dict[str, dict[str, Any]] = {}
    for count in workers:
        with _server(env, count) as base:
            for connections in CONNECTIONS:
                result = _load(base, connections)
                found[f"{count} x {connections}"] = {
                    "processes": count,
                    "connections": connections,
                } | result
                print(
                    f"  {count} process(es), {connections} connections: "
                    f"{result['per_second']} requests/s, p95 {result['all']['p95_ms']} ms, "
                    f"{result['errors']} errors"
                )
    return found


def run() -> None:
    workers = [1, _workers()]
    backends = {"SQLite": _sqlite}
    if postgres_reachable():
        backends["PostgreSQL"] = _postgres
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for name, place in backends.items():
        print(f"{name}:")
        with place() as env:
            results[name] = _backend(env, workers)
    _print(results)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": platform.platform(),
                "cores": os.cpu_count(),
                "seconds": _seconds(),
                "user": USER,
                "concurrency": results,
            },
            indent=2,
        )
        + "\n"
    )


def _print(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    print(f"\nThe main reads under load ({_seconds():.0f} s closed loop per row), ms")
    print(
        f"{'database':<11}{'procs':>6}{'conns':>6}{'req/s':>8}{'errors':>7}  "
        f"{'read':<13}{'p50':>8}{'p95':>8}{'p99':>8}"
    )
    for backend, runs in results.items():
        for run_ in runs.values():
            head = (
                f"{backend:<11}{run_['processes']:>6}{run_['connections']:>6}"
                f"{run_['per_second']:>8}{run_['errors']:>7}  "
            )
            rows = [("all reads", run_["all"]), *run_["reads"].items()]
            for n, (read, cell) in enumerate(rows):
                prefix = head if n == 0 else " " * len(head)
                print(
                    f"{prefix}{read:<13}{cell['p50_ms']:>8}{cell['p95_ms']:>8}{cell['p99_ms']:>8}"
                )


if __name__ == "__main__":
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    run()
