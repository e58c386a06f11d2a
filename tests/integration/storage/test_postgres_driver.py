"""What a request costs PostgreSQL: the units of work that only read keep the statements psycopg
prepared on their connection, the pool keeps the connections a busy process needed, and the
cursor's plainer column descriptions still name every column. A unit of work that wrote without
committing keeps nothing, on either database."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from resurface.bootstrap import Runtime
from resurface.domain.people import Clinic
from resurface.services.ports import UnitOfWork
from resurface.storage.audit_group import AuditGroupCommit
from resurface.storage.database import KEPT_CONNECTIONS, make_engine
from resurface.storage.unit_of_work import SqlUnitOfWork
from tests.conftest import PostgresServer
from tests.support.clinic import seed_clinic


def test_a_unit_of_work_that_read_then_wrote_and_did_not_commit_keeps_nothing(
    runtime: Runtime,
) -> None:
    north = seed_clinic(runtime.context.uow, "north")
    with runtime.context.uow() as uow:
        assert uow.clinics.get(north.clinic.id) is not None  # on PostgreSQL, outside a transaction
        uow.clinics.add(Clinic(0, "Clinic never", "never", phone="+44 20 0000 0000"))
        uow.clinics.add(Clinic(0, "Clinic nor", "nor", phone="+44 20 0000 0000"))
    with runtime.context.uow() as uow:
        assert uow.clinics.by_slug("never") is None
        assert uow.clinics.by_slug("nor") is None
        uow.clinics.add(Clinic(0, "Clinic kept", "kept", phone="+44 20 0000 0000"))
        uow.commit()
        assert uow.clinics.get(north.clinic.id) is not None
        uow.clinics.add(Clinic(0, "Clinic after", "after", phone="+44 20 0000 0000"))
    with runtime.context.uow() as uow:
        assert uow.clinics.by_slug("kept") is not None
        assert uow.clinics.by_slug("after") is None


def test_a_read_that_failed_keeps_nothing_and_the_next_one_reads(runtime: Runtime) -> None:
    north = seed_clinic(runtime.context.uow, "north")

    def read_then_fail() -> None:
        with runtime.context.uow() as uow:
            assert uow.clinics.get(north.clinic.id) is not None
            raise LookupError("the page failed after reading")

    with pytest.raises(LookupError):
        read_then_fail()
    with runtime.context.uow() as uow:
        assert uow.clinics.get(north.clinic.id) == north.clinic


@pytest.mark.postgres
def test_postgresql_reads_keep_the_statements_prepared_on_their_connection(
    postgres_runtime: Runtime,
) -> None:
    runtime = postgres_runtime
    north = seed_clinic(runtime.context.uow, "north")
    backends = set()
    for _ in range(8):  # psycopg prepares a statement at its sixth run on a connection
        with runtime.context.uow() as uow:
            assert uow.patients.get(north.clinic.id, north.patient.id) is not None
            backends.add(_backend(_connection(uow)))
    with runtime.context.uow() as uow:
        prepared = (
            _connection(uow).execute(text("SELECT statement FROM pg_prepared_statements")).scalars()
        )
        assert any("FROM patients" in statement for statement in prepared)
        assert {_backend(_connection(uow))} == backends  # one connection, kept


@pytest.mark.postgres
def test_postgresql_reads_send_no_begin_and_the_first_write_begins_a_transaction(
    postgres_runtime: Runtime,
) -> None:
    north = seed_clinic(postgres_runtime.context.uow, "north")
    with postgres_runtime.context.uow() as uow:
        connection = _connection(uow)
        assert uow.clinics.get(north.clinic.id) is not None
        assert _in_transaction(connection) is False
        uow.clinics.add(Clinic(0, "Clinic south", "south", phone="+44 20 0000 0000"))
        assert _in_transaction(connection) is True
        uow.commit()
        assert uow.clinics.by_slug("south") is not None
        assert _in_transaction(connection) is False
    with postgres_runtime.engine.begin() as connection:  # the same pooled connection
        connection.execute(text("SELECT 1"))
        assert _in_transaction(connection) is True  # other users still get transactions


@pytest.mark.postgres
def test_a_row_read_for_update_stays_locked_until_the_unit_of_work_ends(
    postgres_runtime: Runtime,
) -> None:
    north = seed_clinic(postgres_runtime.context.uow, "north")
    with postgres_runtime.context.uow() as uow:
        _connection(uow).execute(
            text("SELECT id FROM clinics WHERE id = :id FOR UPDATE"), {"id": north.clinic.id}
        )
        with postgres_runtime.engine.begin() as other:
            other.execute(text("SET LOCAL lock_timeout = '200ms'"))
            with pytest.raises(OperationalError, match="lock timeout"):
                other.execute(
                    text("UPDATE clinics SET name = 'other' WHERE id = :id"),
                    {"id": north.clinic.id},
                )


@pytest.mark.postgres
def test_a_connection_idle_long_enough_to_be_tried_serves_reads_and_writes(
    postgres: PostgresServer, postgres_template: str
) -> None:
    engine = make_engine(postgres.create(template=postgres_template), ping_after_idle_s=0.0)
    group = AuditGroupCommit(engine)

    def units() -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, audit_group=group)

    try:
        for slug in ("east", "west"):
            with units() as uow:
                assert uow.clinics.by_slug(slug) is None
                uow.clinics.add(Clinic(0, f"Clinic {slug}", slug, phone="+44 20 0000 0000"))
                uow.commit()
        with units() as uow:
            assert uow.clinics.by_slug("east") is not None
            assert uow.clinics.by_slug("west") is not None
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_connections_a_busy_process_needed_stay_open_for_its_next_requests(
    postgres: PostgresServer,
) -> None:
    engine = make_engine(postgres.create())
    try:
        busy = [engine.connect() for _ in range(10)]  # 8 requests and 2 background loops
        first = {_backend(connection) for connection in busy}
        for connection in busy:
            connection.close()
        busy = [engine.connect() for _ in range(10)]  # 8 requests and 2 background loops
        again = {_backend(connection) for connection in busy}
        for connection in busy:
            connection.close()
    finally:
        engine.dispose()
    assert len(first) == 10 <= KEPT_CONNECTIONS
    assert again == first


@pytest.mark.postgres
def test_postgresql_results_name_their_columns_and_jit_is_off_unless_the_url_says(
    postgres: PostgresServer,
) -> None:
    url = postgres.create()
    engine = make_engine(url)
    given = make_engine(
        make_url(url)
        .update_query_dict({"options": "-c jit=on -c statement_timeout=5s"})
        .render_as_string(hide_password=False)
    )
    try:
        with engine.connect() as connection:
            row = (
                connection.execute(
                    text("SELECT 7 AS visits, 'Tester' AS family_name, now() AS seen, 1")
                )
                .mappings()
                .one()
            )
            assert list(row.keys()) == ["visits", "family_name", "seen", "?column?"]
            assert (row["visits"], row["family_name"]) == (7, "Tester")
            created = connection.execute(text("CREATE TEMPORARY TABLE notes (body text)"))
            assert not created.returns_rows
            assert connection.execute(text("SHOW jit")).scalar_one() == "off"
        with given.connect() as connection:
            assert connection.execute(text("SHOW jit")).scalar_one() == "on"
            assert connection.execute(text("SHOW statement_timeout")).scalar_one() == "5s"
    finally:
        engine.dispose()
        given.dispose()


def _connection(uow: UnitOfWork) -> Connection:
    assert isinstance(uow, SqlUnitOfWork)
    return uow.patients.connection


def _in_transaction(connection: Connection) -> bool:
    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    return driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE


def _backend(connection: Connection) -> int:
    return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
