"""The main reads under load: the real ``resurface serve`` with the demo clinics, with one web
process and with several, on SQLite and PostgreSQL, driven by 10 and by 50 concurrent
connections.

Each connection is a closed loop (send a request, wait for its whole answer, send the next)
signed in as the clinician ``harbour.nurse``. Per server and number of connections, after a few
seconds of warm-up: one run on each read alone (Today, the patient list, a name search, a chart
page, the chart API; every connection on that read) and one run going round the five, each
``RESURFACE_BENCH_SECONDS`` long (default 10). It reports per run the 50th, 95th and 99th
percentile of the time from sending a request to reading its answer, the requests per second and
the errors (any answer but 200, a socket error or a time-out).

The load comes from ``wrk`` (Debian's package; a load generator in C, ``bench/concurrency.lua``),
on the same machine as the server: a few per cent of a core, where the clinic's browsers would be
on other machines. Without ``wrk`` the bench drives the server from this process (asyncio and
httpx; 1-3 ms of CPU per request, taken from the server's cores) and says so. The JSON and
the table name the generator and the machine's load average (other work on the same cores slows
the server as much as its own code does).

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
import resource
import shutil
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
WRK_SCRIPT = Path(__file__).parent / "concurrency.lua"
CONNECTIONS = (10, 50)
WARM_UP_S = 4.0
USER = "harbour.nurse"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
START_DEADLINE_S = 600.0


def _seconds() -> float:
    return float(os.environ.get("RESURFACE_BENCH_SECONDS", "10"))


def _generator() -> str:
    """``wrk`` where it is installed (``make bench`` installs it), else this process (or the one
    named by ``RESURFACE_BENCH_GENERATOR``: ``wrk`` or ``httpx``)."""
    chosen = os.environ.get("RESURFACE_BENCH_GENERATOR")
    if chosen in ("wrk", "httpx"):
        return chosen
    return "wrk" if shutil.which("wrk") else "httpx"


def _load_average() -> float:
    return round(os.getloadavg()[0], 1)


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
def _server(env: dict[str, str], workers: int) -> Iterator[tuple[str, int]]:
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
            yield base, process.pid
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


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) used so far by process ``pid`` and every process it
    started (the web processes of ``--workers``), from Linux's /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # ended meanwhile
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / tick)
    family, total = {pid}, 0.0
    for _ in range(3):  # the supervisor, its workers, their helpers
        family |= {child for child, (parent, _cpu) in stats.items() if parent in family}
    for member in family:
        total += stats.get(member, (0, 0.0))[1]
    return total


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


def _load(base: str, pid: int, connections: int) -> dict[str, Any]:
    cookies, reads = _signed_in(base)
    if _generator() == "wrk":
        return _load_with_wrk(base, pid, cookies, reads, connections)
    return _load_with_httpx(base, pid, cookies, reads, connections)


def _cpu_ms(seconds: float, requests: int) -> float:
    return round(seconds * 1000 / max(requests, 1), 2)


def _load_with_httpx(
    base: str, pid: int, cookies: httpx.Cookies, reads: dict[str, str], connections: int
) -> dict[str, Any]:
    """One run going round the reads; each read's percentiles are its share of that run."""
    asyncio.run(_drive(base, cookies, reads, connections, WARM_UP_S))
    server, generator = _cpu_seconds(pid), time.process_time()
    times, errors, duration = asyncio.run(_drive(base, cookies, reads, connections, _seconds()))
    server, generator = _cpu_seconds(pid) - server, time.process_time() - generator
    done = sum(len(values) for values in times.values())
    every = [value for values in times.values() for value in values]
    return {
        "requests": done,
        "errors": errors,
        "per_second": round(done / duration, 1),
        "server_cpu_ms": _cpu_ms(server, done + errors),
        "generator_cpu_ms": _cpu_ms(generator, done + errors),
        "all": {f"p{q}_ms": _percentile(every, q) for q in (50, 95, 99)},
        "reads": {
            name: {f"p{q}_ms": _percentile(values, q) for q in (50, 95, 99)}
            | {"requests": len(values)}
            for name, values in times.items()
        },
        "load_average": _load_average(),
    }


def _load_with_wrk(
    base: str, pid: int, cookies: httpx.Cookies, reads: dict[str, str], connections: int
) -> dict[str, Any]:
    """A warm-up, each read alone, then one run going round the five reads."""
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    paths = list(reads.values())
    _wrk(base, pid, cookie, paths, connections, WARM_UP_S)
    alone = {
        name: _wrk(base, pid, cookie, [path], connections, _seconds())
        for name, path in reads.items()
    }
    mixed = _wrk(base, pid, cookie, paths, connections, _seconds())
    percentiles = {key: mixed.pop(key) for key in ("p50_ms", "p95_ms", "p99_ms")}
    return mixed | {
        "errors": mixed["errors"] + sum(run_["errors"] for run_ in alone.values()),
        "all": percentiles,
        "reads": alone,
        "load_average": _load_average(),
    }


