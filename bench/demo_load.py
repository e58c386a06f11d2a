"""How long ``resurface demo load`` takes on a fresh SQLite database: the command as a user runs
it (a new process, imports included), after ``resurface db upgrade``, in a temporary folder
removed at the end. Prints the time, the CPU time and the machine's load average (other work on a
shared machine stretches the wall clock, hardly the CPU time) and writes
``bench/results/demo_load.json``."""

from __future__ import annotations

import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.clinic_size import SECRET

RESULTS = Path(__file__).parent / "results" / "demo_load.json"
RUNS = 3


def _command(*args: str) -> list[str]:
    found = shutil.which("resurface", path=str(Path(sys.executable).parent))
    return [found, *args] if found else [sys.executable, "-m", "resurface.cli.main", *args]


def _once() -> tuple[float, float]:
    """Wall-clock seconds of ``resurface demo load``, and the CPU seconds it used (which other
    programs on a shared machine do not inflate)."""
    with tempfile.TemporaryDirectory(prefix="resurface-bench-") as folder:
        env = os.environ | {
            "RESURFACE_DATA_DIR": folder,
            "RESURFACE_DATABASE_URL": f"sqlite:///{Path(folder) / 'resurface.db'}",
            "RESURFACE_SECRET_KEY": SECRET,
            "RESURFACE_ENVIRONMENT": "development",
        }
        subprocess.run(_command("db", "upgrade"), env=env, check=True, capture_output=True)
        before = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(_command("demo", "load"), env=env, check=True, capture_output=True)
        took = time.perf_counter() - started
        assert b"demo loaded: 2 clinics, 20 patients" in done.stdout, done.stdout
        return took, _children_cpu() - before


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run() -> None:
    load_before = os.getloadavg()[0]
    runs = [_once() for _ in range(RUNS)]
    load = (round(load_before, 1), round(os.getloadavg()[0], 1))
    median = statistics.median(wall for wall, _ in runs)
    cpu = statistics.median(used for _, used in runs)
    print(f"\n`resurface demo load` on a fresh SQLite database: median {median:.1f} s "
          f"of {RUNS} runs, {cpu:.1f} s of CPU "
          f"(load average {load[0]}, then {load[1]})")  # fmt: skip
    RESULTS.parent.mkdir(exist_ok=True)
    payload = {"machine": platform.platform(), "cores": os.cpu_count(),
               "runs_s": [round(w, 1) for w, _ in runs], "median_s": round(median, 1),
               "cpu_s": round(cpu, 1), "cpu_runs_s": [round(c, 1) for _, c in runs],
               "load_average_before_after": load}  # fmt: skip
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    run()
