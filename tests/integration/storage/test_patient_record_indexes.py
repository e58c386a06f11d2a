"""A patient's records, and a session's alerts, are found through their own index on SQLite,
whatever the order the indexes were made in: SQLite keeps no statistics, and between an index on
the clinic and one on the patient it took the one made last, which on three tables was the
clinic's (a chart read at 100,000 patients looked for the patient's photos among every photo of
the clinic); a session's alerts, read at each check-in, had no index but the clinic's."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import create_engine, event

from resurface.storage.repositories.alerts import SqlAlerts
from resurface.storage.repositories.charts import _CHART_READ
from resurface.storage.tables import metadata

PATIENT_TABLES = sorted(
    table.name
    for table in metadata.tables.values()
    if any(index.name == f"ix_{table.name}_patient_id" for index in table.indexes)
)


def test_every_table_of_a_patients_records_is_read_through_the_patients_index(
    sqlite_url: str,
) -> None:
    assert {"photos", "appointments", "sent_results_reports", "checkins"} <= set(PATIENT_TABLES)
    engine = create_engine(sqlite_url)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        for table in PATIENT_TABLES:
            plan = raw.execute(
                f"EXPLAIN QUERY PLAN SELECT id FROM {table} "
                "WHERE clinic_id = 1 AND patient_id = 2 ORDER BY id"
            ).fetchall()
            details = " ".join(row[3] for row in plan)
            assert f"INDEX ix_{table}_patient_id (patient_id=? AND clinic_id=?)" in details, (
                table,
                details,
            )
    engine.dispose()


def test_the_chart_read_uses_no_index_of_the_clinic_alone(sqlite_url: str) -> None:
    engine = create_engine(sqlite_url)
    statement = _CHART_READ[True].compile(dialect=engine.dialect)
    values = {"clinic_id": 1, "patient_id": 2}
    arguments = [values.get(name, statement.params[name]) for name in statement.positiontup or ()]
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        plan = raw.execute(f"EXPLAIN QUERY PLAN {statement}", arguments).fetchall()
    engine.dispose()
    details = [row[3] for row in plan]
    searched = [d for d in details if d.startswith("SEARCH")]
    assert len(searched) >= 7, details  # the patient and six kinds of record
    assert not [d for d in searched if re.search(r"ix_\w+_clinic_id\b", d)], details


def test_a_sessions_alerts_are_read_through_the_sessions_index(sqlite_url: str) -> None:
    """The statement ``Alerts.for_session`` sends, as it sends it."""
    engine = create_engine(sqlite_url)
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    with engine.connect() as connection:
        assert SqlAlerts(connection).for_session(1, 2) == []
        statement, parameters = sent[-1]
        raw = connection.connection.driver_connection
        assert raw is not None
        plan = raw.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    engine.dispose()
    details = " ".join(row[3] for row in plan)
    assert "INDEX ix_alerts_session_id (session_id=? AND clinic_id=?)" in details, details