def _children_cpu_seconds() -> float:
    """The CPU time of the ended processes this one started and waited for (``wrk``)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _wrk(
    base: str, pid: int, cookie: str, paths: list[str], connections: int, seconds: float
) -> dict[str, Any]:
    """One closed-loop run of ``wrk`` (one thread: the load is light for it) on ``paths``."""
    command = [
        *("wrk", "--threads", "1", "--connections", str(connections)),
        *("--duration", f"{seconds:g}s", "--timeout", "60s", "--script", str(WRK_SCRIPT)),
        *(base, "--", *paths),
    ]
    env = os.environ | {"RESURFACE_BENCH_COOKIE": cookie}
    server, generator = _cpu_seconds(pid), _children_cpu_seconds()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    server, generator = _cpu_seconds(pid) - server, _children_cpu_seconds() - generator
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed:\n{done.stdout}\n{done.stderr}")
    found = json.loads(line.removeprefix("RESULT "))
    errors = sum(found[kind] for kind in ("connect", "read", "write", "timeout", "not_200"))
    return {
        "requests": found["answers"] - found["not_200"],
        "errors": errors,
        "per_second": round(found["answers"] / (found["duration_us"] / 1e6), 1),
        "server_cpu_ms": _cpu_ms(server, found["answers"] + errors),
        "generator_cpu_ms": _cpu_ms(generator, found["answers"] + errors),
    } | {f"p{q}_ms": round(found[f"p{q}_us"] / 1000, 1) for q in (50, 95, 99)}


def _backend(place: dict[str, str], workers: list[int]) -> dict[str, dict[str, Any]]:
    env = _environment(place)
    started = time.perf_counter()
    _resurface(env, "db", "upgrade")
    _resurface(env, "demo", "load")
    print(f"  demo loaded in {time.perf_counter() - started:.0f} s")
    found: dict[str, dict[str, Any]] = {}
    for count in workers:
        with _server(env, count) as (base, pid):
            for connections in CONNECTIONS:
                result = _load(base, pid, connections)
                found[f"{count} x {connections}"] = {
                    "processes": count,
                    "connections": connections,
                } | result
                print(
                    f"  {count} process(es), {connections} connections: "
                    f"{result['per_second']} requests/s, p95 {result['all']['p95_ms']} ms, "
                    f"server CPU {result['server_cpu_ms']} ms a request, "
                    f"{result['errors']} errors (load average {result['load_average']})"
                )
    return found


def run() -> None:
    workers = [1, _workers()]
    backends = {"SQLite": _sqlite}
    if postgres_reachable():
        backends["PostgreSQL"] = _postgres
    results: dict[str, dict[str, dict[str, Any]]] = {}
    print(f"Load from {_generator()}; load average {_load_average()} before the bench")
    load_before = os.getloadavg()
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
                "generator": _generator(),
                "load_average_before": [round(x, 1) for x in load_before],
                "load_average_after": [round(x, 1) for x in os.getloadavg()],
                "user": USER,
                "concurrency": results,
            },
            indent=2,
        )
        + "\n"
    )


def _print(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    if _generator() == "wrk":
        how = "each read alone, then all reads in turn"
    else:
        how = "all reads in turn, each read's share of that run"
    print(
        f"\nThe main reads under load, ms (closed loop, {_seconds():.0f} s per run, {how}; "
        f"load from {_generator()}; load: the machine's 1-minute load average after the row; "
        "CPU ms: the server's CPU time a request)"
    )
    print(
        f"{'database':<11}{'procs':>6}{'conns':>6}{'load':>6}  "
        f"{'read':<13}{'req/s':>8}{'errors':>7}{'CPU ms':>7}{'p50':>8}{'p95':>8}{'p99':>8}"
    )
    for backend, runs in results.items():
        for run_ in runs.values():
            head = (
                f"{backend:<11}{run_['processes']:>6}{run_['connections']:>6}"
                f"{run_['load_average']:>6}  "
            )
            rows = [("all reads", run_ | run_["all"]), *run_["reads"].items()]
            for n, (read, cell) in enumerate(rows):
                prefix = head if n == 0 else " " * len(head)
                rate = (
                    f"{cell.get('per_second', ''):>8}{cell.get('errors', ''):>7}"
                    f"{cell.get('server_cpu_ms', ''):>7}"
                )
                print(
                    f"{prefix}{read:<13}{rate}"
                    f"{cell['p50_ms']:>8}{cell['p95_ms']:>8}{cell['p99_ms']:>8}"
                )


if __name__ == "__main__":
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    run()
