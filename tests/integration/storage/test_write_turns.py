"""The web processes of one machine take turns at writing their reads' audit events to SQLite
(``storage.write_turns``): a reader waits for another process's turn to end, then its events
are written, the chain whole; PostgreSQL and a database in memory need no turns."""

from __future__ import annotations

import fcntl
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from resurface.bootstrap import Runtime
from resurface.domain.people import Role
from resurface.services import audit
from resurface.services.access import Actor
from resurface.storage import database
from resurface.storage.write_turns import WriteTurns
from tests.support.clinic import seed_clinic

HOLD_A_TURN = """
import sys
from pathlib import Path
from resurface.storage.write_turns import WriteTurns
with WriteTurns(Path(sys.argv[1])).turn():
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_reads_events_wait_for_another_processs_turn_then_are_written(
    sqlite_runtime: Runtime,
) -> None:
    north = seed_clinic(sqlite_runtime.context.uow, "north")
    actor = Actor(1, north.clinic.id, Role.CLINICIAN, "Dr Test", "127.0.0.1")
    turns = database.write_turns(sqlite_runtime.engine)
    assert turns is not None
    other = subprocess.Popen(
        [sys.executable, "-c", HOLD_A_TURN, str(turns.lock_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None and other.stdin is not None
    try:
        assert other.stdout.readline().strip() == "holding"

        def read_chart() -> None:
            with sqlite_runtime.context.uow() as uow:
                uow.charts.chart(north.clinic.id, north.patient.id)
                audit.record(uow, actor, "chart_read", "patient", north.patient.id)
                uow.commit()

        reader = threading.Thread(target=read_chart)
        reader.start()
        reader.join(timeout=1)
        assert reader.is_alive(), "the read committed during the other process's turn"
        other.stdin.write("done\n")
        other.stdin.flush()
        reader.join(timeout=60)
        assert not reader.is_alive()
    finally:
        other.kill()
        other.wait()
    with sqlite_runtime.context.uow() as uow:
        actions = [event.entry.action for event in uow.audit.in_order()]
        assert audit.verify_trail(uow, sqlite_runtime.context.anchor).intact
    assert actions[-1] == "chart_read"


def test_two_turns_exclude_each_other_within_one_process_too(tmp_path: Path) -> None:
    """Each turn opens the file afresh, so processes started from one (``serve --workers``)
    never share the lock's file description."""
    lock_file = tmp_path / "resurface.db-write-turn"
    with WriteTurns(lock_file).turn():
        handle = os.open(lock_file, os.O_RDWR)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(handle)
    handle = os.open(lock_file, os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the turn ended
    finally:
        os.close(handle)
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600


def test_the_turns_file_lies_beside_the_sqlite_database(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'resurface.db'}")
    turns = database.write_turns(engine)
    assert turns is not None
    assert turns.lock_file == tmp_path / "resurface.db-write-turn"
    assert database.write_turns(create_engine("sqlite://")) is None


@pytest.mark.postgres
def test_postgresql_queues_its_writers_itself(postgres_runtime: Runtime) -> None:
    assert database.write_turns(postgres_runtime.engine) is None
