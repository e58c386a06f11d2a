"""The audit trail anchored outside the database, as an attacker with write access to the
database would try it: cutting events off the end with the head rewound, rewriting an event and
recomputing the chain, rolling the database back to an older copy, forging a checkpoint. Each is
named by `resurface audit verify` (exit 1); an untouched trail is intact."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from resurface import bootstrap
from resurface.config import Environment
from resurface.domain.audit import AuditEntry, event_hash
from resurface.services import audit
from tests.conftest import make_settings


def resurface(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "RESURFACE_DATA_DIR": str(data_dir),
        "RESURFACE_DATABASE_URL": f"sqlite:///{data_dir / 'resurface.db'}",
        "RESURFACE_ENVIRONMENT": "development",
    }
    return subprocess.run(
        [sys.executable, "-m", "resurface.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _append(data_dir: Path, count: int) -> None:
    """``count`` more events, chained by the server's own code."""
    settings = make_settings(
        data_dir, f"sqlite:///{data_dir / 'resurface.db'}", environment=Environment.DEVELOPMENT
    )
    runtime = bootstrap.build(settings)
    try:
        for number in range(count):
            with runtime.context.uow() as uow:
                audit.record(uow, None, "read", "patient", number, detail="probe")
                uow.commit()
    finally:
        runtime.dispose()


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """A data folder whose trail has 5 events and a checkpoint of them."""
    assert resurface(tmp_path, "db", "upgrade").returncode == 0
    _append(tmp_path, 5)
    written = resurface(tmp_path, "audit", "checkpoint")
    assert written.stdout.startswith("checkpoint written: event 5"), written.stderr
    return tmp_path


def _sql(data_dir: Path, *statements: str) -> None:
    with sqlite3.connect(data_dir / "resurface.db") as connection:
        for statement in statements:
            connection.execute(statement)


