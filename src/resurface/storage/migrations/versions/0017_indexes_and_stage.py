"""Work that follows the page, not the clinic: the series kept with the patient, name keys and
their indexes

- ``patients`` gains the treatment series the list filters by stage on (sessions planned and
  done, the last session's date and modality), kept by the chart repository from now on and
  worked out here for every existing patient; and each name as the search compares it (accents
  dropped, case folded), with indexes for the list's order, the name starts, the series and
  the last session's date.
- Substring search: on PostgreSQL a trigram index (``pg_trgm``) over the two name keys, if the
  extension can be created; on SQLite an FTS5 trigram table ``patient_names`` over them, kept by
  triggers. (A later batch migration that recreates ``patients`` on SQLite must create the
  triggers again.)
- ``treatment_sessions`` gains an index on the day performed (today's sessions on the home page).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 20:00:00
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_patients = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("given_name", sa.String),
    sa.column("family_name", sa.String),
    sa.column("given_key", sa.String),
    sa.column("family_key", sa.String),
    sa.column("series_planned", sa.Integer),
    sa.column("series_done", sa.Integer),
    sa.column("last_session_on", sa.Date),
    sa.column("last_modality", sa.String),
)
_plans = sa.table(
    "treatment_plans",
    sa.column("id", sa.Integer),
    sa.column("patient_id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("entered_in_error", sa.String),
)
_items = sa.table(
    "plan_items",
    sa.column("plan_id", sa.Integer),
    sa.column("decision", sa.String),
    sa.column("chosen_sessions", sa.Integer),
    sa.column("sessions_expected", sa.Integer),
)
_sessions = sa.table(
    "treatment_sessions",
    sa.column("id", sa.Integer),
    sa.column("patient_id", sa.Integer),
    sa.column("performed_on", sa.Date),
    sa.column("entered_in_error", sa.String),
)
_areas = sa.table(
    "session_areas",
    sa.column("session_id", sa.Integer),
    sa.column("position", sa.Integer),
    sa.column("modality", sa.String),
)

_FTS_TRIGGERS = (
    """CREATE TRIGGER patient_names_insert AFTER INSERT ON patients BEGIN
         INSERT INTO patient_names (rowid, given_key, family_key)
         VALUES (new.id, new.given_key, new.family_key);
       END""",
    """CREATE TRIGGER patient_names_delete AFTER DELETE ON patients BEGIN
         INSERT INTO patient_names (patient_names, rowid, given_key, family_key)
         VALUES ('delete', old.id, old.given_key, old.family_key);
       END""",
    """CREATE TRIGGER patient_names_update AFTER UPDATE OF given_key, family_key ON patients
       BEGIN
         INSERT INTO patient_names (patient_names, rowid, given_key, family_key)
         VALUES ('delete', old.id, old.given_key, old.family_key);
         INSERT INTO patient_names (rowid, given_key, family_key)
         VALUES (new.id, new.given_key, new.family_key);
       END""",
)


def _name_key(text: str) -> str:
    """``domain.people.name_key`` as of this migration."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(unicodedata.normalize("NFKC", bare).split())


