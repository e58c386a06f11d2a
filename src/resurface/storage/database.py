"""Engines for SQLite (the embedded default) and PostgreSQL, and schema migration."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import URL, make_url

from resurface.storage.write_turns import WriteTurns

if TYPE_CHECKING:  # Alembic loads only to migrate (0.3 s a command that does not need it)
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"

PING_AFTER_IDLE_S = 30.0
"""A pooled PostgreSQL connection unused for this long is tried before it is handed out."""
_RETURNED = "resurface.returned"
DEFAULT_WEB_THREADS = 8
"""``serve``'s default: ``cli.serve.DEFAULT_THREADS`` and ``Settings.web_threads`` (a test keeps
the three equal)."""
BACKGROUND_CONNECTIONS = 4
"""Connections a process's background loops hold beside its routes (the lease, the outbox, the
audit checkpoint, the limits' tidy and, on SQLite, the job thread: rarely all at once)."""
KEPT_CONNECTIONS = DEFAULT_WEB_THREADS + BACKGROUND_CONNECTIONS
"""Connections a process keeps open once it has needed them, with ``serve``'s default threads
(``kept_connections``): each running route holds one connection at a time (for its session
check, then its page), beside the background loops'. SQLAlchemy's default kept 5 and closed
the others as they came back, so a busy process opened a connection for about every fourth
request: on PostgreSQL a new backend for the server, a connection set-up for the app, and the
statements prepared on the closed one lost; on SQLite a new connection that parses the schema
again (0.6 ms of CPU) and reads with an empty page cache: with 16 reads at once a quarter of
the units of work opened one, and a read cost 25-50 % more CPU than with its connections kept
(Today 3.9 against 2.6 ms, ``bench.request_cost``)."""
MORE_CONNECTIONS = 3
"""PostgreSQL connections opened beyond those kept while that many are busy (closed as they
come back): at most 15 a process with the default threads, so 6 processes stay under
PostgreSQL's default ``max_connections`` of 100 (a process given more threads opens up to
threads + 7: count them against the server's limit)."""
MORE_SQLITE_CONNECTIONS = 10
"""The same for SQLite (SQLAlchemy's default), whose connections use no server's slots."""


def kept_connections(threads: int) -> int:
    """Connections kept open by a process running ``threads`` routes at once: one for each,
    and the background loops'; a process given more threads keeps more, instead of opening and
    closing a connection for the requests beyond ``KEPT_CONNECTIONS``."""
    return max(1, threads) + BACKGROUND_CONNECTIONS


def make_engine(
    url: str, *, ping_after_idle_s: float = PING_AFTER_IDLE_S, threads: int = DEFAULT_WEB_THREADS
) -> Engine:
    """An engine for ``url``, keeping open the connections of a process that runs ``threads``
    routes or jobs at once (``kept_connections``; the runtime passes ``Settings.web_threads``).
    SQLite gets WAL mode, a full sync at each commit, enforced foreign keys and a busy
    timeout. PostgreSQL's pooled connections are tried (one round trip) only when they have been
    idle ``ping_after_idle_s``: a server restarted or a connection dropped overnight is noticed
    before a request uses it, but a busy server's requests, which take a connection for each
    unit of work, do not pay a round trip each time (SQLAlchemy's ``pool_pre_ping`` would)."""
    parsed = make_url(url)
    kept = kept_connections(threads)
    if parsed.get_backend_name() != "sqlite":
        return _postgres_engine(parsed, ping_after_idle_s, kept)
    if not parsed.database or parsed.database == ":memory:":  # one connection per thread
        engine = create_engine(url, connect_args={"timeout": 30})
    else:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            pool_size=kept,
            max_overflow=MORE_SQLITE_CONNECTIONS,
            connect_args={"timeout": 30},
        )
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def write_turns(engine: Engine) -> WriteTurns | None:
    """The turns at writing ``engine``'s database, for a SQLite file (``storage.write_turns``):
    a lock file beside it. None for PostgreSQL, which queues its writers itself, and for a
    database in memory, which one process holds."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return WriteTurns(Path(f"{database}-write-turn"))


def _postgres_engine(url: URL, ping_after_idle_s: float, kept: int) -> Engine:
    """No JIT compilation (the server's ``jit``): the app's statements are short, and one whose
    estimated cost passed ``jit_above_cost`` on a large clinic would spend tens of milliseconds
    compiling; options given in the URL come after, so they win. With psycopg, the cursor and
    the transactions begun before writing of ``storage.postgres_driver`` (imported here: psycopg
    takes 0.3 s to load, which SQLite's commands need not pay)."""
    given = url.query.get("options")
    options = " ".join(["-c jit=off", *([given] if isinstance(given, str) else given or ())])
    args: dict[str, Any] = {"options": options}
    psycopg = url.get_driver_name() == "psycopg"
    if psycopg:
        from resurface.storage import postgres_driver

        args["cursor_factory"] = postgres_driver.DescribedCursor
    engine = create_engine(url, pool_size=kept, max_overflow=MORE_CONNECTIONS, connect_args=args)
    if psycopg:
        event.listen(engine, "before_cursor_execute", postgres_driver.begin_before_writing)
    event.listen(engine, "checkin", _note_returned)
    event.listen(engine, "checkout", _ping_if_idle(ping_after_idle_s))
    return engine


READS_OUTSIDE = "resurface.reads_outside"
"""The key, in a pooled connection's ``info``, saying that it reads outside transactions."""


def reads_outside_transactions(connection: Connection) -> None:
    """With psycopg (PostgreSQL), ``connection`` runs its SELECTs outside a transaction
    (autocommit) until it sends anything else, which begins one (``BEGIN`` is sent just before
    it, ``storage.postgres_driver``), kept to the unit of work's commit or rollback as before. A
    unit of work that only reads sends neither ``BEGIN`` nor ``COMMIT`` or ``ROLLBACK`` (two
    round trips of its three or more), and reads what it would have read in a transaction at
    PostgreSQL's READ COMMITTED level, where each statement sees what was committed when it
    began. ``SELECT … FOR UPDATE`` (or ``SHARE``) and a server-side cursor begin one too, since
    they last until the transaction ends. And psycopg, which forgets the statements it has
    prepared on a connection at every rollback (a rollback may undo the tables they read), keeps
    them: before, every request's session check ended in a rollback, and no statement was ever
    prepared. The connection is handed out in transactions again when it next leaves the pool."""
    if connection.dialect.driver != "psycopg":
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.autocommit = True
    connection.info[READS_OUTSIDE] = True


def _note_returned(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[_RETURNED] = time.monotonic()


def _ping_if_idle(idle_s: float) -> Any:
    """At checkout: the connection runs in transactions, whatever its last unit of work did
    (``reads_outside_transactions``), and is tried if it has been idle ``idle_s`` (outside a
    transaction, so as to leave none open); one that fails either is replaced."""

    def ping(dbapi_connection: Any, record: Any, _proxy: object) -> None:
        returned = record.info.get(_RETURNED)
        idle = returned is not None and time.monotonic() - returned >= idle_s
        try:
            if idle:
                dbapi_connection.autocommit = True
                cursor = dbapi_connection.cursor()
                cursor.execute("SELECT 1")
                cursor.close()
            if record.info.pop(READS_OUTSIDE, None) is not None or idle:
                dbapi_connection.autocommit = False
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