def _rows(data_dir: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(data_dir / "resurface.db") as connection:
        return list(connection.execute("SELECT * FROM audit_events ORDER BY seq"))


def test_an_untouched_trail_is_intact_with_its_checkpoint(clinic: Path) -> None:
    report = resurface(clinic, "audit", "verify")
    assert report.returncode == 0
    assert report.stdout.startswith("audit trail intact: 5 events; 1 checkpoints")
    assert resurface(clinic, "audit", "checkpoint").stdout.startswith("nothing new")
    keys = (clinic / "audit" / "keys").read_text()
    assert keys.count("\n") == 1 and oct((clinic / "audit" / "keys").stat().st_mode)[-3:] == "600"


def test_events_cut_off_the_end_with_the_head_rewound_are_found(clinic: Path) -> None:
    third = _rows(clinic)[2]
    head_hash = third[-2]
    _sql(
        clinic,
        "DELETE FROM audit_events WHERE seq > 3",
        f"UPDATE audit_head SET seq = 3, hash = '{head_hash}'",
    )
    report = resurface(clinic, "audit", "verify")
    assert report.returncode == 1
    assert "events 4 to 5 were removed or the database was rolled back" in report.stderr


def test_an_event_rewritten_and_the_chain_recomputed_without_the_key_is_found(
    clinic: Path,
) -> None:
    _rewrite_as_plain(clinic, from_seq=2)
    partly = resurface(clinic, "audit", "verify")
    assert partly.returncode == 1
    assert "BROKEN at event 2: is not signed, though the events before it are" in partly.stderr

    _rewrite_as_plain(clinic, from_seq=1)  # the whole chain, as if it had never been keyed
    whole = resurface(clinic, "audit", "verify")
    assert whole.returncode == 1
    assert "event 5 is not the one the checkpoint of" in whole.stderr


def test_a_database_rolled_back_to_an_older_copy_is_found(clinic: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    shutil.copyfile(clinic / "resurface.db", older)
    _append(clinic, 3)
    assert resurface(clinic, "audit", "checkpoint").stdout.startswith("checkpoint written: event 8")
    shutil.copyfile(older, clinic / "resurface.db")
    report = resurface(clinic, "audit", "verify")
    assert report.returncode == 1
    assert "events 6 to 8 were removed or the database was rolled back" in report.stderr


def test_a_forged_checkpoint_is_found(clinic: Path) -> None:
    [log] = (clinic / "audit").glob("checkpoints-*.log")
    point = json.loads(log.read_text().splitlines()[-1])
    forged = point | {"seq": 3, "hash": _rows(clinic)[2][-2], "mac": "0" * 64}
    with log.open("a") as appended:
        appended.write(json.dumps(forged) + "\n")
    report = resurface(clinic, "audit", "verify")
    assert report.returncode == 1 and "is not genuine" in report.stderr


def test_a_rotated_key_chains_new_events_and_the_old_ones_still_verify(clinic: Path) -> None:
    rotated = resurface(clinic, "audit", "rotate-key")
    assert rotated.returncode == 0 and rotated.stdout.startswith("new audit key ")
    _append(clinic, 2)
    key_ids = {row[-1] for row in _rows(clinic)}
    assert len(key_ids) == 2
    assert resurface(clinic, "audit", "verify").stdout.startswith("audit trail intact: 7 events")


def _rewrite_as_plain(data_dir: Path, from_seq: int) -> None:
    """What an attacker without the key can do: change event ``from_seq`` and recompute the
    chain from it with plain SHA-256 (the unkeyed form: it needs no secret), head included."""
    rows = _rows(data_dir)
    columns = _columns(data_dir)
    previous = rows[from_seq - 2][columns.index("hash")] if from_seq > 1 else "0" * 64
    statements = []
    for row in rows[from_seq - 1 :]:
        values = dict(zip(columns, row, strict=True))
        actor = "nobody" if values["seq"] == from_seq else values["actor"]
        entry = AuditEntry(
            at=_at(values["at"]),
            actor=str(actor),
            action=str(values["action"]),
            record_type=str(values["record_type"]),
            record_id=str(values["record_id"]),
            clinic_id=values["clinic_id"],  # type: ignore[arg-type]
            user_id=values["user_id"],  # type: ignore[arg-type]
            patient_id=values["patient_id"],  # type: ignore[arg-type]
            source=str(values["source"]),
            detail=str(values["detail"]),
        )
        digest = event_hash(int(values["seq"]), entry, str(previous))  # type: ignore[arg-type]
        statements.append(
            f"UPDATE audit_events SET actor = '{actor}', previous_hash = '{previous}', "
            f"hash = '{digest}', key_id = '' WHERE seq = {values['seq']}"
        )
        previous = digest
    statements.append(f"UPDATE audit_head SET hash = '{previous}'")
    _sql(data_dir, *statements)


def _columns(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "resurface.db") as connection:
        return [row[1] for row in connection.execute("PRAGMA table_info(audit_events)")]


def _at(text: object) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(text))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _incremental(data_dir: Path) -> subprocess.CompletedProcess[str]:
    return resurface(data_dir, "audit", "verify", "--incremental")


def test_the_incremental_check_reads_only_the_events_since_the_last_checkpoint(
    clinic: Path,
) -> None:
    _append(clinic, 3)
    report = _incremental(clinic)
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("audit trail intact since the checkpoint at event 5: 3 events")


def test_the_incremental_check_finds_an_event_since_the_checkpoint_changed_or_cut_off(
    clinic: Path,
) -> None:
    _append(clinic, 3)
    _sql(clinic, "UPDATE audit_events SET actor = 'someone else' WHERE seq = 7")
    changed = _incremental(clinic)
    assert changed.returncode == 1
    assert "BROKEN at event 7: its content was changed" in changed.stderr
    _sql(clinic, "DELETE FROM audit_events WHERE seq > 6")  # the head is left at 8
    cut = _incremental(clinic)
    assert cut.returncode == 1 and "events 7 to 8 were removed" in cut.stderr


def test_the_incremental_check_finds_a_database_rolled_back(clinic: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.db"
    shutil.copyfile(clinic / "resurface.db", older)
    _append(clinic, 3)
    assert resurface(clinic, "audit", "checkpoint").stdout.startswith("checkpoint written: event 8")
    shutil.copyfile(older, clinic / "resurface.db")
    report = _incremental(clinic)
    assert report.returncode == 1
    assert "events 6 to 8 were removed or the database was rolled back" in report.stderr


def test_the_incremental_check_finds_the_checkpointed_event_rewritten(clinic: Path) -> None:
    _rewrite_as_plain(clinic, from_seq=5)
    report = _incremental(clinic)
    assert report.returncode == 1
    assert "event 5 is not the one the checkpoint of" in report.stderr


def test_the_incremental_check_refuses_a_forged_checkpoint(clinic: Path) -> None:
    [log] = (clinic / "audit").glob("checkpoints-*.log")
    point = json.loads(log.read_text().splitlines()[-1])
    forged = point | {"seq": 3, "hash": _rows(clinic)[2][-2], "mac": "0" * 64}
    with log.open("a") as appended:
        appended.write(json.dumps(forged) + "\n")
    report = _incremental(clinic)
    assert report.returncode == 1 and "is not genuine" in report.stderr