def upgrade() -> None:
    with op.batch_alter_table("patients", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("given_key", sa.String(480), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("family_key", sa.String(480), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("series_planned", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("series_done", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("last_session_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("last_modality", sa.String(40), nullable=True))
    connection = op.get_bind()
    _backfill_names(connection)
    _backfill_series(connection)
    with op.batch_alter_table("patients", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_patients_clinic_family_name")
        batch_op.create_index(
            "ix_patients_clinic_name", ["clinic_id", "family_name", "given_name", "id"]
        )
        batch_op.create_index("ix_patients_clinic_family_key", ["clinic_id", "family_key"])
        batch_op.create_index("ix_patients_clinic_given_key", ["clinic_id", "given_key"])
        batch_op.create_index(
            "ix_patients_clinic_last_session_on", ["clinic_id", "last_session_on"]
        )
        batch_op.create_index(
            "ix_patients_clinic_series",
            ["clinic_id", "series_planned", "series_done", "last_session_on", "last_modality"],
        )
    with op.batch_alter_table("treatment_sessions", schema=None, recreate="never") as batch_op:
        batch_op.create_index(
            "ix_treatment_sessions_clinic_performed_on", ["clinic_id", "performed_on"]
        )
    if connection.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE patient_names USING fts5(given_key, family_key, "
            "content='patients', content_rowid='id', tokenize='trigram')"
        )
        op.execute("INSERT INTO patient_names (patient_names) VALUES ('rebuild')")
        for trigger in _FTS_TRIGGERS:
            op.execute(trigger)
    elif _trigram_available(connection):
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_patients_name_trigrams ON patients "
            "USING gin ((given_key || ' ' || family_key) gin_trgm_ops)"
        )


def _trigram_available(connection: sa.Connection) -> bool:
    query = sa.text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_trgm'")
    return bool(connection.execute(query).scalar())


def _backfill_names(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.select(_patients.c.id, _patients.c.given_name, _patients.c.family_name)
    ).all()
    if rows:
        connection.execute(
            _patients.update()
            .where(_patients.c.id == sa.bindparam("pid"))
            .values(given_key=sa.bindparam("gk"), family_key=sa.bindparam("fk")),
            [_keys(r) for r in rows],
        )


def _keys(row: Any) -> dict[str, object]:
    return {"pid": row.id, "gk": _name_key(row.given_name), "fk": _name_key(row.family_name)}


def _backfill_series(connection: sa.Connection) -> None:
    """The series as ``storage.repositories.patients.refresh_series`` works it out."""
    per_item = sa.case(
        (
            _items.c.decision == "overridden",
            sa.func.coalesce(_items.c.chosen_sessions, _items.c.sessions_expected),
        ),
        else_=_items.c.sessions_expected,
    )
    planned_query = (
        sa.select(_plans.c.patient_id, sa.func.max(per_item))
        .join(_items, _items.c.plan_id == _plans.c.id)
        .where(_plans.c.status.in_(["accepted", "completed"]), _plans.c.entered_in_error == "")
        .group_by(_plans.c.patient_id, _plans.c.id)
        .order_by(_plans.c.id)
    )
    planned = {row[0]: int(row[1]) for row in connection.execute(planned_query)}
    done = (
        sa.select(
            _sessions.c.patient_id,
            sa.func.count(_sessions.c.id).label("done"),
            sa.func.max(_sessions.c.performed_on).label("last_on"),
            sa.func.max(_sessions.c.id).label("last_id"),
        )
        .where(_sessions.c.entered_in_error == "")
        .group_by(_sessions.c.patient_id)
        .subquery()
    )
    done_query = sa.select(done, _areas.c.modality).outerjoin(
        _areas, sa.and_(_areas.c.session_id == done.c.last_id, _areas.c.position == 0)
    )
    values = {
        pid: {"pid": pid, "planned": count, "done": 0, "last_on": None, "modality": None}
        for pid, count in planned.items()
    }
    for row in connection.execute(done_query):
        values[row.patient_id] = {
            "pid": row.patient_id,
            "planned": planned.get(row.patient_id, 0),
            "done": int(row.done),
            "last_on": row.last_on,
            "modality": row.modality,
        }
    if values:
        connection.execute(
            _patients.update()
            .where(_patients.c.id == sa.bindparam("pid"))
            .values(
                series_planned=sa.bindparam("planned"),
                series_done=sa.bindparam("done"),
                last_session_on=sa.bindparam("last_on"),
                last_modality=sa.bindparam("modality"),
            ),
            list(values.values()),
        )


def downgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS patient_names_{trigger}")
        op.execute("DROP TABLE IF EXISTS patient_names")
    else:
        op.execute("DROP INDEX IF EXISTS ix_patients_name_trigrams")
    with op.batch_alter_table("treatment_sessions", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_treatment_sessions_clinic_performed_on")
    with op.batch_alter_table("patients", schema=None, recreate="never") as batch_op:
        batch_op.drop_index("ix_patients_clinic_series")
        batch_op.drop_index("ix_patients_clinic_last_session_on")
        batch_op.drop_index("ix_patients_clinic_given_key")
        batch_op.drop_index("ix_patients_clinic_family_key")
        batch_op.drop_index("ix_patients_clinic_name")
        batch_op.create_index("ix_patients_clinic_family_name", ["clinic_id", "family_name"])
    # Dropped in place (SQLite 3.35+): recreating a table others refer to breaks their keys.
    with op.batch_alter_table("patients", schema=None, recreate="never") as batch_op:
        for column in ("last_modality", "last_session_on", "series_done", "series_planned",
                       "family_key", "given_key"):  # fmt: skip
            batch_op.drop_column(column)
