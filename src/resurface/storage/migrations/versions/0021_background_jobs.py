"""Background jobs, stored comparisons and the capture verdict

* ``jobs``: the job queue on SQLite (an in-process worker runs it); made on PostgreSQL too, so
  both databases have one schema, but there the jobs go through procrastinate's own tables.
* ``photo_measurements.quality`` (the capture verdict, JSON) and ``analysis_version``;
  ``photo_analysis_failures``: why a photo could not be measured (the page stops waiting).
* ``photo_comparisons``: each compared pair of photos, computed once by a job, keyed by the two
  photos and the analysis version.
* PostgreSQL: procrastinate's schema, from the pinned procrastinate (constraints.txt). It is
  applied here rather than by ``procrastinate schema --apply`` so that one ``resurface db
  upgrade`` brings everything up to date, Alembic records where the database stands, and a later
  procrastinate upgrade comes as an Alembic migration that applies procrastinate's own migration
  files (``procrastinate/sql/migrations``), as procrastinate's documentation recommends.

Revision ID: 0021
Revises: 0019
Create Date: 2026-12-05 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from resurface.storage.types import RecordId, UtcDateTime

revision = "0021"
down_revision = "0019"
branch_labels = None
depends_on = None

_PROCRASTINATE_TABLES = (
    "procrastinate_events",
    "procrastinate_periodic_defers",
    "procrastinate_jobs",
    "procrastinate_workers",
)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", RecordId, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("queueing_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("run_after", UtcDateTime(), nullable=False),
        sa.Column("locked_by", sa.String(length=64), nullable=True),
        sa.Column("locked_until", UtcDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_status_run_after", ["status", "run_after"], unique=False)
        batch_op.create_index(
            "uq_jobs_waiting_key",
            ["queueing_key"],
            unique=True,
            sqlite_where=sa.text("status IN ('todo', 'doing')"),
            postgresql_where=sa.text("status IN ('todo', 'doing')"),
        )
    with op.batch_alter_table("photo_measurements", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("quality", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("analysis_version", sa.String(length=20), nullable=True))
    op.create_table(
        "photo_analysis_failures",
        sa.Column("id", RecordId, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("failed_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("analysis_version", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"],
            ["clinics.id"],
            name=op.f("fk_photo_analysis_failures_clinic_id_clinics"),
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_analysis_failures_photo_id_photos"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_analysis_failures")),
        sa.UniqueConstraint("photo_id", name=op.f("uq_photo_analysis_failures_photo_id")),
    )
    with op.batch_alter_table("photo_analysis_failures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photo_analysis_failures_clinic_id"), ["clinic_id"], unique=False
        )
    op.create_table(
        "photo_comparisons",
        sa.Column("id", RecordId, nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("before_photo_id", sa.Integer(), nullable=False),
        sa.Column("after_photo_id", sa.Integer(), nullable=False),
        sa.Column("analysis_version", sa.String(length=20), nullable=False),
        sa.Column("compared_at", UtcDateTime(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("overlay_key", sa.String(length=64), nullable=True),
        sa.Column("problem", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_photo_comparisons_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["before_photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_comparisons_before_photo_id_photos"),
        ),
        sa.ForeignKeyConstraint(
            ["after_photo_id"],
            ["photos.id"],
            name=op.f("fk_photo_comparisons_after_photo_id_photos"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_comparisons")),
        sa.UniqueConstraint(
            "before_photo_id",
            "after_photo_id",
            "analysis_version",
            name="uq_photo_comparisons_pair_version",
        ),
    )
    with op.batch_alter_table("photo_comparisons", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_photo_comparisons_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_photo_comparisons_after_photo_id"), ["after_photo_id"], unique=False
        )
    if op.get_bind().dialect.name == "postgresql":
        _procrastinate_schema()


def _procrastinate_schema() -> None:
    from procrastinate.schema import SchemaManager

    exists = op.get_bind().execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar()
    if exists is None:
        op.get_bind().exec_driver_sql(SchemaManager.get_schema().replace("%", "%%"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _drop_procrastinate()
    with op.batch_alter_table("photo_comparisons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_comparisons_after_photo_id"))
        batch_op.drop_index(batch_op.f("ix_photo_comparisons_clinic_id"))
    op.drop_table("photo_comparisons")
    with op.batch_alter_table("photo_analysis_failures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_photo_analysis_failures_clinic_id"))
    op.drop_table("photo_analysis_failures")
    with op.batch_alter_table("photo_measurements", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("analysis_version")
        batch_op.drop_column("quality")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("uq_jobs_waiting_key")
        batch_op.drop_index("ix_jobs_status_run_after")
    op.drop_table("jobs")


def _drop_procrastinate() -> None:
    """Every object procrastinate's schema made: its tables, then its functions and types."""
    bind = op.get_bind()
    for table in _PROCRASTINATE_TABLES:
        bind.exec_driver_sql(f"DROP TABLE IF EXISTS {table} CASCADE")
    functions = bind.execute(
        sa.text(
            "SELECT p.oid::regprocedure::text FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%'"
        )
    ).scalars()
    for signature in list(functions):
        kind = "PROCEDURE" if _is_procedure(signature) else "FUNCTION"
        bind.exec_driver_sql(f"DROP {kind} IF EXISTS {signature} CASCADE")
    for type_name in ("procrastinate_job_to_defer_v1", "procrastinate_job_event_type",
                      "procrastinate_job_status"):  # fmt: skip
        bind.exec_driver_sql(f"DROP TYPE IF EXISTS {type_name} CASCADE")


def _is_procedure(signature: str) -> bool:
    kind = op.get_bind().execute(
        sa.text("SELECT prokind FROM pg_proc WHERE oid = CAST(:s AS regprocedure)"),
        {"s": signature},
    )
    return kind.scalar() == "p"
