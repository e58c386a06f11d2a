"""Engines for SQLite (the embedded default) and PostgreSQL, and schema migration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

if TYPE_CHECKING:  # Alembic loads only to migrate (0.3 s a command that does not need it)
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

PING_AFTER_IDLE_S = 30.0
"""A pooled PostgreSQL connection unused for this long is tried before it is handed out."""
_RETURNED = "resurface.returned"


def make_engine(url: str, *, ping_after_idle_s: float = PING_AFTER_IDLE_S) -> Engine:
    """An engine for ``url``; SQLite gets WAL mode, a full sync at each commit, enforced foreign
    keys and a busy timeout. PostgreSQL's pooled connections are tried (one round trip) only
    when they have been idle ``ping_after_idle_s``: a server restarted or a connection dropped
    overnight is noticed before a request uses it, but a busy server's requests, which take a
    connection for each unit of work, do not pay a round trip each time (SQLAlchemy's
    ``pool_pre_ping`` would)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url)
        event.listen(engine, "checkin", _note_returned)
        event.listen(engine, "checkout", _ping_if_idle(ping_after_idle_s))
        return engine
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _note_returned(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_RETURNED] = time.monotonic()


def _ping_if_idle(idle_s: float) -> Any:
    def ping(dbapi_connection: Any, record: Any, _proxy: object) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned < idle_s:
            return  # new, or used a moment ago
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        except Exception as error:  # any failure: the pool replaces the connection
            raise exc.DisconnectionError(str(error)) from error

    return ping


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    """WAL lets the pages read while a write commits. ``synchronous=FULL`` syncs the log at every
    commit, so an acknowledged write survives a power cut (NORMAL may lose the last commits);
    ``make bench`` measures what it costs per write."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


@contextmanager
def synced_once(engine: Engine) -> Iterator[None]:
    """For a bulk load on SQLite (the fictional demo): its commits are not each synced to the
    disk (``synchronous=NORMAL`` in WAL mode: a power cut during the load may lose its last
    commits, never the database's consistency), and a checkpoint syncs them all at the end.
    Connections made afterwards sync every commit again. Does nothing on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        yield
        return

    def unsynced(dbapi_connection: Any, *_: object) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")

    event.listen(engine, "checkout", unsynced)
    try:
        yield
    finally:
        event.remove(engine, "checkout", unsynced)
        engine.dispose()  # the load's connections go; new ones get synchronous=FULL
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    make_engine(url).dispose()  # creates the SQLite folder if needed
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
