"""What a chart write costs on SQLite with ``synchronous=FULL`` (the setting) against ``NORMAL``.

Each write is one real use case, ``register_patient``: the patient row and its audit event in
one transaction, committed. FULL syncs the write-ahead log at every commit, so an acknowledged
write survives a power cut; NORMAL may lose the last commits. Run on this machine's disk.

Prints a table and writes ``bench/results/writes.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from tests.support.clinic import seed_clinic

from resurface import bootstrap
from resurface.config import Settings
from resurface.domain.people import Patient, Sex
from resurface.services import auth, patients, users

RESULTS = Path(__file__).parent / "results" / "writes.json"
WRITES = 300


def _write_times(synchronous: str) -> list[float]:
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        bootstrap.migrate(settings)
        runtime = bootstrap.build(settings)
        if synchronous != "FULL":
            event.listen(runtime.engine, "connect", _pragma(synchronous))
        ctx = runtime.context
        seed_clinic(ctx.units, "bench")
        actor = auth.actor_of(users.active_user(ctx, "bench.clinician"), "bench")
        times = []
        for n in range(WRITES):
            patient = Patient(0, 0, "Bench", f"Writer {n}", dt.date(1970, 1, 1), Sex.FEMALE)
            started = time.perf_counter()
            patients.register_patient(ctx, actor, patient)
            times.append((time.perf_counter() - started) * 1000)
        runtime.dispose()
        return times


def _pragma(synchronous: str) -> Any:
    def set_synchronous(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.execute(f"PRAGMA synchronous={synchronous}")

    return set_synchronous


def run() -> None:
    rows = {}
    for setting in ("NORMAL", "FULL"):
        times = _write_times(setting)
        rows[setting] = {
            "writes": len(times),
            "median_ms": round(statistics.median(times), 2),
            "p95_ms": round(statistics.quantiles(times, n=20)[-1], 2),
            "writes_per_s": round(1000 * len(times) / sum(times), 1),
        }
    print(f"\nSQLite chart writes (register_patient, {WRITES} commits each)")
    print(f"{'synchronous':<12}{'median ms':>12}{'p95 ms':>10}{'writes/s':>12}")
    for setting, row in rows.items():
        print(f"{setting:<12}{row['median_ms']:>12}{row['p95_ms']:>10}{row['writes_per_s']:>12}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": platform.platform(), "sqlite_writes": rows}, indent=2) + "\n"
    )
