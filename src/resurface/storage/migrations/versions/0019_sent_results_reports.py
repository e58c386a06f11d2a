"""Results reports sent to patients: ``sent_results_reports``

A clinician e-mails a patient's results report (the patient's version) through the outbox: the
PDF as sent is kept in the photo store under its SHA-256, and this table records who sent it,
when, to which address, and the outbox message that carries the link to it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import resurface.storage.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_results_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("clinic_id", sa.Integer(), nullable=False),
        sa.Column("patient_id", sa.Integer(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=False),
        sa.Column("sent_at", resurface.storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["clinic_id"], ["clinics.id"], name=op.f("fk_sent_results_reports_clinic_id_clinics")
        ),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notifications.id"],
            name=op.f("fk_sent_results_reports_notification_id_notifications"),
        ),
        sa.ForeignKeyConstraint(
            ["patient_id"],
            ["patients.id"],
            name=op.f("fk_sent_results_reports_patient_id_patients"),
        ),
        sa.ForeignKeyConstraint(
            ["sent_by"], ["users.id"], name=op.f("fk_sent_results_reports_sent_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sent_results_reports")),
    )
    with op.batch_alter_table("sent_results_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sent_results_reports_clinic_id"), ["clinic_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_sent_results_reports_patient_id"), ["patient_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("sent_results_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sent_results_reports_patient_id"))
        batch_op.drop_index(batch_op.f("ix_sent_results_reports_clinic_id"))
    op.drop_table("sent_results_reports")
