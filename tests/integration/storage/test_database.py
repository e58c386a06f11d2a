"""The engines' settings: what survives a crash or a power cut (SQLite), and a pooled
connection the server dropped (PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from resurface.storage.database import make_engine
from tests.conftest import PostgresServer


def test_sqlite_syncs_every_commit_so_an_acknowledged_write_survives_a_power_cut(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engine.dispose()


@pytest.mark.postgres
def test_a_pooled_postgresql_connection_dropped_while_idle_is_replaced_before_use(
    postgres: PostgresServer,
) -> None:
    url = postgres.create()
    engine = make_engine(url, ping_after_idle_s=0.0)
    try:
        with engine.connect() as connection:
            pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with make_engine(url).connect() as other:  # the server drops the pooled connection
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
    finally:
        engine.dispose()
