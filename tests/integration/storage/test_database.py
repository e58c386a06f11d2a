"""The SQLite engine's settings: what survives a crash or a power cut."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from resurface.storage.database import make_engine


def test_sqlite_syncs_every_commit_so_an_acknowledged_write_survives_a_power_cut(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    engine.dispose()
