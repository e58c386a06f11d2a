"""How long ``resurface audit verify`` takes over a million audit events, on SQLite and PostgreSQL.

A trail of ``RESURFACE_BENCH_AUDIT_EVENTS`` events (default 1,000,000: years of a busy clinic)
is chained with the installation's own key, exactly as the server chains it, and written in bulk
(executemany on SQLite, ``COPY`` on PostgreSQL) into a throw-away database; a signed checkpoint
is written ``TAIL`` events before the head, as the server's minute checkpoints would have left
one a day's work back. Then the use case behind the command is timed twice: incremental (from
the last checkpoint) and full. Everything is made in a temporary folder and a throw-away
PostgreSQL database, both removed at the end. Prints a table and writes
``bench/results/audit_verify.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, update

from bench.clinic_size import SECRET, _postgres, _postgres_reachable, _sqlite
from resurface import bootstrap
from resurface.config import Environment, Settings
from resurface.domain.audit import GENESIS_HASH, AuditEntry, AuditEvent, ChainKey, chain, checkpoint
from resurface.services.audit import check_trail
from resurface.storage.tables import audit_events, audit_head

RESULTS = Path(__file__).parent / "results" / "audit_verify.json"
DEFAULT_EVENTS = 1_000_000
TAIL = 50_000
"""Events written after the last checkpoint (a busy clinic's few days)."""
_BATCH = 20_000
_COLUMNS = [c.name for c in audit_events.c]


def _events(count: int, key: ChainKey) -> Iterator[AuditEvent]:
    """A clinic's reads and writes, a few seconds apart, chained as the server chains them."""
    start = dt.datetime(2021, 1, 4, 8, tzinfo=dt.UTC)
    actions = ("chart_read", "home_read", "update", "create", "patient_list")
    previous = GENESIS_HASH
    for seq in range(1, count + 1):
        entry = AuditEntry(
            at=start + dt.timedelta(seconds=7 * seq, microseconds=seq % 997),
            actor=f"clinician-{seq % 7}",
            action=actions[seq % len(actions)],
            record_type="patient",
            record_id=str(seq % 100_000),
            clinic_id=1 + seq % 2,
            user_id=seq % 7 + 1,
            patient_id=seq % 100_000 or None,
            source="203.0.113.7",
            detail="" if seq % 3 else f"clinical=True page {seq % 40}",
        )
        event = chain(seq, entry, previous, key)
        previous = event.hash
        yield event


def _row(event: AuditEvent) -> tuple[Any, ...]:
    e = event.entry
    return (
        event.seq, e.at, e.actor, e.action, e.record_type, e.record_id, e.clinic_id, e.user_id,
        e.patient_id, e.source, e.detail, event.previous_hash, event.hash, event.key_id,
    )  # fmt: skip


def _write(connection: Connection, batch: list[tuple[Any, ...]]) -> None:
    if not batch:
        return
    if connection.dialect.name == "postgresql":
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY audit_events ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in batch:
                copy.write_row(row)
        return
    # The driver's own executemany, with the time converted as the column type stores it.
    store_at = audit_events.c.at.type.bind_processor(connection.dialect)
    assert store_at is not None
    rows = [(*row[:1], store_at(row[1]), *row[2:]) for row in batch]
    marks = ", ".join("?" for _ in _COLUMNS)
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    cursor.executemany(f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) VALUES ({marks})", rows)


def _fill(runtime: bootstrap.Runtime, count: int) -> None:
    anchor = runtime.context.anchor
    assert anchor is not None
    key = anchor.key()
    batch: list[tuple[Any, ...]] = []
    last: AuditEvent | None = None
    with runtime.engine.begin() as connection:
        for event in _events(count, key):
            batch.append(_row(event))
            if event.seq == count - TAIL:
                at = dt.datetime.now(dt.UTC)
                anchor.add_checkpoint(checkpoint(key, event.seq, event.hash, at))
            if len(batch) == _BATCH:
                _write(connection, batch)
                batch = []
            last = event
        _write(connection, batch)
        assert last is not None
        connection.execute(update(audit_head).values(seq=last.seq, hash=last.hash))


def _backend(url: str, folder: Path, count: int) -> dict[str, Any]:
    settings = Settings(
        environment=Environment.TEST, secret_key=SECRET, data_dir=folder, database_url=url
    )
    bootstrap.migrate(settings)
    runtime = bootstrap.build(settings)
    try:
        started = time.perf_counter()
        _fill(runtime, count)
        written = time.perf_counter() - started
        found: dict[str, Any] = {"events": count, "written_s": round(written, 1)}
        for name, incremental in (("incremental", True), ("full", False)):
            started = time.perf_counter()
            report = check_trail(runtime.context, incremental=incremental)
            found[f"{name}_s"] = round(time.perf_counter() - started, 2)
            found[f"{name}_events"] = report.events
            assert report.intact, report.broken
        print(f"  {runtime.engine.dialect.name}: {count:,} events written in {written:.1f} s")
        return found
    finally:
        runtime.dispose()


def run() -> None:
    count = int(os.environ.get("RESURFACE_BENCH_AUDIT_EVENTS", DEFAULT_EVENTS))
    backends = {"SQLite": _sqlite}
    if _postgres_reachable():
        backends["PostgreSQL"] = _postgres
    results: dict[str, dict[str, Any]] = {}
    for name, place in backends.items():
        with place() as (url, folder):
            results[name] = _backend(url, folder, count)
    print(f"\n`resurface audit verify` of {count:,} events (incremental: the last {TAIL:,})")
    print(f"{'database':<12}{'incremental':>14}{'full':>10}")
    for name, found in results.items():
        print(f"{name:<12}{found['incremental_s']:>12} s{found['full_s']:>8} s")
    RESULTS.parent.mkdir(exist_ok=True)
    payload = {"machine": platform.platform(), "tail": TAIL, "audit_verify": results}
    RESULTS.write_text(json.dumps(payload, indent=2) + "\n")
