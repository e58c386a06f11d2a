"""Marks along the patient list: a page asked for by its number is found from the nearest mark
before it, not by walking every row before it

``patient_list_marks`` holds, for each clinic, the key (family key, given key, id) of a row
every 500 rows of the list (``storage.repositories.patients.MARK_STEP``) and how many rows
come before it. The patients repository keeps the counts as patients are added and renamed and
adds a mark where a stretch between two grows past twice the step; this migration sets the
marks of the patients already there.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "patient_list_marks",
        sa.Column("clinic_id", sa.Integer, sa.ForeignKey("clinics.id"), nullable=False),
        sa.Column("family_key", sa.String(480), nullable=False),
        sa.Column("given_key", sa.String(480), nullable=False),
        sa.Column("patient_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("clinic_id", "family_key", "given_key", "patient_id"),
    )
    op.create_index(
        "ix_patient_list_marks_position", "patient_list_marks", ["clinic_id", "position"]
    )
    op.execute(
        """INSERT INTO patient_list_marks (clinic_id, family_key, given_key, patient_id, position)
        SELECT clinic_id, family_key, given_key, id, n FROM (
            SELECT clinic_id, family_key, given_key, id,
                   ROW_NUMBER() OVER (PARTITION BY clinic_id
                                      ORDER BY family_key, given_key, id) - 1 AS n
            FROM patients) AS numbered
        WHERE n > 0 AND n % 500 = 0"""
    )


def downgrade() -> None:
    op.drop_index("ix_patient_list_marks_position", table_name="patient_list_marks")
    op.drop_table("patient_list_marks")
