"""Records are corrected, never overwritten: versions of check-ins and photos, entered in error,
and the history of corrections

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_CORRECTABLE = (
    "consultations",
    "assessments",
    "treatment_plans",
    "treatment_sessions",
    "checkins",
    "photos",
)
_NEWLY_VERSIONED = ("checkins", "photos")


def upgrade() -> None:
    for table in _CORRECTABLE:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in _NEWLY_VERSIONED:
                batch_op.add_column(
                    sa.Column("version", sa.Integer(), server_default="1", nullable=False)
                )
            batch_op.add_column(
                sa.Column("entered_in_error", sa.Text(), server_default="", nullable=False)
            )
    op.create_table(
        "record_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("earlier", sa.JSON(), nullable=False),
        sa.Column("corrected_by", sa.Integer(), nullable=False),
        sa.Column(
            "corrected_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_record_corrections_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"], ["patients.id"], name=op.f("fk_record_corrections_patient_id_patients")
        ),
        sa.ForeignKeyConstraint(
            ["corrected_by"], ["users.id"], name=op.f("fk_record_corrections_corrected_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_corrections")),
    )
    with op.batch_alter_table("record_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_corrections_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            "ix_record_corrections_record",
            ["clinic_id", "record_type", "record_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("record_corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_record_corrections_record")
        batch_op.drop_index(batch_op.f("ix_record_corrections_clinic_id"))
    op.drop_table("record_corrections")
    for table in reversed(_CORRECTABLE):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("entered_in_error")
            if table in _NEWLY_VERSIONED:
                batch_op.drop_column("version")
