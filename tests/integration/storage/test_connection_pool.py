"""The connections a web process keeps open: one for each of its route threads (``resurface
serve --threads``) and its background loops', on SQLite as on PostgreSQL. A process that closed
the connections it needed and opened them again on its next requests paid for a new one each
time (on SQLite, 0.6 ms of CPU to parse the schema again and reads from an empty page cache,
which made a read cost up to twice the CPU when 16 came at once)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import Engine, event, text
from sqlalchemy.pool import QueuePool
from typer.testing import CliRunner

from resurface import bootstrap
from resurface.cli import main as cli_main
from resurface.cli import serve
from resurface.config import Settings
from resurface.storage import database
from resurface.storage.database import (
    BACKGROUND_CONNECTIONS,
    DEFAULT_WEB_THREADS,
    KEPT_CONNECTIONS,
    MORE_CONNECTIONS,
    make_engine,
)
from tests.conftest import PostgresServer, make_settings

THREADS = "RESURFACE_WEB_THREADS"


def _busy_rounds(engine: Engine, threads: int, rounds: int) -> int:
    """``threads`` threads each run ``rounds`` statements on a connection of their own, all of
    them holding one at the same moment, then all of them none (as requests do while they
    render a page); the connections the engine opened meanwhile."""
    opened = 0

    def count(*_args: Any) -> None:
        nonlocal opened
        opened += 1

    event.listen(engine, "connect", count)
    together = threading.Barrier(threads)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(rounds):
                with engine.connect() as connection:
                    together.wait(timeout=30)  # every thread holds a connection now
                    connection.execute(text("SELECT 1")).scalar_one()
                together.wait(timeout=30)  # every thread has given its connection back
        except BaseException as error:  # reported below, not lost in the thread
            failures.append(error)
            together.abort()

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    event.remove(engine, "connect", count)
    assert not failures, failures
    return opened


def test_serve_keeps_as_many_connections_as_before_with_its_default_threads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(THREADS, raising=False)
    assert serve.DEFAULT_THREADS == DEFAULT_WEB_THREADS == Settings().web_threads
    assert database.kept_connections(DEFAULT_WEB_THREADS) == KEPT_CONNECTIONS == 12


def test_the_threads_are_a_setting_and_a_wrong_one_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(THREADS, "20")
    assert Settings().web_threads == 20
    monkeypatch.setenv(THREADS, "not a number")
    with pytest.raises(ValidationError, match="web_threads"):
        Settings()


def test_a_busy_sqlite_process_reuses_its_connections_instead_of_opening_new_ones(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.db'}")
    try:
        threads = DEFAULT_WEB_THREADS + BACKGROUND_CONNECTIONS
        first = _busy_rounds(engine, threads, rounds=1)
        again = _busy_rounds(engine, threads, rounds=20)
    finally:
        engine.dispose()
    assert first == threads
    assert again == 0  # 240 units of work, 12 at once: not one new connection


def test_a_sqlite_process_run_with_more_threads_keeps_a_connection_for_each(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'clinic.db'}", threads=24)
    try:
        first = _busy_rounds(engine, 24, rounds=1)
        again = _busy_rounds(engine, 24, rounds=10)
    finally:
        engine.dispose()
    assert (first, again) == (24, 0)


@pytest.mark.postgres
def test_a_postgresql_process_run_with_more_threads_keeps_a_connection_for_each(
    postgres: PostgresServer,
) -> None:
    engine = make_engine(postgres.create(), threads=20)
    try:
        busy = 20 + BACKGROUND_CONNECTIONS  # more than the 15 the default threads may open
        first = _busy_rounds(engine, busy, rounds=1)
        again = _busy_rounds(engine, busy, rounds=5)
    finally:
        engine.dispose()
    assert (first, again) == (busy, 0)


@pytest.mark.postgres
def test_postgresql_with_the_default_threads_keeps_12_connections_and_opens_3_more(
    postgres: PostgresServer,
) -> None:
    engine = make_engine(postgres.create())
    try:
        held = [engine.connect() for _ in range(KEPT_CONNECTIONS + MORE_CONNECTIONS)]
        pool = engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.size() == KEPT_CONNECTIONS
        assert pool.overflow() == MORE_CONNECTIONS  # 15 open: the most it may open
        for connection in held:
            connection.close()
        assert pool.checkedin() == KEPT_CONNECTIONS  # the 3 more were closed
    finally:
        engine.dispose()


def test_serve_sizes_the_pool_of_its_process_from_its_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(THREADS, raising=False)
    monkeypatch.setenv("RESURFACE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RESURFACE_ENVIRONMENT", "development")
    bootstrap.migrate(make_settings(tmp_path, f"sqlite:///{tmp_path / 'resurface.db'}"))
    served: list[Any] = []

    def run(app: Any, **_options: Any) -> None:  # instead of serving: what would be served
        served.append(app)

    monkeypatch.setattr("uvicorn.run", run)
    answer = CliRunner().invoke(
        cli_main.app, ["serve", "--threads", "20", "--workers", "1", "--no-access-log"]
    )
    assert answer.exit_code == 0, answer.output
    (app,) = served
    assert app.threads == 20
    engine = app.app.state.runtime.engine
    try:
        assert isinstance(engine.pool, QueuePool)
        assert engine.pool.size() == 20 + BACKGROUND_CONNECTIONS
    finally:
        engine.dispose()


def test_a_worker_keeps_a_connection_for_each_job_it_runs_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RESURFACE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("RESURFACE_ENVIRONMENT", "development")
    bootstrap.migrate(make_settings(tmp_path, f"sqlite:///{tmp_path / 'resurface.db'}"))
    pools: list[int] = []
    build = bootstrap.build

    def built(settings: Settings) -> bootstrap.Runtime:
        runtime = build(settings)
        assert isinstance(runtime.engine.pool, QueuePool)
        pools.append(runtime.engine.pool.size())
        return runtime

    monkeypatch.setattr(bootstrap, "build", built)
    answer = CliRunner().invoke(cli_main.app, ["worker", "--once", "--concurrency", "12"])
    assert answer.exit_code == 0, answer.output
    assert pools == [12 + BACKGROUND_CONNECTIONS]
